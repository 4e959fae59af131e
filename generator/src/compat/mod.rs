//! The compatibility engine: facts ([`diff`]: what changed between two schemas), judged by the
//! rule catalogue ([`crate::rules`]) into the verdict of a pair with witnesses and proofs
//! ([`pair`], [`inclusion`], [`sample`]); the gate over two registries ([`check`], reading the
//! base from [`git`]) and its reports ([`report`]).
//!
//! May use: the registry and the rule catalogue. Never the code emitter: a verdict does not
//! depend on how Rust is generated.

pub(crate) mod check;
pub(crate) mod diff;
pub mod git;
pub(crate) mod inclusion;
pub(crate) mod pair;
pub(crate) mod report;
pub(crate) mod sample;
pub(crate) mod schema;

//! The JSON Schema Test Suite through generated types. The build script runs the generator
//! over every suite schema (one module per group, root type `Root`); [`GROUPS`] names them,
//! and [`outcome`] decodes one case into its type with the native path.
// Suite property names include Greek letters.
#![allow(mixed_script_confusables)]

use contracts_runtime::native::{self, Plan};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub mod walk;

/// One suite group and the generated type of its schema.
pub struct Group {
    /// `draft2020-12` or `draft7`.
    pub draft: &'static str,
    /// The case file, relative to the suite's `tests` directory.
    pub file: &'static str,
    /// The group's index in that file.
    pub index: usize,
    /// The check of one case against the group's type and the properties or definitions
    /// typed as any value; or why the generator produced no type.
    pub check: Result<(Check, &'static str), &'static str>,
}

/// Decodes one case's data into the group's type with the native path.
pub type Check = fn(&Plan, &Value, bool) -> Outcome;

/// What happened to one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The native decode's verdict is the suite's.
    Agree,
    /// The suite says valid, the native decode refused, and so does plain serde: the
    /// generated type cannot hold this valid value (typify's type is narrower than the schema).
    TypeCannotHold,
    /// The native decode accepted an invalid value.
    AcceptedInvalid,
    /// The native decode refused a valid value the type can hold.
    RefusedValid,
    /// Decoded fine, re-encoded to the same JSON, but the native encoder refused it.
    EncodeRefused,
}

/// The outcome of `data` (suite verdict `valid`) decoded into `T` through `plan`.
pub fn outcome<T: DeserializeOwned + Serialize>(plan: &Plan, data: &Value, valid: bool) -> Outcome {
    let bytes = serde_json::to_vec(data).expect("a Value serializes");
    match (native::decode::<T>(plan, &bytes), valid) {
        (Ok(typed), true) => {
            // When the type keeps the value exactly, the producer side must accept it too.
            let kept = serde_json::to_value(&typed).is_ok_and(|again| again == *data);
            if kept && !native::is_valid(plan, &typed) {
                Outcome::EncodeRefused
            } else {
                Outcome::Agree
            }
        }
        (Err(_), false) => Outcome::Agree,
        (Ok(_), false) => Outcome::AcceptedInvalid,
        (Err(_), true) if serde_json::from_slice::<T>(&bytes).is_err() => Outcome::TypeCannotHold,
        (Err(_), true) => Outcome::RefusedValid,
    }
}

#[allow(missing_docs)]
mod generated {
    use super::{outcome, Group};
    include!(concat!(env!("OUT_DIR"), "/suite.rs"));
}

pub use generated::GROUPS;

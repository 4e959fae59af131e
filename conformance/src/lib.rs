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

/// Decodes one case's data into the group's type with the native path, and runs the
/// generated producer check on it; the third part is the decoded value written back, when the
/// native path decoded the data.
pub type Check = fn(&Plan, &Value, bool) -> (Outcome, Producer, Option<Value>);

/// The generated check of a group's type (`native_check` of its module).
pub type NativeCheck<T> = fn(&T, &Plan, &[u32]) -> Option<bool>;

/// What the generated producer check said about one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    /// The type keeps the case's data exactly and the generated check gives the suite's
    /// verdict on it.
    Agree,
    /// The type keeps the data exactly, and the generated check's verdict is not the suite's.
    Disagree,
    /// Plain serde does not decode the data into the type, or writes it back differently.
    NotKept,
    /// The generator emitted no check for this schema.
    NoCheck,
}

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

/// The outcome of `data` (suite verdict `valid`) decoded into `T` through `plan`, and the
/// verdict of the generated check (`check`, reading the nodes of `pointers`) on the value plain
/// serde decodes, when that value is written back as `data`: valid or not, it is then the
/// suite's case exactly.
pub fn outcome<T: DeserializeOwned + Serialize>(
    plan: &Plan,
    data: &Value,
    valid: bool,
    pointers: &[&str],
    check: NativeCheck<T>,
) -> (Outcome, Producer, Option<Value>) {
    let bytes = serde_json::to_vec(data).expect("a Value serializes");
    let producer = match serde_json::from_slice::<T>(&bytes) {
        Ok(typed) if serde_json::to_value(&typed).is_ok_and(|again| again == *data) => {
            let nodes: Option<Vec<u32>> = pointers.iter().map(|p| plan.node_at(p)).collect();
            match nodes.and_then(|nodes| check(&typed, plan, &nodes)) {
                Some(verdict) if verdict == valid => Producer::Agree,
                Some(_) => Producer::Disagree,
                None => Producer::NoCheck,
            }
        }
        _ => Producer::NotKept,
    };
    let again = native::decode::<T>(plan, &bytes)
        .ok()
        .and_then(|typed| serde_json::to_value(&typed).ok());
    (
        decode_outcome::<T>(plan, &bytes, data, valid),
        producer,
        again,
    )
}

fn decode_outcome<T: DeserializeOwned + Serialize>(
    plan: &Plan,
    bytes: &[u8],
    data: &Value,
    valid: bool,
) -> Outcome {
    match (native::decode::<T>(plan, bytes), valid) {
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
        (Err(_), true) if serde_json::from_slice::<T>(bytes).is_err() => Outcome::TypeCannotHold,
        (Err(_), true) => Outcome::RefusedValid,
    }
}

#[allow(missing_docs)]
mod generated {
    // Without the suite beside the checkout (`../shared/conformance`) no group calls `outcome`:
    // the tests then say the suite is missing, rather than the build failing on a lint.
    #[allow(unused_imports)]
    use super::{outcome, Group};
    include!(concat!(env!("OUT_DIR"), "/suite.rs"));
}

pub use generated::GROUPS;

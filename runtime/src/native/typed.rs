//! What generated checks call. The generator emits, per event, a check that walks the typed
//! value field by field, knowing each field's node at generation time and skipping what the
//! Rust type already guarantees (a `Uuid` is always a uuid, an enum of the schema's strings is
//! always one of them). What is left is one call here per scalar, against the node of the
//! subschema; a subschema the emitter does not walk is checked by [`value_ok`], the same
//! serializer wrapper [`super::encode`] uses.

use std::fmt::Display;

use serde::Serialize;

use super::number::Num;
use super::plan::{Node, NodeId, Plan};
use super::scalar;
use super::ser::StackText;

/// Whether `value`, as serde_json would write it, satisfies node `node`.
pub fn value_ok<T: Serialize + ?Sized>(plan: &Plan, node: NodeId, value: &T) -> bool {
    super::encode_at(plan, node, value, std::io::sink()).is_ok()
}

/// A string.
#[inline]
pub fn str_ok(plan: &Plan, node: NodeId, value: &str) -> bool {
    match plan.node(node) {
        Node::Any => true,
        Node::Checks(checks) => scalar::check_str(checks, value).is_ok(),
        _ => value_ok(plan, node, value),
    }
}

/// A value written as a string through `Display` (dates, for instance), formatted on the
/// stack when it fits.
pub fn display_ok<T: Display + ?Sized>(plan: &Plan, node: NodeId, value: &T) -> bool {
    use std::fmt::Write;
    let mut text = StackText::default();
    if write!(text, "{value}").is_ok() {
        str_ok(plan, node, text.as_str())
    } else {
        str_ok(plan, node, &value.to_string())
    }
}

#[inline]
fn number_ok(plan: &Plan, node: NodeId, value: Num) -> bool {
    match plan.node(node) {
        Node::Any => true,
        Node::Checks(checks) => scalar::check_number(checks, value).is_ok(),
        _ => match value {
            Num::I(i) => value_ok(plan, node, &i),
            Num::U(u) => value_ok(plan, node, &u),
            Num::F(f) => value_ok(plan, node, &f),
        },
    }
}

/// A signed integer.
#[inline]
pub fn i64_ok(plan: &Plan, node: NodeId, value: i64) -> bool {
    number_ok(plan, node, Num::I(value))
}

/// An unsigned integer.
#[inline]
pub fn u64_ok(plan: &Plan, node: NodeId, value: u64) -> bool {
    number_ok(plan, node, Num::U(value))
}

/// A float. NaN and the infinities are not JSON numbers (serde_json would write `null`), so
/// they are refused whatever the schema says.
#[inline]
pub fn f64_ok(plan: &Plan, node: NodeId, value: f64) -> bool {
    value.is_finite() && number_ok(plan, node, Num::F(value))
}

/// A boolean.
#[inline]
pub fn bool_ok(plan: &Plan, node: NodeId, value: bool) -> bool {
    match plan.node(node) {
        Node::Any => true,
        Node::Checks(checks) => scalar::check_bool(checks, value).is_ok(),
        _ => value_ok(plan, node, &value),
    }
}

/// `null` (a `None` that is written rather than skipped).
#[inline]
pub fn null_ok(plan: &Plan, node: NodeId) -> bool {
    match plan.node(node) {
        Node::Any => true,
        Node::Checks(checks) => scalar::check_null(checks).is_ok(),
        _ => value_ok(plan, node, &()),
    }
}

/// Whether `pattern` is an anchored run of ASCII character classes (`^[A-Z0-9]{3,12}$`): it
/// then means the same to every regex engine involved (ECMA-262 as typify's newtypes read it
/// with regress, jsonschema, this crate), so a generated newtype that checked it when it was
/// built needs no second check. For the generator.
pub fn is_class_run_pattern(pattern: &str) -> bool {
    matches!(
        super::plan::safe_regex(pattern),
        Some(super::pattern::Pattern::Runs(_))
    )
}

//! The native path: typed decoding and encoding with every constraint of the schema checked
//! on the way, without an intermediate `serde_json::Value`.
//!
//! A [`Plan`] is the schema compiled into nodes. [`decode`] drives the type's `Deserialize`
//! through a wrapper of serde_json's deserializer that checks each token against its node;
//! [`encode`] does the same for `Serialize`. Subschemas without a streaming check are
//! delegated to jsonschema on just that subtree. Both stop at the first violation: callers
//! run the full validator on the error path to report every violation with its pointer.

mod de;
mod draft;
mod format;
mod number;
mod pattern;
mod plan;
mod pointer;
mod scalar;
mod ser;
mod state;
mod tag_probe;
#[doc(hidden)]
pub mod typed;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use plan::{Enforcement, Plan, PlanError};
pub use pointer::string_at;

/// Compares two JSON numbers by value, exactly: `1` equals `1.0`, and integers beyond 2^53
/// are not rounded. `None` only for a NaN, which JSON cannot carry.
pub fn compare_numbers(
    a: &serde_json::Number,
    b: &serde_json::Number,
) -> Option<std::cmp::Ordering> {
    number::Num::of_number(a)?.compare(number::Num::of_number(b)?)
}

/// Decodes `bytes` into `T`, checking `plan` on the way. An error means the bytes are not
/// JSON, break the schema, or do not fit `T`; the message does not say which.
pub fn decode<T: DeserializeOwned>(plan: &Plan, bytes: &[u8]) -> Result<T, serde_json::Error> {
    // UTF-8 checked once for the whole payload rather than string by string (serde_json's
    // slice reader validates each string it reads, and none it skips).
    let text =
        std::str::from_utf8(bytes).map_err(<serde_json::Error as serde::de::Error>::custom)?;
    // Parts of a payload read as raw JSON and replayed start a fresh count of nesting, so
    // the limit serde_json keeps for a `Value` is checked here for the whole payload.
    if nesting_reaches(bytes, MAX_NESTING) {
        return Err(<serde_json::Error as serde::de::Error>::custom(
            "recursion limit exceeded: JSON nested 128 levels or more",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(de::Checked {
        de: &mut deserializer,
        plan,
        node: plan.root,
    })?;
    deserializer.end()?;
    Ok(value)
}

/// Serializes `value` as JSON into `writer`, checking `plan` on the way. On error, what was
/// written is garbage.
pub fn encode_into<T: Serialize + ?Sized, W: std::io::Write>(
    plan: &Plan,
    value: &T,
    writer: W,
) -> Result<(), serde_json::Error> {
    encode_at(plan, plan.root, value, writer)
}

/// [`encode_into`] against one node of the plan.
fn encode_at<T: Serialize + ?Sized, W: std::io::Write>(
    plan: &Plan,
    node: plan::NodeId,
    value: &T,
    writer: W,
) -> Result<(), serde_json::Error> {
    let mut serializer = serde_json::Serializer::new(writer);
    ser::CheckedValue { value, plan, node }.serialize(&mut serializer)
}

/// Serializes `value` as JSON, checking `plan` on the way.
pub fn encode<T: Serialize + ?Sized>(plan: &Plan, value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(512);
    encode_into(plan, value, &mut out)?;
    Ok(out)
}

/// Whether `value` satisfies `plan`, by encoding it into nothing.
pub fn is_valid<T: Serialize + ?Sized>(plan: &Plan, value: &T) -> bool {
    encode_into(plan, value, std::io::sink()).is_ok()
}

/// serde_json's recursion limit: a document nested this deep does not parse into a `Value`.
const MAX_NESTING: usize = 128;

/// Whether arrays and objects in `bytes` nest `limit` levels deep. A count of opening
/// brackets (vectorized, about a tenth of a cycle per byte) settles most payloads; only one
/// with that many is scanned for its depth.
fn nesting_reaches(bytes: &[u8], limit: usize) -> bool {
    // `[` and `{` differ only in bit 5: one comparison per byte, summed in bytes (16 or 32
    // to an instruction) over chunks too short to overflow.
    let opening: usize = bytes
        .chunks(255)
        .map(|chunk| {
            let n: u8 = chunk.iter().map(|&b| u8::from(b | 0x20 == b'{')).sum();
            usize::from(n)
        })
        .sum();
    if opening < limit {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth >= limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

//! Checks on one value that need nothing but the value: type, `enum`/`const`, bounds, length,
//! pattern, format and the delegated scalar keywords. Shared by decoding and encoding.

use std::cmp::Ordering;

use serde_json::Value;

use super::number::Num;
use super::plan::{ty, Checks, Scalar};

/// Why a value failed a native check. Only the error path builds the message.
pub(crate) type Failure = &'static str;

#[inline]
pub(crate) fn check_type(checks: &Checks, bit: u8) -> Result<(), Failure> {
    if checks.types & bit == 0 {
        return Err("the value has a type the schema does not allow");
    }
    Ok(())
}

#[inline]
fn check_allowed(checks: &Checks, matches: impl Fn(&Scalar) -> bool) -> Result<(), Failure> {
    if checks.allowed.iter().all(|list| list.iter().any(&matches)) {
        Ok(())
    } else {
        Err("the value is not one the schema allows (enum or const)")
    }
}

#[inline]
fn residual(checks: &Checks, value: impl FnOnce() -> Value) -> Result<(), Failure> {
    match &checks.residual {
        Some(validator) if !validator.is_valid(&value()) => {
            Err("the value breaks a keyword checked by jsonschema")
        }
        _ => Ok(()),
    }
}

#[inline]
pub(crate) fn check_null(checks: &Checks) -> Result<(), Failure> {
    check_type(checks, ty::NULL)?;
    check_allowed(checks, |s| matches!(s, Scalar::Null))?;
    residual(checks, || Value::Null)
}

#[inline]
pub(crate) fn check_bool(checks: &Checks, b: bool) -> Result<(), Failure> {
    check_type(checks, ty::BOOLEAN)?;
    check_allowed(checks, |s| *s == Scalar::Bool(b))?;
    residual(checks, || Value::Bool(b))
}

#[inline]
pub(crate) fn check_number(checks: &Checks, n: Num) -> Result<(), Failure> {
    let integer = n.is_integer();
    check_type(checks, if integer { ty::INTEGER } else { ty::NUMBER })?;
    if !checks.allowed.is_empty() {
        check_allowed(checks, |s| match s {
            Scalar::Number(m) => n.compare(*m) == Some(Ordering::Equal),
            _ => false,
        })?;
    }
    let below = |limit: Option<Num>, strict: bool| {
        limit.is_some_and(|limit| match n.compare(limit) {
            Some(Ordering::Less) => true,
            Some(Ordering::Equal) => strict,
            _ => false,
        })
    };
    let above = |limit: Option<Num>, strict: bool| {
        limit.is_some_and(|limit| match n.compare(limit) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Equal) => strict,
            _ => false,
        })
    };
    if below(checks.minimum, false) || below(checks.exclusive_minimum, true) {
        return Err("the number is below the minimum");
    }
    if above(checks.maximum, false) || above(checks.exclusive_maximum, true) {
        return Err("the number is above the maximum");
    }
    residual(checks, || match n {
        Num::I(i) => Value::from(i),
        Num::U(u) => Value::from(u),
        Num::F(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
    })
}

pub(crate) fn check_str(checks: &Checks, s: &str) -> Result<(), Failure> {
    check_type(checks, ty::STRING)?;
    if !checks.allowed.is_empty() {
        check_allowed(checks, |allowed| match allowed {
            Scalar::String(a) => a.as_ref() == s,
            _ => false,
        })?;
    }
    // A string of n bytes has between n/4 and n characters: count only when that decides.
    let bytes = s.len() as u64;
    if checks.min_length.is_some_and(|min| min > bytes / 4)
        || checks.max_length.is_some_and(|max| max < bytes)
    {
        let length = s.chars().count() as u64;
        if checks.min_length.is_some_and(|min| length < min) {
            return Err("the string is too short");
        }
        if checks.max_length.is_some_and(|max| length > max) {
            return Err("the string is too long");
        }
    }
    if let Some(pattern) = &checks.pattern {
        if !pattern.is_match(s.as_bytes()) {
            return Err("the string does not match the pattern");
        }
    }
    if let Some(format) = checks.format {
        if !format.accepts(s) {
            return Err("the string is not in the format the schema names");
        }
    }
    residual(checks, || Value::String(s.to_owned()))
}

/// Objects and arrays: the type, and no scalar `enum`/`const` can match them.
#[inline]
pub(crate) fn check_container(checks: &Checks, bit: u8) -> Result<(), Failure> {
    check_type(checks, bit)?;
    if !checks.allowed.is_empty() {
        return Err("the value is not one the schema allows (enum or const)");
    }
    Ok(())
}

pub(crate) const NON_FINITE: Failure = "NaN and infinities are not JSON numbers";
pub(crate) const NEVER: Failure = "the schema allows no value here";
pub(crate) const APPLICATOR: Failure =
    "the value breaks an applicator (allOf, anyOf, oneOf, not, if/then/else or $ref)";

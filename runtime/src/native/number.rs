//! JSON numbers as serde hands them over, compared by value: `1` equals `1.0`, and a `u64`
//! above `i64::MAX` still compares exactly with an integer bound.

use std::cmp::Ordering;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
}

impl Num {
    pub(crate) fn of(value: &Value) -> Option<Num> {
        Num::of_number(value.as_number()?)
    }

    pub(crate) fn of_number(number: &serde_json::Number) -> Option<Num> {
        if let Some(i) = number.as_i64() {
            Some(Num::I(i))
        } else if let Some(u) = number.as_u64() {
            Some(Num::U(u))
        } else {
            number.as_f64().map(Num::F)
        }
    }

    /// Whether the value is an integer in JSON Schema's sense (`1.0` is one).
    #[inline]
    pub(crate) fn is_integer(self) -> bool {
        match self {
            Num::I(_) | Num::U(_) => true,
            Num::F(f) => f.is_finite() && f.fract() == 0.0,
        }
    }

    #[inline]
    fn exact(self) -> Option<i128> {
        match self {
            Num::I(i) => Some(i128::from(i)),
            Num::U(u) => Some(i128::from(u)),
            Num::F(_) => None,
        }
    }

    #[inline]
    fn float(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::U(u) => u as f64,
            Num::F(f) => f,
        }
    }

    #[inline]
    pub(crate) fn compare(self, other: Num) -> Option<Ordering> {
        match (self.exact(), other.exact()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            (Some(a), None) => compare_int_float(a, other.float()),
            (None, Some(b)) => compare_int_float(b, self.float()).map(Ordering::reverse),
            (None, None) => self.float().partial_cmp(&other.float()),
        }
    }
}

/// Compares an integer with a float without rounding the integer.
fn compare_int_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    if float >= 1.8e38 {
        return Some(Ordering::Less);
    }
    if float <= -1.8e38 {
        return Some(Ordering::Greater);
    }
    let floor = float.floor();
    let whole = floor as i128;
    match int.cmp(&whole) {
        Ordering::Equal if float > floor => Some(Ordering::Less),
        ordering => Some(ordering),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_across_representations() {
        assert_eq!(Num::I(1).compare(Num::F(1.0)), Some(Ordering::Equal));
        assert_eq!(Num::I(1).compare(Num::F(1.5)), Some(Ordering::Less));
        assert_eq!(Num::I(2).compare(Num::F(1.5)), Some(Ordering::Greater));
        assert_eq!(Num::F(-0.5).compare(Num::I(0)), Some(Ordering::Less));
        assert_eq!(
            Num::U(u64::MAX).compare(Num::I(i64::MAX)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Num::U(9_007_199_254_740_993).compare(Num::F(9_007_199_254_740_992.0)),
            Some(Ordering::Greater)
        );
        assert!(Num::F(3.0).is_integer());
        assert!(!Num::F(3.5).is_integer());
    }
}

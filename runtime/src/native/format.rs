//! Formats checked natively. Each follows the same reading of its RFC as jsonschema (the
//! property tests compare the two); formats not listed here are delegated to jsonschema.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::draft::Draft;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Date,
    Time,
    DateTime,
    Uuid,
    Ipv4,
    Ipv6,
}

impl Format {
    /// The native check of `name` under `draft`; `None` for formats delegated (or that the
    /// draft does not define, like `uuid` before 2019-09).
    pub(crate) fn native(name: &str, draft: Draft) -> Option<Format> {
        Some(match name {
            "uuid" if draft == Draft::Draft7 => return None,
            "date" => Format::Date,
            "time" => Format::Time,
            "date-time" => Format::DateTime,
            "uuid" => Format::Uuid,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            _ => return None,
        })
    }

    pub(crate) fn accepts(self, s: &str) -> bool {
        match self {
            Format::Date => date(s.as_bytes()),
            Format::Time => time(s.as_bytes()),
            Format::DateTime => match s.bytes().position(|b| b == b'T' || b == b't') {
                Some(t) => date(&s.as_bytes()[..t]) && time(&s.as_bytes()[t + 1..]),
                None => false,
            },
            Format::Uuid => uuid(s.as_bytes()),
            Format::Ipv4 => s.parse::<Ipv4Addr>().is_ok(),
            Format::Ipv6 => s.parse::<Ipv6Addr>().is_ok(),
        }
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD` with the day existing in that month.
fn date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(&b[..4]), digits(&b[5..7]), digits(&b[8..]))
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let last = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=last).contains(&day)
}

/// `HH:MM:SS[.fraction](Z|±HH:MM)`; a leap second only at 23:59:60 UTC.
fn time(b: &[u8]) -> bool {
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) =
        (digits(&b[..2]), digits(&b[3..5]), digits(&b[6..8]))
    else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut i = 8;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    let Some(&sign) = b.get(i) else {
        return false;
    };
    let (utc_hour, utc_minute) = match sign {
        b'Z' | b'z' if i + 1 == b.len() => (hour as i32, minute as i32),
        b'+' | b'-' => {
            let offset = &b[i + 1..];
            if offset.len() != 5 || offset[2] != b':' {
                return false;
            }
            let (Some(oh), Some(om)) = (digits(&offset[..2]), digits(&offset[3..])) else {
                return false;
            };
            if oh > 23 || om > 59 {
                return false;
            }
            let shift = (oh * 60 + om) as i32 * if sign == b'+' { -1 } else { 1 };
            let total = (hour * 60 + minute) as i32 + shift;
            let total = total.rem_euclid(24 * 60);
            (total / 60, total % 60)
        }
        _ => return false,
    };
    second != 60 || (utc_hour == 23 && utc_minute == 59)
}

/// The hyphenated form `8-4-4-4-12` of hex digits.
fn uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert!(!Format::DateTime.accepts("2026-02-28T22:59:60Z"));
        assert!(Format::DateTime.accepts("1998-12-31T23:59:60Z"));
        assert!(Format::DateTime.accepts("1998-12-31T15:59:60.123-08:00"));
        assert!(!Format::DateTime.accepts("1998-12-31 23:59:59Z"));
        assert!(Format::Date.accepts("2024-02-29"));
        assert!(!Format::Date.accepts("2023-02-29"));
        assert!(!Format::Time.accepts("12:00:00"));
        assert!(Format::Uuid.accepts("2EB8AA08-AA98-11EA-B4AA-73B441D16380"));
        assert!(!Format::Uuid.accepts("2eb8aa08aa9811eab4aa73b441d16380"));
    }
}

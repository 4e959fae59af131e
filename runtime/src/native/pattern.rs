//! `pattern` matching. Most patterns in event schemas are an anchored run of character classes
//! (`^[A-Z0-9]{3,12}$`, `^ST[0-9]{4}$`): those are matched by one greedy pass over the bytes,
//! exact because each run's class shares no byte with the runs that could take over after it.
//! Everything else goes to the `regex` crate.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A compiled `pattern`.
#[derive(Debug)]
pub(crate) enum Pattern {
    Runs(Box<[Run]>),
    Regex(regex::bytes::Regex),
}

/// One class repeated `min..=max` times.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    /// Bit `b` is set when ASCII byte `b` belongs to the class.
    set: u128,
    min: u32,
    max: u32,
}

impl Pattern {
    /// Compiles `pattern`, already known to mean the same in ECMA-262 and the `regex` crate.
    pub(crate) fn new(pattern: &str) -> Option<Pattern> {
        let regex = regex::bytes::RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .ok()?;
        Some(match runs(pattern) {
            Some(runs) => Pattern::Runs(runs),
            None => Pattern::Regex(regex),
        })
    }

    #[inline]
    pub(crate) fn is_match(&self, bytes: &[u8]) -> bool {
        match self {
            Pattern::Runs(runs) => match_runs(runs, bytes),
            Pattern::Regex(regex) => regex.is_match(bytes),
        }
    }
}

fn match_runs(runs: &[Run], bytes: &[u8]) -> bool {
    let mut at: usize = 0;
    for run in runs {
        let start = at;
        let limit = bytes.len().min(start.saturating_add(run.max as usize));
        while at < limit && bytes[at] < 128 && run.set & (1u128 << bytes[at]) != 0 {
            at += 1;
        }
        if at - start < run.min as usize {
            return false;
        }
    }
    at == bytes.len()
}

/// The runs of `^run…run$`, if the pattern is exactly that and greedy matching is exact.
fn runs(pattern: &str) -> Option<Box<[Run]>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let (first, rest) = parts.split_first()?;
    let (last, middle) = rest.split_last()?;
    if *first.kind() != HirKind::Look(Look::Start) || *last.kind() != HirKind::Look(Look::End) {
        return None;
    }
    let mut runs = Vec::new();
    for part in middle {
        match part.kind() {
            HirKind::Literal(literal) => {
                for byte in literal.0.iter() {
                    runs.push(Run {
                        set: byte_set(*byte)?,
                        min: 1,
                        max: 1,
                    });
                }
            }
            HirKind::Class(_) => runs.push(Run {
                set: class_set(part)?,
                min: 1,
                max: 1,
            }),
            HirKind::Repetition(repetition) if repetition.greedy => runs.push(Run {
                set: class_set(&repetition.sub)?,
                min: repetition.min,
                max: repetition.max.unwrap_or(u32::MAX),
            }),
            _ => return None,
        }
    }
    // Greedy is exact when no byte a run takes could instead start a run that may follow it
    // directly (the next one, and past it while the skipped runs may be empty).
    for (i, run) in runs.iter().enumerate() {
        for next in &runs[i + 1..] {
            if run.set & next.set != 0 {
                return None;
            }
            if next.min > 0 {
                break;
            }
        }
    }
    Some(runs.into_boxed_slice())
}

fn byte_set(byte: u8) -> Option<u128> {
    (byte < 128).then(|| 1u128 << byte)
}

/// The ASCII set of a class, or a one-byte literal.
fn class_set(hir: &Hir) -> Option<u128> {
    match hir.kind() {
        HirKind::Literal(literal) if literal.0.len() == 1 => byte_set(literal.0[0]),
        HirKind::Class(Class::Bytes(class)) => {
            let mut set = 0u128;
            for range in class.iter() {
                if range.end() >= 128 {
                    return None;
                }
                for byte in range.start()..=range.end() {
                    set |= 1u128 << byte;
                }
            }
            Some(set)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    /// Every string over a small alphabet up to `len` characters.
    fn strings(alphabet: &[u8], len: usize) -> Vec<Vec<u8>> {
        let mut all = vec![Vec::new()];
        let mut frontier = vec![Vec::new()];
        for _ in 0..len {
            let mut next = Vec::new();
            for s in &frontier {
                for c in alphabet {
                    let mut t: Vec<u8> = s.clone();
                    t.push(*c);
                    next.push(t);
                }
            }
            all.extend(next.iter().cloned());
            frontier = next;
        }
        all
    }

    #[test]
    fn runs_match_exactly_what_the_regex_matches() {
        let fast = [
            "^[A-Z0-9]{3,12}$",
            "^ST[0-9]{4}$",
            "^[a-c]{1,2}-?[0-9]+$",
            "^a*b?c{2}$",
            "^[A-Z]{2}$",
            "^x$",
        ];
        let slow = [
            "^[a-c]{1,3}[a-c]$", // overlapping runs need backtracking
            "^a?b?a$",           // a can go to the first run or the last
            "[a-c]{2}",          // unanchored
            "^(ab)+$",           // a repeated group
            "^a|b$",             // alternation
        ];
        let alphabet = b"abcxST0-9AZ";
        let inputs = strings(alphabet, 5);
        for pattern in fast.iter().chain(&slow) {
            let compiled = Pattern::new(pattern).expect("compiles");
            let is_runs = matches!(compiled, Pattern::Runs(_));
            assert_eq!(is_runs, fast.contains(pattern), "{pattern}: which matcher");
            let regex = regex::bytes::Regex::new(pattern).expect("regex");
            for input in &inputs {
                assert_eq!(
                    compiled.is_match(input),
                    regex.is_match(input),
                    "{pattern} on {:?}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }
}

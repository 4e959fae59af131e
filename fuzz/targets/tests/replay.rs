//! The short fuzz run of CI: every target over its committed seed corpus (`fuzz/corpus/`),
//! then over seeded mutations of it (bytes flipped, inserted, removed, parts spliced from
//! another seed). Reproducible: the same seed makes the same inputs. A long run uses
//! libFuzzer through `cargo fuzz` (see the README).

use std::path::PathBuf;

use rand::prelude::*;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.random_range(1..4) {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..out.len())
        };
        match rng.random_range(0..6) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.random_range(0..8),
            1 => out.insert(at, *b"{}[]\",:0-.e\\ntu\x00".choose(rng).unwrap()),
            2 if !out.is_empty() => {
                let end = (at + rng.random_range(1..16)).min(out.len());
                out.drain(at..end);
            }
            3 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let end = (from + rng.random_range(1..64)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            4 if !out.is_empty() => {
                let end = (at + rng.random_range(1..32)).min(out.len());
                let chunk = out[at..end].to_vec();
                out.splice(at..at, chunk);
            }
            _ => out.push(rng.random()),
        }
    }
    out
}

fn replay(target: &str, mutations: usize) {
    let seeds = corpus(target);
    assert!(!seeds.is_empty(), "no seed corpus for {target}");
    for seed in &seeds {
        contracts_fuzz::run(target, seed);
    }
    let mut rng = StdRng::seed_from_u64(10);
    for _ in 0..mutations {
        let input = seeds.choose(&mut rng).unwrap();
        let other = seeds.choose(&mut rng).unwrap();
        let data = mutate(&mut rng, input, other);
        contracts_fuzz::run(target, &data);
    }
}

#[test]
fn loader() {
    replay("loader", 300);
}

#[test]
fn checker() {
    replay("checker", 150);
}

#[test]
fn decode() {
    replay("decode", 3000);
}

#[test]
fn producer() {
    replay("producer", 3000);
}

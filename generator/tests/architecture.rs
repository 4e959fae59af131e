//! The architecture as the tree shows it, kept by a test: no import circles between the files
//! of any library crate, and the generator's subsystems depend only downwards (the registry on
//! nothing but the rule catalogue, the code emitter and the compatibility engine on the
//! registry, never on each other).
//!
//! A file's imports are the `crate::…` and `super::…` paths in its text (its `#[cfg(test)]`
//! module left out), each resolved to the file that defines the longest module prefix.
//! Facades (`lib.rs`, `mod.rs`) only declare and re-export, so they are not nodes: a file
//! must name the file that defines what it uses, not a re-export.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A library crate's `src/`, one entry per file: module path → the files it imports.
struct Crate {
    /// Module path (`compat::diff`) → file.
    files: BTreeMap<String, PathBuf>,
    /// Module paths that are facades (`""` for `lib.rs`, `compat` for `compat/mod.rs`).
    facades: BTreeSet<String>,
    /// Module path → the module paths of the files it imports.
    imports: BTreeMap<String, BTreeSet<String>>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn module_of(src: &Path, file: &Path) -> (String, bool) {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let facade = matches!(parts.last().map(String::as_str), Some("lib" | "mod"));
    if facade {
        parts.pop();
    }
    (parts.join("::"), facade)
}

/// The text that counts: without the test module at the end of a file.
fn architecture_text(text: &str) -> &str {
    let mut end = text.len();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim() == "#[cfg(test)]" {
            let rest = &text[offset + line.len()..];
            if rest.trim_start().starts_with("mod ") {
                end = offset;
                break;
            }
        }
        offset += line.len();
    }
    &text[..end]
}

/// `text` with the insides of string literals blanked: paths in generated code are not imports.
fn without_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        out.push(c);
        let after_identifier = previous.is_ascii_alphanumeric() || previous == '_';
        previous = c;
        match c {
            // A raw string: `r"…"`, `r#"…"#`.
            'r' if !after_identifier && matches!(chars.peek(), Some('#' | '"')) => {
                let mut hashes = 0;
                while chars.peek() == Some(&'#') {
                    chars.next();
                    hashes += 1;
                }
                if chars.next() != Some('"') {
                    continue; // `r#ident`
                }
                let closing: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut inside = String::new();
                for c in chars.by_ref() {
                    inside.push(c);
                    if inside.ends_with(&closing) {
                        break;
                    }
                }
                out.push_str(&closing);
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            out.push('"');
                            break;
                        }
                        _ => {}
                    }
                }
            }
            // A character literal (`'"'`, `'\\''`), not a lifetime.
            '\'' => {
                let mut ahead = chars.clone();
                let literal = match ahead.next() {
                    Some('\\') => true,
                    Some(_) => ahead.next() == Some('\''),
                    None => false,
                };
                if literal {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            out.push(c);
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every `crate::a::b` and `super::a::b` path in `text`, as absolute segment lists.
fn paths(text: &str, module: &str) -> Vec<Vec<String>> {
    let here: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    // `super` of `a/b.rs` (module a::b) is `a`; of `a/mod.rs` (module a), the crate root.
    let parent = &here[..here.len().saturating_sub(1)];
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(start) {
            let begin = from + at;
            from = begin + start.len();
            if begin > 0 && (bytes[begin - 1].is_ascii_alphanumeric() || bytes[begin - 1] == b'_') {
                continue;
            }
            let mut segments: Vec<String> = if start == "crate::" {
                Vec::new()
            } else {
                parent.iter().map(|s| (*s).to_owned()).collect()
            };
            let tail = &text[from..];
            let mut rest = tail;
            loop {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.is_empty() {
                    break;
                }
                if name == "super" {
                    segments.pop();
                } else {
                    segments.push(name.clone());
                }
                rest = &rest[name.len()..];
                match rest.strip_prefix("::") {
                    Some(next) => rest = next,
                    None => break,
                }
            }
            // `super::types::#name` and `super::*` inside `quote!`: paths of the generated code
            // (a file's own glob imports are in its test module, left out).
            if !rest.starts_with(['#', '*']) {
                found.push(segments);
            }
        }
    }
    found
}

fn read_crate(src: &Path) -> Crate {
    let mut files = BTreeMap::new();
    let mut facades = BTreeSet::new();
    let mut texts = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "main.rs")
                && !path.starts_with(src.join("bin"))
            {
                let (module, facade) = module_of(src, &path);
                if facade {
                    facades.insert(module.clone());
                }
                files.insert(module.clone(), path.clone());
                texts.push((module, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &texts {
        let targets = imports.entry(module.clone()).or_default();
        for segments in paths(&without_strings(architecture_text(text)), module) {
            // The longest prefix that is a file of this crate.
            let target = (0..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|prefix| files.contains_key(prefix));
            if let Some(target) = target {
                if &target != module {
                    targets.insert(target);
                }
            }
        }
    }
    Crate {
        files,
        facades,
        imports,
    }
}

/// A circle of imports between files that are not facades, if there is one.
fn circle(krate: &Crate) -> Option<Vec<String>> {
    fn visit(
        krate: &Crate,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in &krate.imports[node] {
            if krate.facades.contains(next) {
                continue;
            }
            if let Some(found) = visit(krate, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in krate.files.keys() {
        if krate.facades.contains(module) {
            continue;
        }
        if let Some(found) = visit(krate, module, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

#[test]
fn no_file_of_a_library_crate_imports_itself_through_a_circle() {
    for name in ["generator", "runtime", "stream", "http", "forwarder"] {
        let krate = read_crate(&workspace().join(name).join("src"));
        assert!(
            krate.files.len() > 3,
            "{name}: read {:?}",
            krate.files.keys()
        );
        if let Some(found) = circle(&krate) {
            panic!("{name}: import circle {}", found.join(" → "));
        }
    }
}

#[test]
fn generator_files_name_the_file_that_defines_what_they_use() {
    let krate = read_crate(&workspace().join("generator/src"));
    for (module, targets) in &krate.imports {
        if krate.facades.contains(module) {
            continue;
        }
        let through: Vec<&String> = targets
            .iter()
            .filter(|t| krate.facades.contains(*t))
            .collect();
        assert!(
            through.is_empty(),
            "{module} imports through the facade {through:?}: name the defining file"
        );
    }
}

#[test]
fn generator_subsystems_depend_only_downwards() {
    let krate = read_crate(&workspace().join("generator/src"));
    let subsystem = |module: &str| module.split("::").next().unwrap_or_default().to_owned();
    // What each subsystem may import besides itself (and the crate's error type).
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("registry", &["rules"][..]),
        ("codegen", &["registry", "error"][..]),
        ("compat", &["registry", "rules"][..]),
        ("typescript", &["registry", "codegen", "error"][..]),
    ]);
    for (module, targets) in &krate.imports {
        let Some(may) = allowed.get(subsystem(module).as_str()) else {
            continue;
        };
        for target in targets {
            let other = subsystem(target);
            assert!(
                other == subsystem(module) || may.contains(&other.as_str()),
                "{module} imports {target}: {} may use only {may:?}",
                subsystem(module)
            );
        }
    }
    // Facts do not depend on policy.
    assert!(
        !krate.imports["compat::diff"].contains("rules"),
        "compat::diff imports the rule catalogue"
    );
    for name in ["registry", "codegen", "compat", "typescript"] {
        assert!(
            krate.facades.contains(name),
            "generator/src/{name}/mod.rs is missing"
        );
    }
}

/// The reader itself: a circle and a facade import are seen where they are.
#[test]
fn the_import_reader_sees_paths_circles_and_facades() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\npub use a::b::B;\n").unwrap();
    std::fs::write(
        src.join("a/mod.rs"),
        "pub(crate) mod b;\npub(crate) mod c;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("a/b.rs"),
        "use super::c::C;\npub struct B;\n#[cfg(test)]\nmod tests {\n    use crate::a::d::D;\n}\n",
    )
    .unwrap();
    std::fs::write(src.join("a/c.rs"), "pub struct C(crate::a::b::B);\n").unwrap();
    std::fs::write(src.join("a/d.rs"), "pub struct D(crate::a::B);\n").unwrap();
    let krate = read_crate(src);
    assert_eq!(
        krate.imports["a::b"],
        BTreeSet::from(["a::c".to_owned()]),
        "the test module is left out"
    );
    assert_eq!(krate.imports["a::d"], BTreeSet::from(["a".to_owned()]));
    let found = circle(&krate).expect("a::b → a::c → a::b");
    assert_eq!(found.first(), found.last());
    assert!(found.contains(&"a::b".to_owned()) && found.contains(&"a::c".to_owned()));
    std::fs::write(src.join("a/c.rs"), "pub struct C;\n").unwrap();
    assert_eq!(circle(&read_crate(src)), None);
}

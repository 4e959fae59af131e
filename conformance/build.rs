//! Generates one Rust type per schema of the JSON Schema Test Suite, with the generator the
//! registry uses, plus a table naming each group's type.

use std::fmt::Write;
use std::path::Path;

#[path = "src/walk.rs"]
#[allow(dead_code)] // the remotes are for the tests
mod walk;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let suite = walk::suite(Path::new(&manifest));
    println!("cargo::rerun-if-changed={}", suite.display());
    println!("cargo::rerun-if-changed=src/walk.rs");
    let mut modules = String::new();
    let mut table = String::from("pub static GROUPS: &[Group] = &[\n");
    let mut count = 0;
    for draft in walk::DRAFTS {
        // A missing suite leaves the table empty; the test then fails and says why.
        let Ok(files) = walk::files(&suite, draft) else {
            continue;
        };
        for file in files {
            let groups = walk::groups(&suite, &file).unwrap_or_else(|e| panic!("{e}"));
            for (index, group) in groups.iter().enumerate() {
                let schema = walk::with_draft(group["schema"].clone(), draft);
                let module = format!("g{count}");
                count += 1;
                let check = match contracts_generator::generate_standalone(&schema, "Root") {
                    Ok(types) => {
                        let _ = writeln!(
                            modules,
                            "#[allow(warnings, clippy::all, clippy::pedantic)]\npub mod {module} {{\n{}\n}}",
                            types.code
                        );
                        let fallbacks = types.fallbacks.join(", ");
                        format!(
                            "Ok((|plan, data, valid| outcome(plan, data, valid, {module}::NATIVE_POINTERS, {module}::native_check), {fallbacks:?}))"
                        )
                    }
                    Err(reason) => format!("Err({reason:?})"),
                };
                let _ = writeln!(
                    table,
                    "    Group {{ draft: {draft:?}, file: {file:?}, index: {index}, check: {check} }},"
                );
            }
        }
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("suite.rs");
    std::fs::write(out, format!("{modules}\n{table}")).expect("write the generated suite");
}

//! Which keywords of each event the generated code enforces how: carried by the Rust type,
//! checked natively while decoding and encoding, or delegated to jsonschema.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use contracts_runtime::native::{Plan, PlanError};

use crate::codegen::typify_input::validator_only_keywords;
use crate::registry::model::EventSchema;

/// How one event's schema is enforced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventEnforcement {
    /// Keywords the Rust type also carries (the native check still runs for the pointer).
    pub by_type: BTreeSet<String>,
    /// Keywords checked natively.
    pub native: BTreeSet<String>,
    /// Keywords delegated to jsonschema, each with the schema pointers where they are.
    pub delegated: BTreeMap<String, Vec<String>>,
    /// Why there is no native path at all, when there is none.
    pub refused: Option<String>,
    /// The generated producer check, when the generator emitted one.
    pub generated_check: Option<GeneratedCheck>,
}

/// What the generated producer check of an event leaves to others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedCheck {
    /// Subschemas the Rust type guarantees, so not checked again: pointer and type.
    pub by_type: Vec<String>,
    /// Subschemas whose value is handed to the runtime's checking serializer (shapes the
    /// emitter does not model: maps, untagged enums, applicators it cannot decide by type).
    pub through_plan: Vec<String>,
}

/// Keywords typify turns into type structure.
const TYPE_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "items",
    "prefixItems",
    "enum",
    "const",
    "additionalProperties",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "oneOf",
    "anyOf",
];

/// The enforcement of `event`'s reader and writer schemas together.
pub fn enforcement(event: &EventSchema) -> EventEnforcement {
    enforcement_with_writer(event, Plan::compile(&event.schema.value()))
}

/// [`enforcement`] with the writer schema's plan already compiled.
pub(crate) fn enforcement_with_writer(
    event: &EventSchema,
    writer: Result<Plan, PlanError>,
) -> EventEnforcement {
    let mut out = EventEnforcement::default();
    let mut untyped = BTreeSet::new();
    validator_only_keywords(&event.schema.value(), &mut untyped);
    for plan in [writer, Plan::compile(&event.reader_schema())] {
        match plan {
            Ok(plan) => {
                let table = plan.enforcement();
                out.native.extend(table.native.keys().cloned());
                for (keyword, pointers) in &table.delegated {
                    let entry = out.delegated.entry(keyword.clone()).or_default();
                    for pointer in pointers {
                        if !entry.contains(pointer) {
                            entry.push(pointer.clone());
                        }
                    }
                }
            }
            Err(e) => out.refused = Some(e.to_string()),
        }
    }
    out.by_type = out
        .native
        .iter()
        .chain(out.delegated.keys())
        .filter(|k| TYPE_KEYWORDS.contains(&k.as_str()) && !untyped.contains(*k))
        .cloned()
        .collect();
    out
}

/// The report `contracts generate --report` prints and build.rs writes next to the code.
pub fn render_enforcement(events: &[(String, EventEnforcement)]) -> String {
    let mut out = String::new();
    let list = |set: &mut dyn Iterator<Item = &String>| {
        let items: Vec<&str> = set.map(String::as_str).collect();
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    for (name, e) in events {
        let _ = writeln!(out, "{name}");
        if let Some(why) = &e.refused {
            let _ = writeln!(
                out,
                "  no native path ({why}): the full validator checks every payload"
            );
        }
        let _ = writeln!(
            out,
            "  type (also checked natively): {}",
            list(&mut e.by_type.iter())
        );
        let _ = writeln!(out, "  native check: {}", list(&mut e.native.iter()));
        match &e.generated_check {
            Some(check) => {
                let _ = writeln!(
                    out,
                    "  producer check generated; guaranteed by the Rust type: {}; handed to the \
                     checking serializer: {}",
                    list(&mut check.by_type.iter()),
                    list(&mut check.through_plan.iter())
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  producer check: the checking serializer (none generated)"
                );
            }
        }
        if e.delegated.is_empty() {
            let _ = writeln!(out, "  delegated to jsonschema: none");
        } else {
            let _ = writeln!(
                out,
                "  delegated to jsonschema (a scalar keyword on its value, or the whole subtree under a combinator):"
            );
            for (keyword, pointers) in &e.delegated {
                let _ = writeln!(out, "    {keyword} at {}", pointers.join(", "));
            }
        }
    }
    out
}

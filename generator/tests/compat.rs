//! The compatibility engine, rule by rule and in both directions, with the event semantics
//! (open readers) and strict set inclusion. Every breaking finding's witness is checked again
//! here with an independent validator.

use contracts_generator::{check_pair, Compatibility, Direction, Level, Options};
use serde_json::{json, Value};

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

/// What a tolerant consumer accepts (the library's rule, itself checked on the JSON Schema
/// Test Suite by `tests/reader_schema.rs`).
fn open(schema: &Value) -> Value {
    contracts_generator::reader_schema(schema)
}

/// Breaking findings as `direction RULE`, after checking each witness independently.
fn breaking(old: &Value, new: &Value, mode: Compatibility, strict: bool) -> Vec<String> {
    let findings = check_pair(
        old,
        new,
        mode,
        Options {
            strict,
            ..Options::default()
        },
    )
    .unwrap();
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| f.level == Level::Breaking) {
        let witness = f.witness.as_ref().unwrap();
        let (writer, reader) = match f.direction {
            Direction::Backward => (old, new),
            Direction::Forward => (new, old),
        };
        let reader = if strict { reader.clone() } else { open(reader) };
        assert!(
            validator(writer).is_valid(witness),
            "{}: witness {witness} invalid for the writer",
            f.rule
        );
        assert!(
            !validator(&reader).is_valid(witness),
            "{}: witness {witness} valid for the reader",
            f.rule
        );
        out.push(format!("{} {}", f.direction, f.rule));
    }
    out.sort();
    out.dedup();
    out
}

fn undecided(old: &Value, new: &Value, mode: Compatibility) -> Vec<&'static str> {
    check_pair(old, new, mode, Options::default())
        .unwrap()
        .into_iter()
        .filter(|f| f.level == Level::Undecided)
        .map(|f| f.rule)
        .collect()
}

fn object(properties: Value, required: &[&str], closed: bool) -> Value {
    let mut schema = json!({ "type": "object", "properties": properties, "required": required });
    if closed {
        schema["additionalProperties"] = json!(false);
    }
    schema
}

#[test]
fn adding_an_optional_field_is_not_a_break_for_tolerant_readers() {
    let old = object(json!({ "id": { "type": "string" } }), &["id"], true);
    let new = object(
        json!({ "id": { "type": "string" }, "note": { "type": "string" } }),
        &["id"],
        true,
    );
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, false),
        Vec::<String>::new()
    );
    // Pure set inclusion (Confluent, Apicurio) says an old closed reader rejects the new key.
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, true),
        ["forward PROPERTY_ADDED"]
    );
}

#[test]
fn an_open_old_object_may_already_carry_a_newly_typed_key() {
    let old = object(json!({ "id": { "type": "string" } }), &["id"], false);
    let new = object(
        json!({ "id": { "type": "string" }, "count": { "type": "integer" } }),
        &["id"],
        false,
    );
    assert_eq!(
        breaking(&old, &new, Compatibility::Backward, false),
        ["backward PROPERTY_ADDED"]
    );
    let findings = check_pair(&old, &new, Compatibility::Backward, Options::default()).unwrap();
    let witness = findings[0].witness.as_ref().unwrap();
    assert!(!witness["count"].is_i64(), "{witness}");
    // A closed old object cannot carry it: no break.
    let closed = object(json!({ "id": { "type": "string" } }), &["id"], true);
    assert_eq!(
        breaking(&closed, &new, Compatibility::Backward, false),
        Vec::<String>::new()
    );
}

#[test]
fn required_added_and_removed() {
    let old = object(
        json!({ "a": { "type": "string" }, "b": { "type": "string" } }),
        &["a"],
        true,
    );
    let new = object(
        json!({ "a": { "type": "string" }, "b": { "type": "string" } }),
        &["a", "b"],
        true,
    );
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, false),
        ["backward REQUIRED_ADDED"]
    );
    assert_eq!(
        breaking(&new, &old, Compatibility::Full, false),
        ["forward REQUIRED_REMOVED"]
    );
}

#[test]
fn property_removed_breaks_only_closed_strict_readers() {
    let old = object(
        json!({ "a": { "type": "string" }, "b": { "type": "string" } }),
        &["a"],
        true,
    );
    let new = object(json!({ "a": { "type": "string" } }), &["a"], true);
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, false),
        Vec::<String>::new()
    );
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, true),
        ["backward PROPERTY_REMOVED"]
    );
}

#[test]
fn types_narrow_and_widen() {
    let number = json!({ "type": "number" });
    let integer = json!({ "type": "integer" });
    assert_eq!(
        breaking(&number, &integer, Compatibility::Full, false),
        ["backward TYPE_NARROWED"]
    );
    assert_eq!(
        breaking(&integer, &number, Compatibility::Full, false),
        ["forward TYPE_WIDENED"]
    );
    let nullable = json!({ "type": ["string", "null"] });
    assert_eq!(
        breaking(
            &nullable,
            &json!({ "type": "string" }),
            Compatibility::Backward,
            false
        ),
        ["backward TYPE_NARROWED"]
    );
}

#[test]
fn enums_and_consts() {
    let rgb = json!({ "enum": ["red", "green", "blue"] });
    let rg = json!({ "enum": ["red", "green"] });
    assert_eq!(
        breaking(&rgb, &rg, Compatibility::Full, false),
        ["backward ENUM_NARROWED"]
    );
    assert_eq!(
        breaking(&rg, &rgb, Compatibility::Full, false),
        ["forward ENUM_WIDENED"]
    );
    let a = json!({ "const": "a" });
    let b = json!({ "const": "b" });
    assert_eq!(
        breaking(&a, &b, Compatibility::Full, false),
        ["backward ENUM_NARROWED", "forward ENUM_WIDENED"]
    );
    assert_eq!(
        breaking(&a, &json!({ "enum": ["a"] }), Compatibility::Full, false),
        Vec::<String>::new()
    );
}

#[test]
fn bounds_tighten_and_loosen() {
    let cases = [
        (
            json!({ "type": "string", "maxLength": 10 }),
            json!({ "type": "string", "maxLength": 5 }),
        ),
        (
            json!({ "type": "string", "minLength": 1 }),
            json!({ "type": "string", "minLength": 3 }),
        ),
        (
            json!({ "type": "integer", "minimum": 0 }),
            json!({ "type": "integer", "minimum": 1 }),
        ),
        (
            json!({ "type": "integer", "maximum": 10 }),
            json!({ "type": "integer", "exclusiveMaximum": 10 }),
        ),
        (
            json!({ "type": "number", "exclusiveMinimum": 0 }),
            json!({ "type": "number", "minimum": 1 }),
        ),
        (
            json!({ "type": "array", "maxItems": 3 }),
            json!({ "type": "array", "maxItems": 2 }),
        ),
        (
            json!({ "type": "object", "minProperties": 0 }),
            json!({ "type": "object", "minProperties": 1 }),
        ),
    ];
    for (loose, tight) in cases {
        assert_eq!(
            breaking(&loose, &tight, Compatibility::Full, false),
            ["backward BOUND_TIGHTENED"],
            "{loose} -> {tight}"
        );
        assert_eq!(
            breaking(&tight, &loose, Compatibility::Full, false),
            ["forward BOUND_LOOSENED"],
            "{tight} -> {loose}"
        );
    }
}

#[test]
fn multiple_of_unique_items_contains_and_dependent_required() {
    let five = json!({ "type": "integer", "multipleOf": 5 });
    let ten = json!({ "type": "integer", "multipleOf": 10 });
    assert_eq!(
        breaking(&five, &ten, Compatibility::Full, false),
        ["backward MULTIPLE_OF_CHANGED"]
    );
    assert!(breaking(&ten, &five, Compatibility::Backward, false).is_empty());

    let list = json!({ "type": "array", "items": { "type": "integer" } });
    let unique = json!({ "type": "array", "items": { "type": "integer" }, "uniqueItems": true });
    assert_eq!(
        breaking(&list, &unique, Compatibility::Full, false),
        ["backward UNIQUE_ITEMS_ADDED"]
    );

    let contains =
        json!({ "type": "array", "items": { "type": "integer" }, "contains": { "minimum": 5 } });
    assert_eq!(
        breaking(&list, &contains, Compatibility::Backward, false),
        ["backward CONTAINS_CHANGED"]
    );

    let base = object(
        json!({ "card": { "type": "string" }, "billing": { "type": "string" } }),
        &[],
        false,
    );
    let mut dependent = base.clone();
    dependent["dependentRequired"] = json!({ "card": ["billing"] });
    assert_eq!(
        breaking(&base, &dependent, Compatibility::Full, false),
        ["backward DEPENDENT_REQUIRED_CHANGED"]
    );
}

#[test]
fn combinators() {
    let one = json!({ "oneOf": [{ "type": "string" }, { "type": "integer" }] });
    let overlapping =
        json!({ "oneOf": [{ "type": "string" }, { "type": "integer" }, { "type": "number" }] });
    // Integers now match two branches: oneOf rejects them.
    let both = breaking(&one, &overlapping, Compatibility::Backward, false);
    assert_eq!(both, ["backward BRANCH_ADDED"]);
    let any = json!({ "anyOf": [{ "type": "string" }, { "type": "integer" }] });
    let fewer = json!({ "anyOf": [{ "type": "string" }] });
    assert_eq!(
        breaking(&any, &fewer, Compatibility::Full, false),
        ["backward BRANCH_REMOVED"]
    );
    let not = json!({ "type": "integer", "not": { "const": 3 } });
    assert_eq!(
        breaking(
            &json!({ "type": "integer" }),
            &not,
            Compatibility::Backward,
            false
        ),
        ["backward NOT_CHANGED"]
    );
    let conditional = json!({
        "type": "object",
        "properties": { "country": { "type": "string" }, "zip": { "type": "string" } },
        "if": { "properties": { "country": { "const": "US" } }, "required": ["country"] },
        "then": { "required": ["zip"] }
    });
    let plain = json!({ "type": "object", "properties": { "country": { "type": "string" }, "zip": { "type": "string" } } });
    assert_eq!(
        breaking(&plain, &conditional, Compatibility::Full, false),
        ["backward CONDITIONAL_CHANGED"]
    );
}

#[test]
fn patterns_are_proven_or_reported_undecided() {
    let letters = json!({ "type": "string", "pattern": "^[a-z]+$" });
    let fewer = json!({ "type": "string", "pattern": "^[a-c]+$" });
    assert_eq!(
        breaking(&letters, &fewer, Compatibility::Backward, false),
        ["backward PATTERN_CHANGED"]
    );
    // Equivalent patterns: no witness exists, and regular expression inclusion is not decided.
    let a = json!({ "type": "string", "pattern": "^a+$" });
    let same = json!({ "type": "string", "pattern": "^(a|aa)+$" });
    assert!(breaking(&a, &same, Compatibility::Full, false).is_empty());
    assert_eq!(
        undecided(&a, &same, Compatibility::Backward),
        ["PATTERN_CHANGED"]
    );
}

#[test]
fn pure_refactors_raise_no_alarm() {
    let inline = object(
        json!({ "address": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } }),
        &["address"],
        true,
    );
    let moved = json!({
        "type": "object",
        "properties": { "address": { "$ref": "#/$defs/Address" } },
        "required": ["address"],
        "additionalProperties": false,
        "$defs": { "Address": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } }
    });
    assert!(
        check_pair(&inline, &moved, Compatibility::Full, Options::default())
            .unwrap()
            .is_empty()
    );
    let split = json!({
        "allOf": [
            { "type": "object" },
            { "properties": { "address": { "$ref": "#/$defs/Address" } }, "required": ["address"] }
        ],
        "$defs": { "Address": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] } }
    });
    let open_inline = open(&inline);
    assert!(breaking(&open_inline, &split, Compatibility::Full, false).is_empty());
    assert!(breaking(&open_inline, &split, Compatibility::Full, true).is_empty());
    // Not even an undecided warning: the parts merge back into the same object.
    assert!(check_pair(
        &open_inline,
        &split,
        Compatibility::Full,
        Options::default()
    )
    .unwrap()
    .is_empty());
}

#[test]
fn deep_nesting_arrays_tuples_and_recursion() {
    let deep = |max: u64| json!({ "type": "object", "properties": { "a": { "type": "object", "properties": { "b": { "type": "array", "items": { "type": "object", "properties": { "c": { "type": "string", "maxLength": max } }, "required": ["c"] } } }, "required": ["b"] } }, "required": ["a"] });
    assert_eq!(
        breaking(&deep(10), &deep(4), Compatibility::Backward, false),
        ["backward BOUND_TIGHTENED"]
    );
    let findings = check_pair(
        &deep(10),
        &deep(4),
        Compatibility::Backward,
        Options::default(),
    )
    .unwrap();
    assert_eq!(
        findings[0].change.as_ref().unwrap().instance_pointer(),
        "/a/b/*/c"
    );

    let pair =
        json!({ "type": "array", "prefixItems": [{ "type": "string" }, { "type": "integer" }] });
    let swapped =
        json!({ "type": "array", "prefixItems": [{ "type": "string" }, { "type": "string" }] });
    assert_eq!(
        breaking(&pair, &swapped, Compatibility::Backward, false),
        ["backward TYPE_NARROWED"]
    );

    let tree = |max: u64| {
        json!({
            "$ref": "#/$defs/Node",
            "$defs": { "Node": { "type": "object", "properties": { "v": { "type": "integer", "maximum": max }, "kids": { "type": "array", "items": { "$ref": "#/$defs/Node" } } }, "required": ["v"] } }
        })
    };
    assert_eq!(
        breaking(&tree(100), &tree(50), Compatibility::Backward, false),
        ["backward BOUND_TIGHTENED"]
    );
    assert!(breaking(&tree(50), &tree(100), Compatibility::Backward, false).is_empty());
}

#[test]
fn draft_07_and_2020_12_alike() {
    let old7 = json!({ "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": { "s": { "$ref": "#/definitions/S" } }, "definitions": { "S": { "type": "string", "maxLength": 9 } } });
    let new7 = json!({ "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": { "s": { "$ref": "#/definitions/S" } }, "definitions": { "S": { "type": "string", "maxLength": 3 } } });
    assert_eq!(
        breaking(&old7, &new7, Compatibility::Backward, false),
        ["backward BOUND_TIGHTENED"]
    );
    let old20 = json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": { "s": { "$ref": "#/$defs/S" } }, "$defs": { "S": { "type": "string", "maxLength": 9 } } });
    let new20 = json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": { "s": { "$ref": "#/$defs/S" } }, "$defs": { "S": { "type": "string", "maxLength": 3 } } });
    assert_eq!(
        breaking(&old20, &new20, Compatibility::Backward, false),
        ["backward BOUND_TIGHTENED"]
    );
}

#[test]
fn mode_none_checks_nothing_and_modes_pick_directions() {
    let a = json!({ "type": "string", "maxLength": 5 });
    let b = json!({ "type": "string", "maxLength": 3 });
    assert!(check_pair(&a, &b, Compatibility::None, Options::default())
        .unwrap()
        .is_empty());
    assert!(breaking(&a, &b, Compatibility::Forward, false).is_empty());
    assert_eq!(
        breaking(&a, &b, Compatibility::FullTransitive, false),
        ["backward BOUND_TIGHTENED"]
    );
}

/// Regression: a change behind a `$ref` whose text is the same on both sides (array items,
/// additionalProperties, combinator branches) was skipped by the diff.
#[test]
fn changes_behind_an_unchanged_ref_are_found_and_blamed() {
    let schema = |pattern: &str| {
        json!({
            "type": "object",
            "properties": {
                "lines": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/Line" } },
                "extra": { "type": "object", "additionalProperties": { "$ref": "#/$defs/Line" } },
                "either": { "anyOf": [{ "$ref": "#/$defs/Line" }, { "type": "null" }] }
            },
            "required": ["lines"],
            "$defs": { "Line": { "type": "object", "properties": { "sku": { "type": "string", "pattern": pattern }, "qty": { "type": "integer" } }, "required": ["sku", "qty"] } }
        })
    };
    let (old, new) = (schema("^[A-Z]{3,12}$"), schema("^[A-Z]{3,10}$"));
    let findings = check_pair(&old, &new, Compatibility::Backward, Options::default()).unwrap();
    let places: Vec<String> = findings
        .iter()
        .filter(|f| f.level == Level::Breaking && f.rule == "PATTERN_CHANGED")
        .map(|f| f.change.as_ref().unwrap().instance_pointer())
        .collect();
    assert!(places.contains(&"/lines/*/sku".to_owned()), "{places:?}");
    assert_eq!(
        breaking(&old, &new, Compatibility::Backward, false),
        ["backward PATTERN_CHANGED"]
    );
}

/// Issue 10: the gate never passes a break in silence. Each case is a real break; the checker
/// must show it (breaking, with a witness checked independently) and never call it compatible.
fn shown(old: &Value, new: &Value, mode: Compatibility, strict: bool) -> Vec<String> {
    let found = breaking(old, new, mode, strict);
    assert!(
        !found.is_empty(),
        "a break passed in silence or as undecided: {:?}",
        check_pair(
            old,
            new,
            mode,
            Options {
                strict,
                ..Options::default()
            }
        )
        .unwrap()
    );
    found
}

#[test]
fn enum_narrowed_under_a_conditional_is_shown() {
    let schema = |values: Value| {
        json!({
            "type": "object",
            "properties": { "kind": { "enum": ["x", "y"] }, "v": { "type": "string" } },
            "required": ["kind"],
            "if": { "properties": { "kind": { "const": "x" } } },
            "then": { "properties": { "v": { "enum": values } } },
            "else": { "properties": { "v": { "maxLength": 3 } } }
        })
    };
    let old = schema(json!(["a", "b"]));
    let new = schema(json!(["a"]));
    shown(&old, &new, Compatibility::Backward, false);
}

#[test]
fn changes_behind_a_reference_under_else_or_pattern_properties_are_seen() {
    let old = json!({"properties":{"e":{"type":"string"}},"if":{"properties":{"beta":{"const":true}},
        "required":["beta"]},"else":{"properties":{"e":{"$ref":"#/definitions/v"}}},
        "definitions":{"v":{"enum":["a"]}}});
    let mut new = old.clone();
    new["definitions"]["v"]["enum"] = json!(["a", "b"]);
    assert_eq!(
        shown(&old, &new, Compatibility::Forward, true),
        ["forward ENUM_WIDENED"]
    );
    let old = json!({"patternProperties":{"^a":{"$ref":"#/definitions/j"}},"definitions":
        {"j":{"properties":{"s":{"type":"boolean"}}}}});
    let mut new = old.clone();
    new["definitions"]["j"]["properties"]["s"]["type"] = json!(["boolean", "string"]);
    assert_eq!(
        shown(&old, &new, Compatibility::Forward, true),
        ["forward TYPE_WIDENED"]
    );
}

#[test]
fn a_writer_without_any_generated_payload_still_shows_its_breaks() {
    let schema = |count: &str| {
        json!({
            "type": "object",
            "properties": {
                "address": { "type": "string", "pattern": "^a", "format": "ipv6" },
                "count": { "type": count }
            },
            "required": ["address", "count"]
        })
    };
    shown(
        &schema("string"),
        &schema("integer"),
        Compatibility::Backward,
        false,
    );
}

#[test]
fn nothing_proven_nothing_found_is_undecided_not_compatible() {
    // A change the instance generator cannot reach and the prover cannot read: `not` of a
    // pattern it cannot relate. Undecided, never silence.
    let old = json!({ "type": "string", "not": { "pattern": "^(ab)+$" } });
    let new = json!({ "type": "string", "not": { "pattern": "^(abab)+$" } });
    let found = check_pair(&old, &new, Compatibility::Forward, Options::default()).unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.level == Level::Undecided || f.level == Level::Breaking),
        "{found:?}"
    );
}

#[test]
fn percent_encoded_references_are_followed() {
    let schema = |t: &str| {
        json!({
            "type": "object",
            "properties": { "e": { "$ref": "#/$defs/e%25f" } },
            "required": ["e"],
            "$defs": { "e%f": { "type": t } }
        })
    };
    assert_eq!(
        shown(
            &schema("string"),
            &schema("integer"),
            Compatibility::Backward,
            false
        ),
        ["backward TYPE_NARROWED"]
    );
}

#[test]
fn integer_bounds_beyond_two_to_the_53_compare_exactly() {
    let max = |m: u64| json!({ "type": "integer", "maximum": m });
    assert_eq!(
        shown(
            &max(9223372036854775807),
            &max(9223372036854775806),
            Compatibility::Backward,
            true
        ),
        ["backward BOUND_TIGHTENED"]
    );
    let old = json!({ "type": "integer", "minimum": 18446744073709551615u64 });
    let new: Value =
        serde_json::from_str(r#"{ "type": "integer", "minimum": 18446744073709551616 }"#).unwrap();
    let found = check_pair(&old, &new, Compatibility::Backward, Options::default()).unwrap();
    assert!(!found.is_empty(), "a tightened bound passed in silence");
}

#[test]
fn a_key_refused_by_a_combinator_above_it_is_shown_with_its_witness() {
    // SchemaStore's github-workflow, August 2026: `models` added to a closed permissions
    // object that sits in a `oneOf`, inside a job that is itself a `oneOf`. The old reader
    // reports the refusal at the job, two levels above the key.
    let schema = |with_models: bool| {
        let mut permissions = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": { "contents": { "enum": ["read", "write"] } }
        });
        if with_models {
            permissions["properties"]["models"] =
                json!({ "type": "string", "enum": ["read", "none"] });
        }
        json!({
            "type": "object",
            "properties": {
                "jobs": {
                    "type": "object",
                    "patternProperties": {
                        "^[a-z]+$": {
                            "oneOf": [
                                {
                                    "type": "object",
                                    "properties": {
                                        "runs-on": { "type": "string" },
                                        "permissions": {
                                            "oneOf": [{ "enum": ["read-all"] }, permissions]
                                        }
                                    },
                                    "required": ["runs-on"],
                                    "additionalProperties": false
                                },
                                {
                                    "type": "object",
                                    "properties": { "uses": { "type": "string" } },
                                    "required": ["uses"],
                                    "additionalProperties": false
                                }
                            ]
                        }
                    },
                    "additionalProperties": false,
                    "minProperties": 1
                }
            },
            "required": ["jobs"]
        })
    };
    assert_eq!(
        breaking(&schema(false), &schema(true), Compatibility::Full, true),
        ["forward PROPERTY_ADDED"]
    );
    assert!(undecided(&schema(false), &schema(true), Compatibility::Full).is_empty());
}

#[test]
fn enum_values_added_under_a_top_level_conditional_are_shown_and_the_other_way_proven() {
    // SchemaStore's dependabot-2.0, August 2026: new package ecosystems, accepted anywhere
    // as a non-empty string but restricted to the known values by a top-level `else` unless
    // beta ecosystems are enabled; each update names `directory` or `directories`.
    let schema = |values: &[&str]| {
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "required": ["updates"],
            "additionalProperties": false,
            "properties": {
                "beta": { "type": "boolean" },
                "updates": { "type": "array", "items": { "$ref": "#/definitions/update" } }
            },
            "allOf": [{
                "if": { "properties": { "beta": { "const": true } }, "required": ["beta"] },
                "then": {},
                "else": { "properties": { "updates": { "items": { "properties": { "ecosystem": { "$ref": "#/definitions/ecosystems" } } } } } }
            }],
            "definitions": {
                "ecosystems": { "type": "string", "enum": values },
                "update": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "ecosystem": { "type": "string", "anyOf": [{ "$ref": "#/definitions/ecosystems" }, { "minLength": 1 }] },
                        "directory": { "type": "string" },
                        "directories": { "type": "array", "items": { "type": "string" } }
                    },
                    "allOf": [
                        { "required": ["ecosystem"] },
                        { "oneOf": [{ "required": ["directories"] }, { "required": ["directory"] }] }
                    ]
                }
            }
        })
    };
    let (old, new) = (
        schema(&["cargo", "npm"]),
        schema(&["bazel", "cargo", "npm"]),
    );
    assert_eq!(
        breaking(&old, &new, Compatibility::Full, true),
        ["forward ENUM_WIDENED"]
    );
    let findings = check_pair(
        &old,
        &new,
        Compatibility::Backward,
        Options {
            strict: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(
        findings.is_empty(),
        "backward is proven compatible: {findings:?}"
    );
}

#[test]
fn changed_descriptions_alone_are_proven_compatible_where_nothing_else_could_be() {
    // SchemaStore's cargo.json, 2026: only descriptions and titles changed, in a schema whose
    // other keywords the prover cannot read (here `unevaluatedProperties`).
    let schema = |text: &str| {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "description": text,
            "allOf": [{ "properties": { "a": { "type": "string", "title": text } } }],
            "properties": { "description": { "type": "integer", "description": text } },
            "unevaluatedProperties": false,
            "x-taplo": { "hidden": text }
        })
    };
    let found = check_pair(
        &schema("old words"),
        &schema("new words"),
        Compatibility::Full,
        Options {
            strict: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(found.is_empty(), "{found:?}");
    // A property named like an annotation is still a property.
    let mut renamed = schema("old words");
    renamed["properties"]["description"]["type"] = json!("string");
    let found = check_pair(
        &schema("old words"),
        &renamed,
        Compatibility::Full,
        Options {
            strict: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(!found.is_empty(), "a changed type is not an annotation");
}

#[test]
fn a_required_key_dropped_deep_in_an_optional_container_is_shown() {
    // SchemaStore's github-workflow, 2026: `required` no longer required of a secret of
    // `on.workflow_call`; the starting payloads have no `workflow_call` at all, so the object
    // is built there for the witness.
    let schema = |required: bool| {
        let mut secret = json!({
            "type": "object",
            "properties": { "description": { "type": "string" }, "required": { "type": "boolean" } },
            "additionalProperties": false
        });
        if required {
            secret["required"] = json!(["required"]);
        }
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "required": ["on"],
            "properties": {
                "on": {
                    "oneOf": [
                        { "type": "string", "enum": ["push"] },
                        {
                            "type": "object",
                            "properties": {
                                "workflow_call": {
                                    "type": "object",
                                    "properties": {
                                        "secrets": {
                                            "type": "object",
                                            "patternProperties": { "^[a-z_]+$": secret },
                                            "additionalProperties": false
                                        }
                                    }
                                }
                            }
                        }
                    ]
                }
            }
        })
    };
    assert_eq!(
        breaking(&schema(true), &schema(false), Compatibility::Full, true),
        ["forward REQUIRED_REMOVED"]
    );
}

#[test]
fn extension_keywords_assert_nothing() {
    // SchemaStore's cargo.json carries `x-tombi-…` keywords at its root: a narrowed enum is
    // compatible forward (new writers use fewer values), proven despite them.
    let schema = |values: &[&str]| {
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "x-tombi-toml-version": "v1.0.0",
            "type": "object",
            "properties": { "inherits": { "enum": values, "x-taplo": { "hidden": true } } }
        })
    };
    let found = check_pair(
        &schema(&["dev", "test", "bench"]),
        &schema(&["dev", "test"]),
        Compatibility::Forward,
        Options {
            strict: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_one_of_whose_other_branches_are_unchanged_is_proven() {
    // SchemaStore's host.json: a `oneOf` whose branches the prover cannot tell apart by their
    // keywords alone (an open object requiring `a`, a closed one without it); one branch
    // changes, the other stays as it was. A writer payload of the changed branch matches only
    // that branch, so the unchanged one cannot take it in the reader either.
    let schema = |a: Value| {
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "oneOf": [
                { "properties": { "a": a }, "required": ["a"] },
                { "properties": { "b": { "type": "integer" } }, "additionalProperties": false }
            ]
        })
    };
    let (old, new) = (
        schema(json!({ "type": "string" })),
        schema(json!({ "type": ["string", "null"] })),
    );
    let backward = check_pair(
        &old,
        &new,
        Compatibility::Backward,
        Options {
            strict: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(backward.is_empty(), "{backward:?}");
    assert_eq!(
        breaking(&old, &new, Compatibility::Forward, true),
        ["forward TYPE_WIDENED"]
    );
}

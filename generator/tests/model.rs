//! The normalized model: bundled, self-contained schemas whose every node knows its origin.

use std::path::Path;

use serde_json::Value;

fn registry() -> contracts_generator::Registry {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    contracts_generator::load(root)
        .expect("example registry loads")
        .0
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_owned());
                } else if k != "const" && k != "enum" {
                    refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[test]
fn bundled_schemas_are_self_contained() {
    let registry = registry();
    for event in &registry.events {
        let schema = event.schema.value();
        let mut found = Vec::new();
        refs(&schema, &mut found);
        for r in found {
            let target = if r == "#" {
                Some(&schema)
            } else {
                schema.pointer(r.trim_start_matches('#'))
            };
            assert!(
                target.is_some(),
                "{}: `{r}` does not resolve inside the bundle",
                event.file.display()
            );
        }
        assert!(schema.get("x-event").is_none() && schema.get("examples").is_none());
    }
    let v2 = registry.event("orders.order_placed", 2).unwrap();
    let v2_schema = v2.schema.value();
    let defs: Vec<&str> = v2_schema["$defs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        defs,
        ["Address", "Currency", "Money", "OrderPlacedV2OrderLine"]
    );
}

#[test]
fn every_bundled_node_knows_its_file_pointer_and_position() {
    let registry = registry();
    let v2 = registry.event("orders.order_placed", 2).unwrap();

    let shared = registry.origin(v2, "/$defs/Money/properties/currency");
    assert_eq!(shared.file, Path::new("common/money.json"));
    assert_eq!(shared.pointer, "/$defs/Money/properties/currency");
    let (line, _) = registry.position(&shared).unwrap();
    let text = std::fs::read_to_string(registry.root.join("common/money.json")).unwrap();
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("\"currency\": { \"$ref\""),
        "line {line}"
    );

    let local = registry.origin(v2, "/$defs/OrderPlacedV2OrderLine/properties/sku");
    assert_eq!(local.file, Path::new("orders/order_placed/v2.json"));
    assert_eq!(local.pointer, "/$defs/OrderLine/properties/sku");

    let own = registry.origin(v2, "/properties/channel");
    assert_eq!(own.file, Path::new("orders/order_placed/v2.json"));
    assert_eq!(own.pointer, "/properties/channel");
}

#[test]
fn the_reader_schema_opens_objects_the_writer_schema_closes() {
    let registry = registry();
    let v2 = registry.event("orders.order_placed", 2).unwrap();
    let writer = v2.schema.value();
    assert_eq!(writer["additionalProperties"], Value::Bool(false));
    let reader = v2.reader_schema();
    assert!(reader.get("additionalProperties").is_none());
    assert!(reader["$defs"]["Money"]
        .get("additionalProperties")
        .is_none());
    assert_eq!(reader["required"], writer["required"]);
}

/// Copies the example registry into a temp dir, so a test can change a file of it.
fn copy_of_example_registry() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let target = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    dir
}

#[test]
fn bundled_schemas_are_compact_text_that_parses_back_to_the_bundle() {
    for event in &registry().events {
        let text = event.schema.as_str();
        assert!(!text.contains('\n'), "compact");
        let value = event.schema.value();
        assert!(value.is_object(), "{}", event.event_type);
        assert_eq!(serde_json::to_string(&value).unwrap(), text);
        assert_eq!(
            contracts_generator::BundledSchema::new(&value),
            event.schema
        );
    }
}

#[test]
fn an_earlier_revision_keeps_only_the_events_that_changed() {
    let current = registry();
    let dir = copy_of_example_registry();
    let file = dir.path().join("orders/order_placed/v2.json");
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    document["description"] = Value::from("An older wording.");
    std::fs::write(&file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    let (older, _) = contracts_generator::load(dir.path()).unwrap();
    assert_eq!(older.events.len(), current.events.len());

    let earlier = older.into_earlier_revision(std::slice::from_ref(&current));
    let kept: Vec<_> = earlier
        .events
        .iter()
        .map(|e| (e.event_type.as_str(), e.version))
        .collect();
    assert_eq!(kept, [("orders.order_placed", 2)]);
    assert_eq!(earlier.files().count(), 0, "no files kept");

    // The same revision against itself keeps nothing.
    let (same, _) = contracts_generator::load(dir.path()).unwrap();
    let again = contracts_generator::load(dir.path()).unwrap().0;
    assert!(same.into_earlier_revision(&[again]).events.is_empty());
}

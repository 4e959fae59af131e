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
        let mut found = Vec::new();
        refs(&event.schema, &mut found);
        for r in found {
            let target = if r == "#" {
                Some(&event.schema)
            } else {
                event.schema.pointer(r.trim_start_matches('#'))
            };
            assert!(
                target.is_some(),
                "{}: `{r}` does not resolve inside the bundle",
                event.file.display()
            );
        }
        assert!(event.schema.get("x-event").is_none() && event.schema.get("examples").is_none());
    }
    let v2 = registry.event("orders.order_placed", 2).unwrap();
    let defs: Vec<&str> = v2.schema["$defs"]
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
    assert_eq!(v2.schema["additionalProperties"], Value::Bool(false));
    let reader = v2.reader_schema();
    assert!(reader.get("additionalProperties").is_none());
    assert!(reader["$defs"]["Money"]
        .get("additionalProperties")
        .is_none());
    assert_eq!(reader["required"], v2.schema["required"]);
}

//! What people read, pinned with insta: a lint report over several bad files and a
//! compatibility report with witnesses. CI never writes snapshots (INSTA_UPDATE=no).

use std::path::Path;

use contracts_generator::{check_registries, load, render, Format, Options};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const EVENT: &str = r#"{
  "title": "Parcel sent",
  "description": "A parcel left the warehouse.",
  "x-event": { "owner": "warehouse", "partition_key": "/parcel_id" },
  "type": "object",
  "properties": {
    "parcel_id": { "type": "string" },
    "weight_grams": { "type": "integer", "minimum": 1, "maximum": 30000 },
    "carrier": { "enum": ["dhl", "ups"] }
  },
  "required": ["parcel_id"],
  "additionalProperties": false
}"#;

#[test]
fn lint_report() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parcels/parcel_sent/v1.json",
        &EVENT.replace(
            r#""owner": "warehouse", "#,
            r#""owner": "warehouse", "colour": 1, "#,
        ),
    );
    write(
        dir.path(),
        "parcels/parcel_lost/v1.json",
        "{\n  \"title\": \"Parcel lost\",\n  \"type\": \"object\",\n}",
    );
    write(
        dir.path(),
        "common/units.json",
        r##"{ "$defs": { "Grams": { "$ref": "#/$defs/Kilos" } } }"##,
    );
    let report = load(dir.path())
        .expect_err("the registry has errors")
        .to_string();
    insta::assert_snapshot!(report);
}

#[test]
fn compatibility_report() {
    let dir = tempfile::tempdir().unwrap();
    let (old_root, new_root) = (dir.path().join("old"), dir.path().join("new"));
    write(&old_root, "parcels/parcel_sent/v1.json", EVENT);
    let changed = EVENT
        .replace(r#""maximum": 30000"#, r#""maximum": 20000"#)
        .replace(r#"["dhl", "ups"]"#, r#"["dhl", "ups", "gls"]"#)
        .replace(
            r#""required": ["parcel_id"]"#,
            r#""required": ["parcel_id", "carrier"]"#,
        );
    write(&new_root, "parcels/parcel_sent/v1.json", &changed);
    write(
        &new_root,
        "registry.toml",
        "default_compatibility = \"full\"\n",
    );
    let (old, _) = load(&old_root).unwrap();
    let (new, _) = load(&new_root).unwrap();
    let report =
        check_registries(std::slice::from_ref(&old), &new, false, Options::default()).unwrap();
    insta::assert_snapshot!(render(
        &report.findings,
        report.compared,
        Format::Text,
        &new_root
    ));
}

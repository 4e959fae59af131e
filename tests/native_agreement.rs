//! Proof that the native path agrees with jsonschema on this registry: for every event,
//! thousands of generated valid payloads and payloads broken at one constraint's boundary get
//! the same verdict from the native decode (bytes straight into the Rust type) as from
//! jsonschema on the same bytes; the typed values they decode to get the same verdict from the
//! native producer checks (the serializer wrapper and the generated check) as from jsonschema
//! on their serialization.

use std::path::Path;

use contracts_runtime::native::{self, Plan};
use contracts_runtime::{Event, EventVisitor};
use serde_json::Value;

mod common;
use common::mutations;

/// Valid payloads generated per event; each yields several boundary mutations.
const VALID_PER_EVENT: usize = 120;

#[derive(Debug, Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    typed: usize,
    /// Typed values that break the writer schema (the generated check must refuse them).
    typed_invalid: usize,
}

fn check_event<E: Event>(schema: &Value, seed: u64) -> Tally {
    let reader_schema: Value = serde_json::from_str(E::READER_SCHEMA).unwrap();
    let writer_schema: Value = serde_json::from_str(E::SCHEMA).unwrap();
    let oracle = |schema: &Value| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap()
    };
    let (reader, writer) = (oracle(&reader_schema), oracle(&writer_schema));
    let reader_plan = Plan::compile(&reader_schema).unwrap();
    let writer_plan = Plan::compile(&writer_schema).unwrap();
    // The generated check's nodes, found as `Event::encode` finds them.
    let nodes: Vec<u32> = E::NATIVE_POINTERS
        .iter()
        .map(|pointer| {
            writer_plan
                .node_at(pointer)
                .expect("node of a generated check")
        })
        .collect();

    let mut sampler = contracts_generator::Sampler::new(schema, seed).unwrap();
    let valid = sampler.samples(VALID_PER_EVENT);
    assert!(
        valid.len() >= VALID_PER_EVENT / 2,
        "{}: too few samples",
        E::EVENT_TYPE
    );
    let mut tally = Tally::default();
    for payload in &valid {
        let mut candidates = vec![payload.clone()];
        candidates.extend(mutations(payload, schema, schema));
        for candidate in candidates {
            let bytes = serde_json::to_vec(&candidate).unwrap();
            let expected = reader.is_valid(&candidate);
            let native = native::decode::<E>(&reader_plan, &bytes);
            assert_eq!(
                native.is_ok(),
                expected,
                "{} v{}: native decode says {:?}, jsonschema says {expected} for {candidate}",
                E::EVENT_TYPE,
                E::MAJOR_VERSION,
                native.as_ref().err().map(ToString::to_string),
            );
            if expected {
                tally.valid += 1;
            } else {
                tally.invalid += 1;
            }
            // Producer side: any typed value plain serde accepts, valid or not.
            if let Ok(typed) = serde_json::from_value::<E>(candidate.clone()) {
                let written = serde_json::to_value(&typed).unwrap();
                let expected = writer.is_valid(&written);
                assert_eq!(
                    native::is_valid(&writer_plan, &typed),
                    expected,
                    "{}: native producer check disagrees on {written}",
                    E::EVENT_TYPE
                );
                assert_eq!(
                    typed.native_check(&writer_plan, &nodes),
                    Some(expected),
                    "{}: generated check disagrees on {written}",
                    E::EVENT_TYPE
                );
                assert_eq!(
                    typed.encode().is_ok(),
                    expected,
                    "{}: {written}",
                    E::EVENT_TYPE
                );
                if expected {
                    let encoded = native::encode(&writer_plan, &typed).unwrap();
                    assert_eq!(encoded, serde_json::to_vec(&typed).unwrap());
                    assert_eq!(typed.encode().unwrap(), encoded);
                } else {
                    tally.typed_invalid += 1;
                }
                tally.typed += 1;
            }
        }
    }
    tally
}

/// Runs [`check_event`] on each event type `visit_events` hands over.
struct Agreement {
    registry: contracts_generator::Registry,
    checked: usize,
}

impl EventVisitor for Agreement {
    fn visit<E: Event>(&mut self) {
        let event = self
            .registry
            .events
            .iter()
            .find(|e| e.event_type == E::EVENT_TYPE && e.version == E::MAJOR_VERSION)
            .expect("event in registry");
        let tally = check_event::<E>(&event.schema.value(), 11);
        eprintln!("{} v{}: {tally:?}", E::EVENT_TYPE, E::MAJOR_VERSION);
        assert!(tally.valid >= 200, "{}: {tally:?}", E::EVENT_TYPE);
        assert!(tally.invalid >= 1000, "{}: {tally:?}", E::EVENT_TYPE);
        self.checked += 1;
    }
}

#[test]
fn native_path_agrees_with_jsonschema_on_every_registry_event() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let (registry, _) = contracts_generator::load(&root).expect("registry loads");
    let mut agreement = Agreement {
        registry,
        checked: 0,
    };
    contracts::visit_events(&mut agreement);
    assert_eq!(agreement.checked, contracts::EVENTS.len());
}

/// Issue 10: `Event::decode` and the full validator agree on byte strings that are not
/// what serde_json writes: a lone surrogate, a number beyond f64, nesting past serde_json's
/// limit of 128 (each under a key the type does not know), and a duplicate key next to an
/// integer written as `3598.0`.
#[test]
fn decode_agrees_with_the_full_validator_on_odd_bytes() {
    struct Odd;
    impl EventVisitor for Odd {
        fn visit<E: Event>(&mut self) {
            let schema: Value = serde_json::from_str(E::READER_SCHEMA).unwrap();
            let oracle = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap();
            let writer: Value = serde_json::from_str(E::SCHEMA).unwrap();
            let example = contracts_generator::Sampler::new(&writer, 0)
                .unwrap()
                .sample()
                .expect("a valid payload");
            let text = serde_json::to_string(&example).unwrap();
            let body = text.strip_suffix('}').unwrap();
            let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let odd = [
                format!(r#"{body},"zz_unknown":"\ud800"}}"#),
                format!(r#"{body},"zz_unknown":"\udc00x"}}"#),
                format!(r#"{body},"zz_unknown":1e309}}"#),
                format!(r#"{body},"zz_unknown":{}}}"#, nested(126)),
                format!(r#"{body},"zz_unknown":{}}}"#, nested(127)),
                format!(r#"{body},"zz_unknown":{}}}"#, nested(128)),
                format!(r#"{body},"zz_unknown":{}}}"#, nested(20_000)),
                format!(r#"{body},"zz_unknown":{{"a":[{{"b":{}}}]}}}}"#, nested(130)),
            ];
            for bytes in odd {
                let full = serde_json::from_str::<Value>(&bytes)
                    .map(|v| oracle.is_valid(&v))
                    .unwrap_or(false);
                let native = E::decode(bytes.as_bytes()).is_ok();
                let shown: String = bytes.chars().take(160).collect();
                assert_eq!(native, full, "{}: {shown}…", E::EVENT_TYPE);
            }
        }
    }
    contracts::visit_events(&mut Odd);
}

#[test]
fn a_duplicate_key_does_not_change_how_an_integer_is_read() {
    // `quantity` is an integer; `3598.0` is one in JSON Schema's sense.
    use contracts::orders::OrderPlacedV2;
    let writer: Value = serde_json::from_str(OrderPlacedV2::SCHEMA).unwrap();
    let example = contracts_generator::Sampler::new(&writer, 0)
        .unwrap()
        .sample()
        .expect("a valid payload");
    let mut text = serde_json::to_string(&example).unwrap();
    let quantity = example["lines"][0]["quantity"].as_i64().unwrap();
    text = text.replacen(
        &format!(r#""quantity":{quantity}"#),
        &format!(r#""quantity":{quantity}.0"#),
        1,
    );
    let plain = OrderPlacedV2::decode(text.as_bytes());
    assert!(plain.is_ok(), "{plain:?}");
    let duplicated = text.replacen('{', r#"{"order_id":"dup","#, 1);
    let twice = OrderPlacedV2::decode(duplicated.as_bytes());
    assert!(twice.is_ok(), "{twice:?}");
}

#[test]
fn decode_agrees_on_odd_bytes_inside_a_tagged_union_member() {
    use contracts::orders::OrderPlacedV2;
    let schema: Value = serde_json::from_str(OrderPlacedV2::READER_SCHEMA).unwrap();
    let oracle = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let writer: Value = serde_json::from_str(OrderPlacedV2::SCHEMA).unwrap();
    let example = contracts_generator::Sampler::new(&writer, 0)
        .unwrap()
        .sample()
        .unwrap();
    let text = serde_json::to_string(&example).unwrap();
    assert!(text.contains(r#""delivery":{"#), "{text}");
    for depth in [120, 125, 126, 127, 128, 200] {
        for odd in [
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
            r#""\ud800""#.to_owned(),
            "1e309".to_owned(),
        ] {
            // Before the tag: kept raw and replayed.
            let bytes = text.replacen(
                r#""delivery":{"#,
                &format!(r#""delivery":{{"zz":{odd},"#),
                1,
            );
            let full = serde_json::from_str::<Value>(&bytes)
                .map(|v| oracle.is_valid(&v))
                .unwrap_or(false);
            assert_eq!(
                OrderPlacedV2::decode(bytes.as_bytes()).is_ok(),
                full,
                "depth {depth}, {}",
                &odd[..odd.len().min(20)]
            );
        }
    }
}

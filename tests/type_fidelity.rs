//! A decoded event keeps everything its payload said. For every event of this repository's
//! registry and of the `fidelity` fixture (one event per class of schema that used to lose
//! data), on payloads from the instance generator:
//! - every payload valid for the writer decodes, re-encodes to a payload the writer accepts,
//!   and that payload equals the original under JSON Schema's equality apart from the
//!   normalizations the README lists (`round_trip_difference`);
//! - every payload the reader accepts decodes and re-encodes (what `decode` returns, `encode`
//!   accepts).
//!
//! Then one regression test per defect the fixture names.

#[allow(dead_code, unused_imports, clippy::all)]
mod fidelity {
    include!("../generator/tests/goldens/fidelity.rs");
}

use contracts_generator::Sampler;
use contracts_runtime::{round_trip_difference, Event, EventSet, EventVisitor};
use serde_json::{json, Value};

/// Payloads the instance generator proposes for `schema`, over many seeds.
fn samples(schema: &Value, count: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for seed in 0..count as u64 {
        let mut sampler = Sampler::new(schema, seed).expect("schema compiles");
        out.extend(sampler.samples(4));
    }
    out
}

fn validator(schema: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// The round-trip properties on one event type; counts what was checked.
#[derive(Default)]
struct RoundTrips {
    writer_payloads: usize,
    reader_payloads: usize,
    failures: Vec<String>,
}

impl EventVisitor for RoundTrips {
    fn visit<E: Event>(&mut self) {
        let name = format!("{} v{}", E::EVENT_TYPE, E::MAJOR_VERSION);
        let writer: Value = serde_json::from_str(E::SCHEMA).unwrap();
        let reader: Value = serde_json::from_str(E::READER_SCHEMA).unwrap();
        let writer_check = validator(E::SCHEMA);
        for payload in samples(&writer, 40) {
            self.writer_payloads += 1;
            let bytes = serde_json::to_vec(&payload).unwrap();
            let event = match E::decode(&bytes) {
                Ok(event) => event,
                Err(e) => {
                    self.failures
                        .push(format!("{name}: {payload} does not decode: {e}"));
                    continue;
                }
            };
            let again = match event.encode() {
                Ok(again) => serde_json::from_slice::<Value>(&again).unwrap(),
                Err(e) => {
                    self.failures.push(format!(
                        "{name}: {payload} decodes but does not encode: {e}"
                    ));
                    continue;
                }
            };
            if !writer_check.is_valid(&again) {
                self.failures
                    .push(format!("{name}: {payload} re-encoded as invalid {again}"));
            }
            if let Some(difference) = round_trip_difference(&writer, &payload, &again) {
                self.failures.push(format!(
                    "{name}: {payload} re-encoded as {again}: {difference}"
                ));
            }
        }
        for payload in samples(&reader, 20) {
            self.reader_payloads += 1;
            let bytes = serde_json::to_vec(&payload).unwrap();
            match E::decode(&bytes) {
                Ok(event) => {
                    if let Err(e) = event.encode() {
                        self.failures.push(format!(
                            "{name}: the reader accepted {payload}, but its decoded value does not encode: {e}"
                        ));
                    }
                }
                Err(e) => self.failures.push(format!(
                    "{name}: the reader schema accepts {payload}, decode refuses: {e}"
                )),
            }
        }
    }
}

fn assert_round_trips(visit: fn(&mut RoundTrips), events: usize) {
    let mut trips = RoundTrips::default();
    visit(&mut trips);
    eprintln!(
        "{} writer payloads and {} reader payloads over {events} events",
        trips.writer_payloads, trips.reader_payloads
    );
    assert!(
        trips.writer_payloads >= events * 40,
        "payloads were generated"
    );
    assert!(
        trips.failures.is_empty(),
        "{} failures:\n{}",
        trips.failures.len(),
        trips.failures.join("\n")
    );
}

#[test]
fn the_fixture_events_keep_every_member_through_a_round_trip() {
    assert_round_trips(fidelity::visit_events, fidelity::EVENTS.len());
}

#[test]
fn the_registry_events_keep_every_member_through_a_round_trip() {
    assert_round_trips(contracts::visit_events, contracts::EVENTS.len());
}

fn decode<E: Event>(payload: &Value) -> E {
    E::decode(&serde_json::to_vec(payload).unwrap())
        .unwrap_or_else(|e| panic!("{payload} decodes: {e}"))
}

fn round_trip<E: Event>(payload: &Value) -> Value {
    serde_json::from_slice(&decode::<E>(payload).encode().expect("encodes")).unwrap()
}

#[test]
fn an_any_of_over_objects_keeps_the_members_of_every_branch_that_matches() {
    use fidelity::types::BandV1;
    let both = json!({ "id": "a", "range": { "lower": 1, "upper": 9, "inclusive": true },
        "window": { "from": "x", "to": "y" } });
    assert_eq!(round_trip::<BandV1>(&both), both);
    let event: BandV1 = decode(&both);
    assert_eq!((event.range.lower, event.range.upper), (Some(1), Some(9)));
    // A typed producer can build every shape; the branch rules are the validator's.
    let mut neither = event.clone();
    neither.range.lower = None;
    neither.range.upper = None;
    let violations = neither.encode().expect_err("no branch matches");
    assert!(
        violations.0.iter().any(|v| v.pointer == "/range"),
        "{violations}"
    );
}

#[test]
fn a_one_of_told_apart_only_by_closed_branches_keeps_its_meaning() {
    use fidelity::types::ClosedUnionV1;
    let phone = json!({ "id": "a", "contact": { "email": "a@example.com", "phone": "+1" } });
    assert_eq!(round_trip::<ClosedUnionV1>(&phone), phone);
    // Opened, both branches would match this payload and the reader would refuse it.
    let reader = validator(ClosedUnionV1::READER_SCHEMA);
    assert!(reader.is_valid(&phone));
    // A tagged union still tolerates members a newer writer adds.
    let newer = json!({ "id": "b", "contact": { "email": "b@example.com" },
        "shape": { "kind": "circle", "radius": 2, "colour": "red" } });
    assert!(reader.is_valid(&newer));
    assert!(!validator(ClosedUnionV1::SCHEMA).is_valid(&newer));
}

#[test]
fn non_finite_numbers_are_refused_with_their_pointer_wherever_a_float_can_be() {
    use fidelity::types::ReadingV1;
    let valid: ReadingV1 = decode(&json!({ "id": "a", "value": 1.5, "optional": 2,
        "nullable": 3, "series": [1, 2.5], "by_sensor": { "s1": 0.25 } }));
    assert!(valid.encode().is_ok());
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        type Spoil = Box<dyn Fn(&mut ReadingV1)>;
        let cases: [(&str, Spoil); 5] = [
            ("/value", Box::new(move |r| r.value = bad)),
            ("/optional", Box::new(move |r| r.optional = Some(bad))),
            ("/nullable", Box::new(move |r| r.nullable = Some(bad))),
            ("/series/1", Box::new(move |r| r.series[1] = bad)),
            (
                "/by_sensor/s1",
                Box::new(move |r| {
                    r.by_sensor.insert("s1".into(), bad);
                }),
            ),
        ];
        for (pointer, spoil) in cases {
            let mut reading = valid.clone();
            spoil(&mut reading);
            for result in [reading.encode().map(|_| ()), reading.validate()] {
                let violations = result.expect_err(&format!("{bad} at {pointer} is refused"));
                assert_eq!(violations.0[0].pointer, pointer, "{violations}");
            }
        }
    }
    // An untyped value cannot carry one: serde_json's numbers are finite.
    assert_eq!(serde_json::to_value(f64::NAN).unwrap(), Value::Null);
}

#[test]
fn non_finite_numbers_are_refused_on_generated_readings() {
    use fidelity::types::ReadingV1;
    let writer: Value = serde_json::from_str(ReadingV1::SCHEMA).unwrap();
    let mut checked = 0;
    for payload in samples(&writer, 30) {
        let reading: ReadingV1 = decode(&payload);
        let mut spoiled = reading.clone();
        let index = checked % 3;
        let pointer = match index {
            0 => {
                spoiled.value = f64::NAN;
                "/value".to_owned()
            }
            1 if !spoiled.series.is_empty() => {
                let last = spoiled.series.len() - 1;
                spoiled.series[last] = f64::INFINITY;
                format!("/series/{last}")
            }
            _ => {
                spoiled.nullable = Some(f64::NEG_INFINITY);
                "/nullable".to_owned()
            }
        };
        let violations = spoiled.encode().expect_err("a non-finite float is refused");
        assert!(
            violations.0.iter().any(|v| v.pointer == pointer),
            "{pointer}: {violations}"
        );
        assert!(reading.encode().is_ok(), "{payload}");
        checked += 1;
    }
    assert!(checked >= 60, "{checked} readings");
}

#[test]
fn a_map_keeps_only_keys_the_writer_accepts() {
    use fidelity::types::LabelsV1;
    let bad = json!({ "id": "a", "labels": { "env": "prod", "BAD": "x" } });
    assert!(LabelsV1::decode(&serde_json::to_vec(&bad).unwrap()).is_err());
    let good = json!({ "id": "a", "labels": { "env": "prod" }, "limits": { "cpu": 2 } });
    assert_eq!(round_trip::<LabelsV1>(&good), good);
}

#[test]
fn a_date_time_keeps_its_offset() {
    use fidelity::types::MeetingV1;
    let payload = json!({ "id": "a", "starts_at": "2026-03-01T09:00:00+02:00",
        "reminders": ["2026-03-01T08:45:00-05:30"] });
    assert_eq!(round_trip::<MeetingV1>(&payload), payload);
    let meeting: MeetingV1 = decode(&payload);
    assert_eq!(meeting.starts_at.offset().local_minus_utc(), 7200);
    assert_eq!(
        meeting.starts_at.to_utc().to_rfc3339(),
        "2026-03-01T07:00:00+00:00"
    );
    // A zero offset is written `Z`: the same instant and offset (a listed normalization).
    let utc = json!({ "id": "b", "starts_at": "2026-03-01T09:00:00+00:00" });
    assert_eq!(
        round_trip::<MeetingV1>(&utc)["starts_at"],
        "2026-03-01T09:00:00Z"
    );
}

#[test]
fn integers_written_as_floats_decode_on_every_path() {
    use fidelity::types::CounterV1;
    let payload = json!({ "id": "a", "count": 3598.0, "delta": -3.0, "total": 1e3 });
    let bytes = serde_json::to_vec(&payload).unwrap();
    let native = CounterV1::decode(&bytes).expect("native path");
    let value = CounterV1::decode_value(&payload).expect("from a Value");
    let slow = CounterV1::decode_checked_value(&payload).expect("the validator's path");
    let any = fidelity::AnyEvent::decode("shapes.counter", 1, &bytes)
        .expect("AnyEvent")
        .expect("known");
    for counter in [&native, &value, &slow] {
        assert_eq!(
            (counter.count, counter.delta, counter.total),
            (3598, Some(-3), Some(1000))
        );
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&any.encode().unwrap()).unwrap(),
        json!({ "id": "a", "count": 3598, "delta": -3, "total": 1000 })
    );
    // The largest integer the bound admits decodes; the bound refuses one more, and 1e308.
    let max = json!({ "id": "a", "count": 18446744073709551615u64 });
    assert_eq!(decode::<CounterV1>(&max).count, u64::MAX);
    for beyond in [json!(18446744073709551616.0), json!(1e308)] {
        let payload = json!({ "id": "a", "count": beyond });
        let error = CounterV1::decode(&serde_json::to_vec(&payload).unwrap())
            .expect_err("beyond the bound");
        assert!(error.to_string().contains("/count"), "{error}");
    }
}

#[test]
fn generated_date_times_keep_their_instant_and_offset() {
    use fidelity::types::MeetingV1;
    use rand::prelude::*;
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..2_000 {
        let minutes: i32 = rng.random_range(-(23 * 60 + 59)..=23 * 60 + 59);
        let offset = match minutes {
            0 if rng.random_bool(0.5) => "Z".to_owned(),
            m => format!(
                "{}{:02}:{:02}",
                if m < 0 { '-' } else { '+' },
                m.abs() / 60,
                m.abs() % 60
            ),
        };
        let digits = rng.random_range(0..=9);
        let fraction = if digits == 0 {
            String::new()
        } else {
            format!(".{}", rng.random_range(0..10u64.pow(digits)))
        };
        let text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{offset}",
            rng.random_range(1..=9999),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60),
        );
        let payload = json!({ "id": "a", "starts_at": text, "reminders": [text] });
        let again = round_trip::<MeetingV1>(&payload);
        let (before, after) = (
            chrono::DateTime::parse_from_rfc3339(&text).unwrap(),
            chrono::DateTime::parse_from_rfc3339(again["starts_at"].as_str().unwrap()).unwrap(),
        );
        assert_eq!(before, after, "{text} → {}", again["starts_at"]);
        assert_eq!(
            before.offset(),
            after.offset(),
            "{text} → {}",
            again["starts_at"]
        );
        let schema: Value = serde_json::from_str(MeetingV1::SCHEMA).unwrap();
        assert_eq!(round_trip_difference(&schema, &payload, &again), None);
    }
}

#[test]
fn generated_integers_written_as_floats_decode_alike_on_every_path() {
    use fidelity::types::CounterV1;
    let writer: Value = serde_json::from_str(CounterV1::SCHEMA).unwrap();
    let mut checked = 0;
    for payload in samples(&writer, 40) {
        let mut floats = payload.clone();
        for field in ["count", "delta", "total"] {
            let Some(n) = payload.get(field).and_then(Value::as_i64) else {
                continue;
            };
            if n.unsigned_abs() < 1 << 53 {
                floats[field] = json!(n as f64);
            }
        }
        let expected: CounterV1 = decode(&payload);
        let bytes = serde_json::to_vec(&floats).unwrap();
        assert_eq!(CounterV1::decode(&bytes).unwrap(), expected, "{floats}");
        assert_eq!(
            CounterV1::decode_value(&floats).unwrap(),
            expected,
            "{floats}"
        );
        assert_eq!(
            CounterV1::decode_checked_value(&floats).unwrap(),
            expected,
            "{floats}"
        );
        let any = fidelity::AnyEvent::decode("shapes.counter", 1, &bytes)
            .unwrap()
            .unwrap();
        assert_eq!(any.encode().unwrap(), expected.encode().unwrap());
        checked += 1;
    }
    assert!(checked >= 100, "{checked} payloads");
}

#[test]
fn members_declared_beside_the_properties_are_kept() {
    use fidelity::types::ExtendedV1;
    let payload = json!({ "id": "a", "card": "4242", "billing": "London", "kind": "company",
        "vat": "GB1", "sealed": { "a": "x", "b": 1 } });
    assert_eq!(round_trip::<ExtendedV1>(&payload), payload);
    let event: ExtendedV1 = decode(&payload);
    assert_eq!(event.extra["billing"], "London");
    assert_eq!(event.extra["vat"], "GB1");
    // `sealed` stays closed for the reader: what it decodes, the writer accepts.
    let unknown = json!({ "id": "a", "sealed": { "a": "x", "z": 1 } });
    assert!(ExtendedV1::decode(&serde_json::to_vec(&unknown).unwrap()).is_err());
}

#[test]
fn members_a_keyword_tests_for_keep_null_and_empty_values() {
    use fidelity::types::PresenceV1;
    for payload in [
        json!({ "id": "a", "counted": { "a": null } }),
        json!({ "id": "a", "counted": { "b": [] } }),
        json!({ "id": "a", "counted": { "unknown": 1 } }),
        json!({ "id": "a", "chosen": { "note": null, "author": "x" } }),
        json!({ "id": "a", "either": { "left": null } }),
        json!({ "id": "a", "sealed": { "p": null, "q": 1 } }),
        // Absent stays absent: no default is filled in where a keyword tests presence.
        json!({ "id": "a", "chosen": {}, "either": { "right": {} }, "sealed": { "p": "x", "q": 1 } }),
    ] {
        assert_eq!(round_trip::<PresenceV1>(&payload), payload);
    }
    let written: PresenceV1 =
        decode(&json!({ "id": "a", "chosen": { "note": null, "author": "x" } }));
    assert_eq!(written.chosen.unwrap().note, Some(None), "null, not absent");
    let absent: PresenceV1 = decode(&json!({ "id": "a", "chosen": {} }));
    assert_eq!(absent.chosen.unwrap().note, None);
    // A closed object that counts its members stays closed for the reader: the struct would
    // drop the unknown member and leave an object `minProperties` refuses.
    let unknown = json!({ "id": "a", "sealed": { "z": 1 } });
    assert!(PresenceV1::decode(&serde_json::to_vec(&unknown).unwrap()).is_err());
}

//! The claims the generated producer check makes without checking: what serde writes for
//! these Rust types always satisfies the format, by jsonschema's judgement. Random values over
//! the whole range the check trusts, plus its edges; and outside that range the runtime check
//! the generated code falls back to agrees with jsonschema.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use contracts_runtime::native::{typed, Plan};
use rand::prelude::*;
use serde_json::{json, Value};

fn validator(format: &str) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&json!({ "type": "string", "format": format }))
        .unwrap()
}

fn plan(format: &str) -> Plan {
    Plan::compile(&json!({ "type": "string", "format": format })).unwrap()
}

/// A local date-time in `years` at a random offset (whole minutes, as RFC 3339 writes them;
/// zero a quarter of the time, which serde writes as `Z`).
fn random_date_time(
    rng: &mut StdRng,
    years: std::ops::RangeInclusive<i32>,
) -> DateTime<FixedOffset> {
    let date = NaiveDate::from_ymd_opt(rng.random_range(years), rng.random_range(1..=12), 1)
        .unwrap()
        + chrono::Days::new(rng.random_range(0..=30));
    // Whole seconds, milliseconds, microseconds and nanoseconds: serde writes each differently.
    let nanos = match rng.random_range(0..4) {
        0 => 0,
        1 => rng.random_range(0..1000) * 1_000_000,
        2 => rng.random_range(0..1_000_000) * 1000,
        _ => rng.random_range(0..1_000_000_000),
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(
        rng.random_range(0..24),
        rng.random_range(0..60),
        rng.random_range(0..60),
        nanos,
    )
    .unwrap();
    let minutes = if rng.random_range(0..4) == 0 {
        0
    } else {
        rng.random_range(-(23 * 60 + 59)..=23 * 60 + 59)
    };
    at(minutes, &date.and_time(time))
}

fn at(offset_minutes: i32, local: &chrono::NaiveDateTime) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(offset_minutes * 60)
        .unwrap()
        .from_local_datetime(local)
        .unwrap()
}

#[test]
fn date_times_in_years_1_to_9999_are_written_as_valid_date_times() {
    let (oracle, plan) = (validator("date-time"), plan("date-time"));
    let mut rng = StdRng::seed_from_u64(7);
    let mut values: Vec<DateTime<FixedOffset>> = (0..20_000)
        .map(|_| random_date_time(&mut rng, 1..=9999))
        .collect();
    let first = NaiveDate::from_ymd_opt(1, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)
        .unwrap()
        .and_hms_opt(23, 59, 59)
        .unwrap();
    for offset in [-(23 * 60 + 59), 0, 23 * 60 + 59] {
        values.push(at(offset, &first));
        values.push(at(offset, &last));
    }
    for value in values {
        let written = serde_json::to_value(value).unwrap();
        assert!(oracle.is_valid(&written), "{written}");
        assert!(typed::value_ok(&plan, plan.node_at("").unwrap(), &value));
    }
}

#[test]
fn outside_the_trusted_range_the_runtime_check_agrees_with_jsonschema() {
    let (oracle, plan) = (validator("date-time"), plan("date-time"));
    let root = plan.node_at("").unwrap();
    let mut rng = StdRng::seed_from_u64(8);
    let mut values: Vec<DateTime<FixedOffset>> = (0..4_000)
        .map(|i| {
            let years = if i % 2 == 0 {
                10_000..=200_000
            } else {
                -200_000..=0
            };
            random_date_time(&mut rng, years)
        })
        .collect();
    // A leap second (chrono keeps it as a nanosecond count past one billion).
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
        .unwrap();
    values.push(at(0, &leap));
    values.push(at(120, &leap));
    for value in values {
        let written = serde_json::to_value(value).unwrap();
        assert_eq!(
            typed::value_ok(&plan, root, &value),
            oracle.is_valid(&written),
            "{written}"
        );
    }
}

#[test]
fn dates_in_years_1_to_9999_are_written_as_valid_dates() {
    let (oracle, plan) = (validator("date"), plan("date"));
    let root = plan.node_at("").unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    for _ in 0..20_000 {
        let inside = random_date_time(&mut rng, 1..=9999).date_naive();
        assert!(
            oracle.is_valid(&serde_json::to_value(inside).unwrap()),
            "{inside}"
        );
        let outside = random_date_time(&mut rng, 10_000..=200_000).date_naive();
        let written = serde_json::to_value(outside).unwrap();
        assert_eq!(
            typed::value_ok(&plan, root, &outside),
            oracle.is_valid(&written),
            "{written}"
        );
    }
}

#[test]
fn every_uuid_is_written_as_a_valid_uuid() {
    let oracle = validator("uuid");
    let mut rng = StdRng::seed_from_u64(10);
    let edges = [0, u128::MAX];
    for bits in (0..20_000).map(|_| rng.random::<u128>()).chain(edges) {
        let written: Value = serde_json::to_value(uuid::Uuid::from_u128(bits)).unwrap();
        assert!(oracle.is_valid(&written), "{written}");
    }
}

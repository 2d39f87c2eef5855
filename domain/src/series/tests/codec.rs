use super::*;
use crate::aggregate::{DomainEvent, ErrorCode};
use crate::testing::series_events;

#[test]
fn every_series_event_round_trips_through_its_stored_form() {
    let events = series_events();
    let mut types: Vec<_> = events.iter().map(DomainEvent::event_type).collect();
    types.sort_unstable();
    let mut expected = SeriesEvent::TYPES.to_vec();
    expected.sort_unstable();
    assert_eq!(types, expected);
    for event in events {
        let back = SeriesEvent::from_stored(event.event_type(), 1, &event.to_data()).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn stores_outcomes_tagged_and_fingerprints_as_hex() {
    let data = completed(7, vec![authorized(7), DetailOutcome::NotProcessed]).to_data();
    assert_eq!(data["results"][0]["outcome"]["result"], "authorized");
    assert_eq!(data["results"][0]["outcome"]["cae_due_date"], "2025-07-11");
    assert_eq!(
        data["results"][1]["outcome"],
        serde_json::json!({"result": "not_processed"})
    );
    let data = started(7, &[1]).to_data();
    let hex = data["numbers"][0]["fingerprint"].as_str().unwrap();
    assert_eq!(hex, digest(1).at(7).to_string());
    assert_eq!(hex.len(), 64);
}

#[test]
fn refuses_a_stored_fingerprint_that_is_not_64_lowercase_hex_digits() {
    let mut data = started(7, &[1]).to_data();
    data["numbers"][0]["fingerprint"] = serde_json::json!("AB".repeat(32));
    let err = SeriesEvent::from_stored("series.submission_started", 1, &data).unwrap_err();
    assert_eq!(err.code(), "invalid_event_data");
}

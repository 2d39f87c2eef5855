use std::path::PathBuf;

use super::*;

mod check;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/events")
}

#[test]
fn committed_event_schemas_match_the_code() {
    let dir = schema_dir();
    let update = std::env::var("UPDATE_SCHEMAS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for schema in event_schemas() {
        let path = dir.join(schema.file_name());
        let expected = schema.file_content();
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(schema.file_name());
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/events is out of date for {stale:?}; rerun with UPDATE_SCHEMAS=1"
    );
}

#[test]
fn there_is_one_schema_per_event_type_and_version() {
    let names: Vec<String> = event_schemas().iter().map(EventSchema::file_name).collect();
    assert_eq!(names.len(), 51);
    for expected in [
        "invoice.requested.v1.json",
        "invoice.requested.v2.json",
        "invoice.emailed.v1.json",
        "invoice.email_failed.v1.json",
        "tenant.contact_email_set.v1.json",
        "invoice.number_assigned.v1.json",
        "invoice.submitted.v1.json",
        "invoice.cae_granted.v1.json",
        "invoice.rejected.v1.json",
        "invoice.submission_outcome_unknown.v1.json",
        "invoice.number_released.v1.json",
        "invoice.webhook_delivered.v1.json",
        "invoice.webhook_delivery_failed.v1.json",
        "invoice.document_issued.v1.json",
        "series.opened.v1.json",
        "series.numbers_reserved.v1.json",
        "series.submission_started.v1.json",
        "series.submission_completed.v1.json",
        "series.numbers_released.v1.json",
        "series.blocked.v1.json",
        "series.numbers_recovered.v1.json",
        "series.unblocked.v1.json",
        "series.halted.v1.json",
        "series.resumed.v1.json",
        "series.requests_queued.v1.json",
        "series.parked.v1.json",
        "series.stalled.v1.json",
        "series.resume_requested.v1.json",
        "taxpayer.registered.v1.json",
        "taxpayer.registered.v2.json",
        "taxpayer.point_of_sale_added.v1.json",
        "taxpayer.certificate_requested.v1.json",
        "taxpayer.certificate_installed.v1.json",
        "taxpayer.certificate_expiring.v1.json",
        "tenant.created.v1.json",
        "tenant.api_key_issued.v1.json",
        "tenant.api_key_issued.v2.json",
        "tenant.rate_limit_set.v1.json",
        "tenant.api_key_revoked.v1.json",
        "webhook.subscription_created.v1.json",
        "webhook.subscription_updated.v1.json",
        "webhook.subscription_paused.v1.json",
        "webhook.subscription_resumed.v1.json",
        "webhook.subscription_deleted.v1.json",
        "webhook.secret_rotated.v1.json",
        "webhook.subscription_disabled.v1.json",
        "webhook.subscription_enabled.v1.json",
        "webhook.test_requested.v1.json",
        "webhook.delivery_exhausted.v1.json",
        "arca.unavailable.v1.json",
        "arca.available.v1.json",
    ] {
        assert!(names.iter().any(|n| n == expected), "missing {expected}");
    }
}

#[test]
fn every_example_event_conforms_to_its_schema() {
    let schemas = event_schemas();
    let examples = crate::testing::example_event_data();
    assert_eq!(examples.len(), schemas.len(), "one example per event type");
    for (event_type, version, data) in examples {
        let schema = schemas
            .iter()
            .find(|s| s.event_type == event_type && s.version == version)
            .unwrap();
        let errors = check::conformance(&schema.schema, &data);
        assert!(errors.is_empty(), "{event_type} v{version}: {errors:?}");
    }
}

#[test]
fn the_conformance_check_catches_drift() {
    let schema = event_schemas()
        .into_iter()
        .find(|s| s.event_type == "invoice.requested" && s.version == 2)
        .unwrap()
        .schema;
    let (_, _, data) = crate::testing::example_event_data().remove(0);
    let mut missing = data.clone();
    missing.as_object_mut().unwrap().remove("totals");
    assert!(!check::conformance(&schema, &missing).is_empty());
    let mut extra = data.clone();
    extra["surprise"] = serde_json::json!(1);
    assert!(!check::conformance(&schema, &extra).is_empty());
    let mut mistyped = data.clone();
    mistyped["items"][0]["quantity"] = serde_json::json!(1.5);
    assert!(!check::conformance(&schema, &mistyped).is_empty());
    let mut bad_code = data;
    bad_code["voucher_type"] = serde_json::json!(14);
    bad_code["totals"]["total"] = serde_json::json!("1.5");
    assert_eq!(check::conformance(&schema, &bad_code).len(), 2);
}

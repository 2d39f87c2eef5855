use std::path::PathBuf;

use super::*;

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
fn there_is_one_schema_per_event_type_at_version_one() {
    let names: Vec<String> = event_schemas().iter().map(EventSchema::file_name).collect();
    assert_eq!(names.len(), 11);
    for expected in [
        "invoice.requested.v1.json",
        "invoice.number_assigned.v1.json",
        "invoice.submitted.v1.json",
        "invoice.cae_granted.v1.json",
        "invoice.rejected.v1.json",
        "invoice.submission_outcome_unknown.v1.json",
        "taxpayer.registered.v1.json",
        "taxpayer.point_of_sale_added.v1.json",
        "tenant.created.v1.json",
        "tenant.api_key_issued.v1.json",
        "tenant.api_key_revoked.v1.json",
    ] {
        assert!(names.iter().any(|n| n == expected), "missing {expected}");
    }
}

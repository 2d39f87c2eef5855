//! `arca bench webhooks` end to end with tiny numbers: the real binary, its scratch database,
//! its receiver; the last stdout line must report every delivery and no bad signature — with
//! the store's log as the feed, and through the relay and JetStream.

use std::process::Command;

use serde_json::Value;

/// Runs the bench with 50 events to 2 subscriptions and `extra` arguments; its report.
fn bench(extra: &[&str]) -> Value {
    let database = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let nats = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let output = Command::new(env!("CARGO_BIN_EXE_arca"))
        .args([
            "bench",
            "webhooks",
            "--events",
            "50",
            "--subscriptions",
            "2",
        ])
        .args(extra)
        .env("ARCA_DATABASE_URL", database)
        .env("ARCA_NATS_URL", nats)
        .env("ARCA_ENV", "sim")
        .env_remove("ARCA_CONFIG")
        .output()
        .expect("running arca bench webhooks");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the bench failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().expect("a last line");
    serde_json::from_str(last).expect("the last line is JSON")
}

fn every_delivery_arrived_signed(report: &Value) {
    assert_eq!(report["bench"], "webhooks");
    assert_eq!(report["events"], 50, "{report}");
    assert_eq!(report["expected"], 100, "{report}");
    assert_eq!(report["deliveries"], 100, "{report}");
    assert_eq!(report["missing"], 0, "{report}");
    assert_eq!(report["bad_signatures"], 0, "{report}");
    assert_eq!(report["unknown_events"], 0, "{report}");
    assert!(
        report["deliveries_per_s"].as_f64().unwrap_or(0.0) > 0.0,
        "{report}"
    );
    assert!(
        report["event_to_delivery_p99_ms"].as_f64().is_some(),
        "{report}"
    );
}

#[test]
fn bench_webhooks_delivers_every_event_to_every_subscription_with_valid_signatures() {
    let report = bench(&[]);
    assert_eq!(report["feed"], "store", "{report}");
    every_delivery_arrived_signed(&report);
}

#[test]
fn bench_webhooks_through_jetstream_delivers_every_event_too() {
    let report = bench(&["--feed", "jetstream"]);
    assert_eq!(report["feed"], "jetstream", "{report}");
    every_delivery_arrived_signed(&report);
}

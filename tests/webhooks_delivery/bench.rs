//! `arca bench webhooks` end to end with tiny numbers: the real binary, its scratch database,
//! its receiver; the last stdout line must report every delivery and no bad signature.

use std::process::Command;

use serde_json::Value;

#[test]
fn bench_webhooks_delivers_every_event_to_every_subscription_with_valid_signatures() {
    let database = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let output = Command::new(env!("CARGO_BIN_EXE_arca"))
        .args([
            "bench",
            "webhooks",
            "--events",
            "50",
            "--subscriptions",
            "2",
        ])
        .env("ARCA_DATABASE_URL", database)
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
    let report: Value = serde_json::from_str(last).expect("the last line is JSON");
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

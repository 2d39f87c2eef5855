//! Our signatures checked by a verifier nobody here wrote: the `standardwebhooks` package from
//! PyPI (installed by `ops/lib.sh`'s `ensure_test_tools` into a virtualenv whose python is
//! `ARCA_WEBHOOK_VERIFIER_PYTHON`). When `ARCA_REQUIRE_PY_VERIFIER=1` (as `ops/test` sets) a
//! missing python or package fails the test; otherwise it is reported and the test returns.

use std::{
    process::Command,
    time::{SystemTime, UNIX_EPOCH},
};

use secrecy::ExposeSecret as _;
use webhooks::{Secret, WEBHOOK_SIGNATURE, sign};

/// Verifies (headers, body) with `standardwebhooks`, then expects a one-byte change to the body
/// to fail verification. argv: secret, msg_id, timestamp, signature header, body (hex).
const SCRIPT: &str = r#"
import sys
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
secret, msg_id, ts, sig, body_hex = sys.argv[1:6]
body = bytes.fromhex(body_hex)
headers = {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": sig}
Webhook(secret).verify(body, headers)
tampered = bytes([body[0] ^ 1]) + body[1:]
try:
    Webhook(secret).verify(tampered, headers)
except WebhookVerificationError:
    print("verified")
    sys.exit(0)
sys.exit("a tampered body verified")
"#;

fn python() -> Option<String> {
    let python =
        std::env::var("ARCA_WEBHOOK_VERIFIER_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let found = Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(python);
    }
    let required = std::env::var("ARCA_REQUIRE_PY_VERIFIER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "ARCA_REQUIRE_PY_VERIFIER=1 but `{python}` cannot import standardwebhooks (run \
         ops/test, or `. ops/lib.sh; ensure_py_verifier`)"
    );
    eprintln!("reference verifier not installed; run through ops/test to check against it");
    None
}

fn verify_with_python(
    python: &str,
    secret: &Secret,
    msg_id: &str,
    ts: i64,
    header: &str,
    body: &[u8],
) {
    let output = Command::new(python)
        .args(["-c", SCRIPT, secret.encode().expose_secret(), msg_id])
        .args([&ts.to_string(), header])
        .arg(hex::encode(body))
        .output()
        .expect("python runs");
    assert!(
        output.status.success() && output.stdout.starts_with(b"verified"),
        "standardwebhooks refused our signature: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_reference_python_verifier_accepts_our_signatures_under_each_active_key() {
    let Some(python) = python() else { return };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let ts = i64::try_from(now).expect("seconds fit");
    let (new, old) = (Secret::generate(), Secret::generate());
    let body = br#"{"type":"invoice.authorized","data":{"total":"121.00"}}"#;
    let msg_id = "msg_0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let headers = sign(
        &[new.clone(), old.clone()],
        msg_id,
        "invoice.authorized",
        ts,
        body,
    )
    .expect("keys");
    let header = headers.get(WEBHOOK_SIGNATURE).expect("signature header");
    verify_with_python(&python, &new, msg_id, ts, header, body);
    verify_with_python(&python, &old, msg_id, ts, header, body);
}

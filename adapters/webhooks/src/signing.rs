//! Standard Webhooks v1 signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`) plus
//! the `X-ARCA-*` headers.
//!
//! `webhook-signature` is `v1,<base64 HMAC-SHA256(key, id "." timestamp "." body)>`, one entry per
//! active key, current key first, separated by spaces. `X-ARCA-Signature` is the hex HMAC-SHA256 of
//! the body alone, one per active key, current key first, separated by commas: during a rotation's
//! grace period a receiver that checks it accepts the old secret as long as a Standard Webhooks
//! receiver does.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::Secret;

/// The Standard Webhooks message id header (stable across retries).
pub const WEBHOOK_ID: &str = "webhook-id";
/// Unix seconds of this attempt.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// Hex HMAC-SHA256 of the body with the current key.
pub const ARCA_SIGNATURE: &str = "x-arca-signature";
/// The public event type.
pub const ARCA_EVENT: &str = "x-arca-event";
/// The delivery id (equal to `webhook-id`).
pub const ARCA_DELIVERY_ID: &str = "x-arca-delivery-id";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` only fails for fixed-size MACs.
    HmacSha256::new_from_slice(key).expect("HMAC takes any key length")
}

fn raw_signature(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = mac(secret.key());
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// `v1,<base64>` for one key.
#[must_use]
pub fn signature(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1,{}",
        STANDARD.encode(raw_signature(secret, msg_id, timestamp, body))
    )
}

/// Hex HMAC-SHA256 of `body` (the `X-ARCA-Signature` value).
#[must_use]
pub fn arca_signature(secret: &Secret, body: &[u8]) -> String {
    let mut mac = mac(secret.key());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The headers of one attempt, as (name, value) pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders(pub Vec<(&'static str, String)>);

impl SignedHeaders {
    /// The value of header `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Signs one attempt. `keys` are the subscription's active keys, current first; an empty list
/// signs nothing (the caller must not send).
#[must_use]
pub fn sign(
    keys: &[Secret],
    msg_id: &str,
    event_type: &str,
    timestamp: i64,
    body: &[u8],
) -> Option<SignedHeaders> {
    keys.first()?;
    let signatures: Vec<String> = keys
        .iter()
        .map(|key| signature(key, msg_id, timestamp, body))
        .collect();
    let arca: Vec<String> = keys.iter().map(|key| arca_signature(key, body)).collect();
    Some(SignedHeaders(vec![
        (WEBHOOK_ID, msg_id.to_owned()),
        (WEBHOOK_TIMESTAMP, timestamp.to_string()),
        (WEBHOOK_SIGNATURE, signatures.join(" ")),
        (ARCA_SIGNATURE, arca.join(",")),
        (ARCA_EVENT, event_type.to_owned()),
        (ARCA_DELIVERY_ID, msg_id.to_owned()),
    ]))
}

/// What a receiver does: true when any `v1` entry of `header` is the signature of
/// (`msg_id`, `timestamp`, `body`) under `secret`, compared in constant time. Other versions are
/// skipped. The timestamp window is the caller's business.
#[must_use]
pub fn verify(secret: &Secret, header: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> bool {
    let expected = raw_signature(secret, msg_id, timestamp, body);
    header
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, value)| STANDARD.decode(value).ok())
        .any(|given| bool::from(given.ct_eq(&expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_active_key_signs_both_headers_current_first() {
        let (new, old) = (Secret::generate(), Secret::generate());
        let body = br#"{"type":"invoice.authorized"}"#;
        let headers = sign(
            &[new.clone(), old.clone()],
            "msg_1",
            "invoice.authorized",
            7,
            body,
        )
        .expect("keys");
        let sigs = headers.get(WEBHOOK_SIGNATURE).expect("signature");
        let entries: Vec<&str> = sigs.split(' ').collect();
        assert_eq!(
            entries,
            [
                signature(&new, "msg_1", 7, body),
                signature(&old, "msg_1", 7, body)
            ]
        );
        assert!(verify(&old, sigs, "msg_1", 7, body));
        assert!(!verify(&Secret::generate(), sigs, "msg_1", 7, body));
        let arca = format!(
            "{},{}",
            arca_signature(&new, body),
            arca_signature(&old, body)
        );
        assert_eq!(headers.get("X-ARCA-Signature"), Some(arca.as_str()));
        assert_eq!(headers.get(ARCA_DELIVERY_ID), Some("msg_1"));
        assert_eq!(headers.get(WEBHOOK_TIMESTAMP), Some("7"));
        assert!(sign(&[], "msg_1", "x", 7, body).is_none());
    }
}

//! Mercado Libre: no signature exists (MARKETPLACES.md §2). A notification is accepted when its
//! `application_id` is ours and its `user_id` is a connected seller; its `topic` and `resource`
//! become a typed hint, and the order itself is then fetched with that seller's token.

use serde::Deserialize;

use super::VerifyError;

/// The fields of a notification body we read (the rest, such as `attempts`, is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MlNotification {
    /// `/orders/2000001234567890`, `/items/MLA123` …
    pub resource: String,
    /// The seller.
    #[serde(deserialize_with = "crate::de::id")]
    pub user_id: u64,
    /// `orders_v2`, `items`, `questions` …
    pub topic: String,
    /// The application the notification is for.
    #[serde(deserialize_with = "crate::de::id")]
    pub application_id: u64,
    /// The notification's own id, when the payload has one (a dedupe key).
    #[serde(default, rename = "_id")]
    pub notification_id: Option<String>,
    /// How many times ML has sent it.
    #[serde(default)]
    pub attempts: Option<u32>,
}

/// What a verified notification points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlHint {
    /// `orders_v2` (or the legacy `orders`): fetch `/orders/{order_id}`.
    Order {
        /// The seller whose token fetches it.
        seller_id: u64,
        /// The order id.
        order_id: u64,
    },
    /// Any other topic: recorded, not acted upon by the order flow.
    Other {
        /// The seller.
        seller_id: u64,
        /// The topic.
        topic: String,
        /// The resource as given.
        resource: String,
    },
}

/// Parses and checks a Mercado Libre notification. `is_connected` answers whether a seller id is
/// connected to us (a notification for a seller who disconnected is refused here; the caller
/// records what it must keep before calling).
pub fn verify_mercadolibre(
    body: &[u8],
    our_application_id: u64,
    is_connected: impl Fn(u64) -> bool,
) -> Result<(MlNotification, MlHint), VerifyError> {
    let note: MlNotification =
        serde_json::from_slice(body).map_err(|e| VerifyError::MalformedBody(e.to_string()))?;
    if note.application_id != our_application_id {
        return Err(VerifyError::WrongApplication {
            got: note.application_id,
        });
    }
    if !is_connected(note.user_id) {
        return Err(VerifyError::UnknownSeller {
            user_id: note.user_id,
        });
    }
    let hint = hint(&note)?;
    Ok((note, hint))
}

fn hint(note: &MlNotification) -> Result<MlHint, VerifyError> {
    let seller_id = note.user_id;
    if !matches!(note.topic.as_str(), "orders_v2" | "orders") {
        return Ok(MlHint::Other {
            seller_id,
            topic: note.topic.clone(),
            resource: note.resource.clone(),
        });
    }
    let malformed = || VerifyError::MalformedResource {
        topic: note.topic.clone(),
        resource: note.resource.clone(),
    };
    let id = note
        .resource
        .trim()
        .strip_prefix("/orders/")
        .ok_or_else(malformed)?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let order_id = id.parse().map_err(|_| malformed())?;
    Ok(MlHint::Order {
        seller_id,
        order_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: u64 = 2_069_392_825_111_111;
    const SELLER: u64 = 123_456_789;

    fn body(app: &str, user: &str, topic: &str, resource: &str) -> Vec<u8> {
        format!(
            r#"{{"_id":"f9f08571-1f65-4c46-9e0a-c0f43faac1c4","resource":"{resource}","user_id":{user},"topic":"{topic}","application_id":{app},"attempts":1,"sent":"2026-12-01T10:00:00.000Z","received":"2026-12-01T10:00:00.000Z"}}"#
        )
        .into_bytes()
    }

    fn connected(id: u64) -> bool {
        id == SELLER
    }

    #[test]
    fn turns_an_orders_v2_notification_into_an_order_hint() {
        let b = body(
            &APP.to_string(),
            "123456789",
            "orders_v2",
            "/orders/2000001234567890",
        );
        let (note, hint) = verify_mercadolibre(&b, APP, connected).unwrap();
        assert_eq!(
            hint,
            MlHint::Order {
                seller_id: SELLER,
                order_id: 2_000_001_234_567_890
            }
        );
        assert_eq!(
            note.notification_id.as_deref(),
            Some("f9f08571-1f65-4c46-9e0a-c0f43faac1c4")
        );
    }

    #[test]
    fn reads_ids_sent_as_strings() {
        let b = body(
            &format!("\"{APP}\""),
            "\"123456789\"",
            "orders_v2",
            "/orders/42",
        );
        let (_, hint) = verify_mercadolibre(&b, APP, connected).unwrap();
        assert!(matches!(hint, MlHint::Order { order_id: 42, .. }));
    }

    #[test]
    fn refuses_another_application() {
        let b = body("999", "123456789", "orders_v2", "/orders/42");
        assert_eq!(
            verify_mercadolibre(&b, APP, connected),
            Err(VerifyError::WrongApplication { got: 999 })
        );
    }

    #[test]
    fn refuses_a_seller_who_is_not_connected() {
        let b = body(&APP.to_string(), "555", "orders_v2", "/orders/42");
        assert_eq!(
            verify_mercadolibre(&b, APP, connected).unwrap_err().code(),
            "unknown_seller"
        );
    }

    #[test]
    fn refuses_an_order_resource_that_is_not_an_order_id() {
        for resource in [
            "/orders/",
            "/orders/abc",
            "/items/MLA1",
            "/orders/42/billing_info",
        ] {
            let b = body(&APP.to_string(), "123456789", "orders_v2", resource);
            assert_eq!(
                verify_mercadolibre(&b, APP, connected).unwrap_err().code(),
                "malformed_resource",
                "{resource}"
            );
        }
    }

    #[test]
    fn keeps_other_topics_as_plain_hints() {
        let b = body(&APP.to_string(), "123456789", "questions", "/questions/7");
        let (_, hint) = verify_mercadolibre(&b, APP, connected).unwrap();
        assert_eq!(
            hint,
            MlHint::Other {
                seller_id: SELLER,
                topic: "questions".into(),
                resource: "/questions/7".into()
            }
        );
    }

    #[test]
    fn refuses_a_body_that_is_not_a_notification() {
        for b in [
            &b""[..],
            b"{}",
            b"not json",
            br#"{"resource":"/orders/1","topic":"orders_v2"}"#,
        ] {
            assert_eq!(
                verify_mercadolibre(b, APP, connected).unwrap_err().code(),
                "malformed_notification"
            );
        }
    }
}

//! Request and response bodies of `/v1/webhooks/subscriptions`. Secrets appear in exactly two
//! answers (creation and rotation), and their `Debug` never prints them.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Body of `POST /v1/webhooks/subscriptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The endpoint: an absolute `https://` URL without credentials.
    #[schema(value_type = crate::shapes::WebhookUrl)]
    pub url: String,
    /// Event types to receive (`invoice.requested`, `invoice.authorized`, `invoice.rejected`,
    /// `invoice.outcome_unknown`, `arca.unavailable`, `arca.available`, `webhook.test`);
    /// absent or empty means all of them.
    #[serde(default)]
    #[schema(value_type = Vec<crate::shapes::EventType>)]
    pub event_types: Vec<String>,
    /// A note for humans, at most 500 characters.
    #[schema(value_type = Option<crate::shapes::Note500>)]
    pub description: Option<String>,
}

/// Body of `PATCH /v1/webhooks/subscriptions/{id}`: absent fields stay as they are; an empty
/// description removes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    /// New endpoint.
    #[schema(value_type = Option<crate::shapes::WebhookUrl>)]
    pub url: Option<String>,
    /// New event types (empty means all).
    #[schema(value_type = Option<Vec<crate::shapes::EventType>>)]
    pub event_types: Option<Vec<String>>,
    /// New description.
    #[schema(value_type = Option<crate::shapes::Note500>)]
    pub description: Option<String>,
}

/// Body of `POST /v1/webhooks/subscriptions/{id}/rotate-secret` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// How long the previous secret keeps signing: 0 (revoked at once) to 604800 (7 days);
    /// default 86400.
    #[schema(maximum = 604800)]
    pub grace_period_seconds: Option<u32>,
}

/// A subscription as the API shows it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// The subscription's id.
    pub id: Uuid,
    /// The endpoint.
    pub url: String,
    /// Event types it receives; empty means all.
    pub event_types: Vec<String>,
    /// A note for humans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active`, `paused` or `disabled`.
    pub status: String,
    /// Stream version; send it back as `If-Match` to change the subscription only if nobody
    /// else did.
    pub version: u64,
    /// When it was created (RFC 3339; reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it last changed (RFC 3339; reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// When the delivery engine disabled it (RFC 3339), while it is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

/// `201` of a creation: the subscription and its signing secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedSubscription {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// `whsec_` + base64 of the HMAC key. Store it now: it is never shown again.
    pub secret: String,
}

impl fmt::Debug for CreatedSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedSubscription")
            .field("subscription", &self.subscription)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// `200` of a rotation: the new secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The subscription.
    pub subscription_id: Uuid,
    /// The new secret; it signs from now on.
    pub secret: String,
    /// Until when the previous secret also signs (RFC 3339).
    pub previous_secret_valid_until: String,
}

impl fmt::Debug for RotatedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatedSecret")
            .field("subscription_id", &self.subscription_id)
            .field("secret", &"<redacted>")
            .field(
                "previous_secret_valid_until",
                &self.previous_secret_valid_until,
            )
            .finish()
    }
}

/// `202` of a test request.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestAccepted {
    /// The test's id; the delivery carries it.
    pub test_id: Uuid,
}

/// A page of subscriptions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionPage {
    /// The subscriptions (deleted ones are never listed).
    pub subscriptions: Vec<SubscriptionView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> SubscriptionView {
        SubscriptionView {
            id: Uuid::nil(),
            url: "https://hooks.example.com/".to_owned(),
            event_types: vec![],
            description: None,
            status: "active".to_owned(),
            version: 0,
            created_at: None,
            updated_at: None,
            disabled_at: None,
        }
    }

    #[test]
    fn debug_of_the_answers_that_carry_a_secret_never_prints_it() {
        let secret = "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0";
        let created = CreatedSubscription {
            subscription: view(),
            secret: secret.to_owned(),
        };
        let rotated = RotatedSecret {
            subscription_id: Uuid::nil(),
            secret: secret.to_owned(),
            previous_secret_valid_until: "2026-11-24T15:00:00Z".to_owned(),
        };
        for debug in [format!("{created:?}"), format!("{rotated:?}")] {
            assert!(!debug.contains("whsec_"), "{debug}");
            assert!(debug.contains("<redacted>"), "{debug}");
        }
        // The answer itself does carry it, once.
        let json = serde_json::to_value(&created).unwrap();
        assert_eq!(json["secret"], secret);
        assert_eq!(json["url"], "https://hooks.example.com/");
    }
}

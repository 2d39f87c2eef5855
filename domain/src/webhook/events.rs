//! What happened to a webhook subscription. No event ever holds a secret: only key references.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::aggregate::domain_events;
use crate::ids::SubscriptionId;

/// `webhook.subscription_created` v1: an endpoint was subscribed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionCreated {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// The endpoint.
    pub url: String,
    /// Public event types it receives; empty means all.
    pub event_types: Vec<String>,
    /// A note for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The signing key's reference (the secret is sealed elsewhere).
    pub key_id: Uuid,
}

/// `webhook.subscription_updated` v1: the fields present changed (an empty description was
/// removed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionUpdated {
    /// The new endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The new event types (empty means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
    /// The new description; empty when it was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `webhook.subscription_paused` v1: deliveries stopped until resumed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionPaused {}

/// `webhook.subscription_resumed` v1: deliveries resumed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionResumed {}

/// `webhook.subscription_deleted` v1: the subscription is gone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionDeleted {}

/// `webhook.secret_rotated` v1: `key_id` signs from now on; `previous_key_id` keeps signing
/// until `previous_valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SecretRotated {
    /// The new key's reference.
    pub key_id: Uuid,
    /// The key it replaces.
    pub previous_key_id: Uuid,
    /// Until when the previous key still signs.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub previous_valid_until: OffsetDateTime,
}

/// Why a subscription was disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisableReason {
    /// The endpoint kept failing for the configured time.
    FailingSince,
    /// The endpoint answered `410 Gone`.
    #[serde(rename = "gone_410")]
    Gone410,
}

impl DisableReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FailingSince => "failing_since",
            Self::Gone410 => "gone_410",
        }
    }
}

/// `webhook.subscription_disabled` v1: the delivery engine stopped a failing endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionDisabled {
    /// Why.
    pub reason: DisableReason,
    /// Since when it failed (or when it answered 410).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub since: OffsetDateTime,
}

/// `webhook.subscription_enabled` v1: a disabled subscription delivers again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SubscriptionEnabled {}

/// `webhook.test_requested` v1: a `webhook.test` delivery to this subscription was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TestRequested {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// The test's id.
    pub test_id: Uuid,
}

/// `webhook.delivery_exhausted` v1: a delivery to this subscription failed its last attempt (an
/// operational event the delivery engine writes; the subscription's state does not change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeliveryExhausted {
    /// The delivery.
    pub delivery_id: Uuid,
    /// The event it carried.
    pub event_id: Uuid,
    /// How many attempts were made.
    pub attempts: u32,
}

domain_events! {
    /// Every webhook subscription event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum SubscriptionEvent {
        /// See [`SubscriptionCreated`].
        Created(SubscriptionCreated) = "webhook.subscription_created",
        /// See [`SubscriptionUpdated`].
        Updated(SubscriptionUpdated) = "webhook.subscription_updated",
        /// See [`SubscriptionPaused`].
        Paused(SubscriptionPaused) = "webhook.subscription_paused",
        /// See [`SubscriptionResumed`].
        Resumed(SubscriptionResumed) = "webhook.subscription_resumed",
        /// See [`SubscriptionDeleted`].
        Deleted(SubscriptionDeleted) = "webhook.subscription_deleted",
        /// See [`SecretRotated`].
        SecretRotated(SecretRotated) = "webhook.secret_rotated",
        /// See [`SubscriptionDisabled`].
        Disabled(SubscriptionDisabled) = "webhook.subscription_disabled",
        /// See [`SubscriptionEnabled`].
        Enabled(SubscriptionEnabled) = "webhook.subscription_enabled",
        /// See [`TestRequested`].
        TestRequested(TestRequested) = "webhook.test_requested",
        /// See [`DeliveryExhausted`].
        DeliveryExhausted(DeliveryExhausted) = "webhook.delivery_exhausted",
    }
}

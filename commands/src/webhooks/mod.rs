//! Webhook subscriptions on the write side: the ports to the signing-secret vault and to the
//! subscriptions read table, the endpoint URL rules, and the two flows that mint a secret
//! (create, rotate); and the port to the delivery log ([`DeliveryLog`]).
//!
//! Secrets cross the [`SigningSecrets`] port only outbound, once, to be shown to the caller; they
//! are never logged or put in an event (events carry the key's `key_id`).

mod flows;
mod log;
mod url;

use domain::{GlobalPosition, SubscriptionId, TenantId};
use secrecy::SecretString;
use uuid::Uuid;

pub use flows::{SecretDeps, SubscriptionFlowError, create_subscription, rotate_secret};
pub use log::{DeliveryLog, DeliveryQuery, Redelivery};
pub use url::{UrlRules, check_url};

use crate::ports::ReadFailure;

/// Why the vault failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretFailure {
    /// The vault's storage failed; retrying later is safe.
    #[error("signing key storage unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// The signing-secret vault (implemented by the root over `webhooks.signing_keys`).
#[async_trait::async_trait]
pub trait SigningSecrets: Send + Sync {
    /// Makes a fresh secret, seals and stores it as `key_id` of `subscription`, and answers it
    /// (to be shown once). The key signs only once an event names it: a stored key no event
    /// references is never used.
    async fn issue(
        &self,
        tenant: TenantId,
        subscription: SubscriptionId,
        key_id: Uuid,
    ) -> Result<SecretString, SecretFailure>;
}

/// A subscription as the read table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRow {
    /// The subscription.
    pub subscription_id: Uuid,
    /// The endpoint.
    pub url: String,
    /// Event types; empty means all.
    pub event_types: Vec<String>,
    /// A note for humans.
    pub description: Option<String>,
    /// `active`, `paused` or `disabled`.
    pub status: String,
    /// Stream version applied.
    pub version: u64,
    /// When it was created.
    pub created_at: time::OffsetDateTime,
    /// When it last changed.
    pub updated_at: time::OffsetDateTime,
    /// When it was disabled, while it is.
    pub disabled_at: Option<time::OffsetDateTime>,
}

/// The subscriptions read table, within one tenant; deleted subscriptions are never answered.
#[async_trait::async_trait]
pub trait SubscriptionReads: Send + Sync {
    /// One subscription of `tenant`, or `None` (also when it belongs to another tenant).
    async fn subscription(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<SubscriptionRow>, ReadFailure>;

    /// Up to `limit` subscriptions of `tenant` after `after` (by id, oldest first).
    async fn subscriptions(
        &self,
        tenant: TenantId,
        limit: u32,
        after: Option<Uuid>,
    ) -> Result<Vec<SubscriptionRow>, ReadFailure>;

    /// Waits at most `within` until the table reflects the log up to `position`.
    async fn caught_up(
        &self,
        position: GlobalPosition,
        within: std::time::Duration,
    ) -> Result<bool, ReadFailure>;
}

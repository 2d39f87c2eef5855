//! Webhook subscriptions on the write side: the port to the signing-secret vault, the endpoint URL
//! rules, the two flows that mint a secret (create, rotate), and the port to the delivery log's
//! manual redeliveries ([`Redeliveries`]).
//!
//! Secrets cross the [`SigningSecrets`] port only outbound, once, to be shown to the caller; they
//! are never logged or put in an event (events carry the key's `key_id`).

mod flows;
mod log;
mod url;

use domain::{SubscriptionId, TenantId};
use secrecy::SecretString;
use uuid::Uuid;

pub use flows::{SecretDeps, SubscriptionFlowError, create_subscription, rotate_secret};
pub use log::{DeliveryLogFailure, Redeliveries, Redelivery};
pub use url::{UrlRules, check_url};

/// Why the vault failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretFailure {
    /// The vault's storage failed; retrying later is safe.
    #[error("signing key storage unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// The signing-secret vault (implemented by the delivery engine over the keys it signs with).
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

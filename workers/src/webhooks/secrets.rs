//! `webhooks.signing_keys`: endpoints' signing secrets sealed with AES-256-GCM under the
//! configured credentials key, the associated data binding each to its tenant, subscription and
//! key id (a row moved to another subscription does not open).
//!
//! A stored key signs only once an event names it: the subscriptions projection records the
//! current `key_id` on the subscription's row and, on a rotation, the previous key's
//! `valid_until`. [`PgSigningKeys::active`] answers the current secret first, then every
//! rotated-away one still in its grace period (at most [`MAX_OLD_KEYS`]).

use super::subscriptions::MAX_OLD_KEYS;
use arca_ws::credentials::{Sealed, SealingKey};
use commands::webhooks::{SecretFailure, SigningSecrets};
use domain::{SubscriptionId, TenantId};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why the vault failed.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// A stored secret did not open: another credentials key, or a moved or altered row.
    #[error("a signing key could not be opened (wrong credentials_key or moved row)")]
    Sealing,
    /// The database failed.
    #[error("signing key store: {0}")]
    Store(#[from] sqlx::Error),
}

/// The signing-secret vault. `Debug` shows no key material.
#[derive(Debug, Clone)]
pub struct PgSigningKeys {
    pool: PgPool,
    key: SealingKey,
}

fn associated_data(tenant: Uuid, subscription: Uuid, key_id: Uuid) -> Vec<u8> {
    format!("arca-webhook-secret:v1|{tenant}|{subscription}|{key_id}").into_bytes()
}

impl PgSigningKeys {
    /// Over `pool`, sealing with `key`.
    pub fn new(pool: PgPool, key: SealingKey) -> Self {
        Self { pool, key }
    }

    /// Seals and stores `secret` as `key_id` of `subscription_id`. It signs once an event
    /// names it (`webhook.subscription_created` or `webhook.secret_rotated`); until then (and
    /// forever, if the event never gets appended) the row is an unused orphan.
    ///
    /// # Errors
    /// Sealing or database failures.
    pub async fn create(
        &self,
        tenant: TenantId,
        subscription_id: SubscriptionId,
        key_id: Uuid,
        secret: &SecretString,
    ) -> Result<(), SigningKeyError> {
        let (tenant, subscription) = (tenant.as_uuid(), subscription_id.as_uuid());
        let aad = associated_data(tenant, subscription, key_id);
        let sealed = self
            .key
            .seal_bound(&aad, secret.expose_secret().as_bytes())
            .map_err(|_| SigningKeyError::Sealing)?;
        sqlx::query(
            "insert into webhooks.signing_keys \
             (key_id, subscription_id, tenant_id, nonce, ciphertext) values ($1, $2, $3, $4, $5)",
        )
        .bind(key_id)
        .bind(subscription)
        .bind(tenant)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The secrets that sign for `subscription_id` at `now`: the current one first, then the
    /// rotated-away ones whose grace has not ended, newest first (at most [`MAX_OLD_KEYS`]).
    /// Empty for a deleted or unknown subscription.
    ///
    /// # Errors
    /// A secret that does not open, or database failures.
    pub async fn active(
        &self,
        subscription_id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Vec<SecretString>, SigningKeyError> {
        let rows: Vec<(Uuid, Uuid, Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "select k.tenant_id, k.key_id, k.nonce, k.ciphertext \
             from webhooks.signing_keys k \
             join webhooks.subscriptions s \
               on s.subscription_id = k.subscription_id and s.tenant_id = k.tenant_id \
             where k.subscription_id = $1 and s.status <> 'deleted' \
               and (k.key_id = s.key_id or k.valid_until > $2) \
             order by (k.key_id = s.key_id) desc, k.valid_until desc, k.key_id desc \
             limit $3",
        )
        .bind(subscription_id)
        .bind(now)
        .bind(MAX_OLD_KEYS + 1)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(tenant, key_id, nonce, ciphertext)| {
                let aad = associated_data(tenant, subscription_id, key_id);
                let plain = self
                    .key
                    .open_bound(&aad, &Sealed { nonce, ciphertext })
                    .map_err(|_| SigningKeyError::Sealing)?;
                String::from_utf8(plain)
                    .map(SecretString::from)
                    .map_err(|_| SigningKeyError::Sealing)
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl SigningSecrets for PgSigningKeys {
    async fn issue(
        &self,
        tenant: TenantId,
        subscription: SubscriptionId,
        key_id: Uuid,
    ) -> Result<SecretString, SecretFailure> {
        let secret = webhooks::Secret::generate().encode();
        self.create(tenant, subscription, key_id, &secret)
            .await
            .map_err(|e| SecretFailure::Unavailable(anyhow::Error::new(e)))?;
        Ok(secret)
    }
}

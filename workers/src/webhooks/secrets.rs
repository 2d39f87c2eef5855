//! `webhooks.signing_keys`: endpoints' signing secrets sealed with AES-256-GCM under the
//! current key of the configured keyring (each row naming the key that sealed it), the
//! associated data binding each to its tenant, subscription and key id (a row moved to another
//! subscription does not open). [`PgSigningKeys::reseal_batch`] moves rows to the current key.
//!
//! A stored key signs only once an event names it: the subscriptions projection records the
//! current `key_id` on the subscription's row and, on a rotation, the previous key's
//! `valid_until`. [`PgSigningKeys::active`] answers the current secret first, then every
//! rotated-away one still in its grace period (at most [`MAX_OLD_KEYS`]).

use super::subscriptions::MAX_OLD_KEYS;
use arca_ws::credentials::{CredentialError, DEFAULT_KEY_ID, Keyring, Sealed};
use commands::webhooks::{SecretFailure, SigningSecrets};
use domain::{SubscriptionId, TenantId};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why the vault failed.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    /// A stored secret did not seal or open: its credentials key is not configured (the error
    /// names it), another key under its id, or a moved or altered row.
    #[error("webhook signing key: {0}")]
    Sealing(#[from] CredentialError),
    /// The database failed.
    #[error("signing key store: {0}")]
    Store(#[from] sqlx::Error),
}

/// The signing-secret vault. `Debug` shows no key material.
#[derive(Debug, Clone)]
pub struct PgSigningKeys {
    pool: PgPool,
    keyring: Keyring,
}

fn associated_data(tenant: Uuid, subscription: Uuid, key_id: Uuid) -> Vec<u8> {
    format!("arca-webhook-secret:v1|{tenant}|{subscription}|{key_id}").into_bytes()
}

/// A signing secret as [`PgSigningKeys::active`] reads it: tenant, key id, sealing key id,
/// nonce, ciphertext.
type ActiveRow = (Uuid, Uuid, Option<String>, Vec<u8>, Vec<u8>);

impl PgSigningKeys {
    /// Over `pool`, sealing with the current key of `keyring` and opening with the key each
    /// row names.
    pub fn new(pool: PgPool, keyring: Keyring) -> Self {
        Self { pool, keyring }
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
            .keyring
            .seal_bound(&aad, secret.expose_secret().as_bytes())?;
        sqlx::query(
            "insert into webhooks.signing_keys \
             (key_id, subscription_id, tenant_id, sealing_key_id, nonce, ciphertext) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key_id)
        .bind(subscription)
        .bind(tenant)
        .bind(&sealed.sealing_key_id)
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
        let rows: Vec<ActiveRow> = sqlx::query_as(
            "select k.tenant_id, k.key_id, k.sealing_key_id, k.nonce, k.ciphertext \
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
            .map(|(tenant, key_id, sealing_key_id, nonce, ciphertext)| {
                let aad = associated_data(tenant, subscription_id, key_id);
                let sealed = Sealed::stored(sealing_key_id, nonce, ciphertext);
                let plain = self.keyring.open_bound(&aad, &sealed)?;
                // The plaintext is wiped when dropped; the secret lives on in a `SecretString`.
                std::str::from_utf8(&plain)
                    .map(SecretString::from)
                    .map_err(|_| SigningKeyError::Sealing(CredentialError::Sealing))
            })
            .collect()
    }
}

/// A stored secret as the re-sealing reads it.
type SealedRow = (Uuid, Uuid, Uuid, Option<String>, Vec<u8>, Vec<u8>);

impl PgSigningKeys {
    /// Re-seals, in one transaction, up to `limit` secrets that another key than the current
    /// one sealed; rows someone else holds locked are left for a later batch. Answers how many
    /// it re-sealed (0: none left that it could take).
    ///
    /// # Errors
    /// A row sealed by a key the keyring does not hold (naming it) or that does not open, or
    /// database failures; the batch is then rolled back whole.
    #[tracing::instrument(name = "webhooks.reseal_batch", skip(self))]
    pub async fn reseal_batch(&self, limit: i64) -> Result<u64, SigningKeyError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<SealedRow> = sqlx::query_as(
            "select key_id, subscription_id, tenant_id, sealing_key_id, nonce, ciphertext \
             from webhooks.signing_keys where coalesce(sealing_key_id, $1) <> $2 \
             order by key_id limit $3 for update skip locked",
        )
        .bind(DEFAULT_KEY_ID)
        .bind(self.keyring.current_id())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let count = rows.len() as u64;
        for (key_id, subscription, tenant, sealing_key_id, nonce, ciphertext) in rows {
            let aad = associated_data(tenant, subscription, key_id);
            let stored = Sealed::stored(sealing_key_id, nonce, ciphertext);
            let sealed = self.keyring.reseal_bound(&aad, &stored)?;
            sqlx::query(
                "update webhooks.signing_keys set sealing_key_id = $2, nonce = $3, \
                 ciphertext = $4 where key_id = $1",
            )
            .bind(key_id)
            .bind(&sealed.sealing_key_id)
            .bind(&sealed.nonce)
            .bind(&sealed.ciphertext)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(count)
    }

    /// How many stored secrets another key than the current one sealed.
    ///
    /// # Errors
    /// Database failures.
    pub async fn sealed_by_other_keys(&self) -> Result<u64, SigningKeyError> {
        let count: i64 = sqlx::query_scalar(
            "select count(*) from webhooks.signing_keys where coalesce(sealing_key_id, $1) <> $2",
        )
        .bind(DEFAULT_KEY_ID)
        .bind(self.keyring.current_id())
        .fetch_one(&self.pool)
        .await?;
        Ok(count.unsigned_abs())
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

//! Moving issuers' sealed keys to the keyring's current key, one small transaction at a time
//! (`arca credentials reseal`). While a row is re-sealed it is locked; before and after, it
//! opens with the key its row names, so readers never wait and never fail while both keys are
//! configured.

use uuid::Uuid;

use super::CredentialError;
use super::keyring::DEFAULT_KEY_ID;
use super::sealing::{KeyOwner, Sealed};
use super::store::PgCredentialStore;

/// A stored key as the re-sealing reads it.
type SealedRow = (Uuid, Uuid, String, Option<String>, Vec<u8>, Vec<u8>);

impl PgCredentialStore {
    /// Re-seals, in one transaction, up to `limit` keys that another key than the current one
    /// sealed; rows someone else holds locked are left for a later batch. Answers how many it
    /// re-sealed (0: none left that it could take).
    ///
    /// # Errors
    /// A row sealed by a key the keyring does not hold
    /// ([`CredentialError::UnknownSealingKey`], naming it) or that does not open, or database
    /// failures; the batch is then rolled back whole.
    #[tracing::instrument(name = "credentials.reseal_batch", skip(self))]
    pub async fn reseal_batch(&self, limit: i64) -> Result<u64, CredentialError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<SealedRow> = sqlx::query_as(
            "SELECT key_id, tenant_id, cuit, sealing_key_id, nonce, ciphertext \
             FROM arca_ws.issuer_keys \
             WHERE destroyed_at IS NULL AND coalesce(sealing_key_id, $1) <> $2 \
             ORDER BY key_id LIMIT $3 FOR UPDATE SKIP LOCKED",
        )
        .bind(DEFAULT_KEY_ID)
        .bind(self.keyring.current_id())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let count = rows.len() as u64;
        for (key_id, tenant, cuit, sealing_key_id, nonce, ciphertext) in rows {
            let owner = KeyOwner {
                tenant,
                cuit: &cuit,
                key_id,
            };
            let stored = Sealed::stored(sealing_key_id, nonce, ciphertext);
            let sealed = self
                .keyring
                .reseal_bound(&owner.associated_data(), &stored)?;
            sqlx::query(
                "UPDATE arca_ws.issuer_keys SET sealing_key_id = $2, nonce = $3, ciphertext = $4 \
                 WHERE key_id = $1",
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

    /// How many stored keys (destroyed ones aside) another key than the current one sealed.
    ///
    /// # Errors
    /// Database failures.
    pub async fn sealed_by_other_keys(&self) -> Result<u64, CredentialError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM arca_ws.issuer_keys \
             WHERE destroyed_at IS NULL AND coalesce(sealing_key_id, $1) <> $2",
        )
        .bind(DEFAULT_KEY_ID)
        .bind(self.keyring.current_id())
        .fetch_one(&self.pool)
        .await?;
        Ok(count.unsigned_abs())
    }
}

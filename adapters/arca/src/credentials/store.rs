//! The Postgres store of sealed keys and installed certificates.

use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::RsaPrivateKey;
use sqlx::{PgPool, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::CredentialError;
use super::inspect::CertificateInfo;
use super::keyring::Keyring;
use super::sealing::{KeyOwner, Sealed};
use crate::certs::{Credentials, load_cert_pem};

/// Sealed keys and certificates in `arca_ws.issuer_keys` / `arca_ws.issuer_certificates`.
#[derive(Debug, Clone)]
pub struct PgCredentialStore {
    pub(super) pool: PgPool,
    pub(super) keyring: Keyring,
}

/// An installed certificate whose expiry has not been noted yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringCertificate {
    /// The tenant.
    pub tenant: Uuid,
    /// The issuer's CUIT.
    pub cuit: String,
    /// `sim`, `homologacion` or `produccion`.
    pub environment: String,
    /// Hex SHA-256 of the certificate's DER.
    pub fingerprint_sha256: String,
    /// Valid until.
    pub not_after: OffsetDateTime,
}

impl PgCredentialStore {
    /// A store over `pool` (migrated), sealing with the current key of `keyring` and opening
    /// with the key each row names.
    pub fn new(pool: PgPool, keyring: Keyring) -> Self {
        Self { pool, keyring }
    }

    /// Seals `key` for the issuer and stores it; answers its new reference.
    ///
    /// # Errors
    /// Database failures.
    #[tracing::instrument(name = "credentials.store_key", skip_all, fields(%tenant, cuit))]
    pub async fn store_key(
        &self,
        tenant: Uuid,
        cuit: &str,
        key: &RsaPrivateKey,
    ) -> Result<Uuid, CredentialError> {
        let key_id = Uuid::now_v7();
        let der = key
            .to_pkcs8_der()
            .map_err(|e| CredentialError::InvalidKey(e.to_string()))?;
        let owner = KeyOwner {
            tenant,
            cuit,
            key_id,
        };
        let sealed = self.keyring.seal(&owner, der.as_bytes())?;
        sqlx::query(
            "INSERT INTO arca_ws.issuer_keys \
             (key_id, tenant_id, cuit, sealing_key_id, nonce, ciphertext) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key_id)
        .bind(tenant)
        .bind(cuit)
        .bind(&sealed.sealing_key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .execute(&self.pool)
        .await?;
        Ok(key_id)
    }

    /// Deletes a key no certificate uses (one stored for a command that was then refused).
    ///
    /// # Errors
    /// Database failures.
    pub async fn discard_key(&self, tenant: Uuid, key_id: Uuid) -> Result<(), CredentialError> {
        sqlx::query(
            "DELETE FROM arca_ws.issuer_keys k WHERE k.key_id = $1 AND k.tenant_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM arca_ws.issuer_certificates c WHERE c.key_id = k.key_id)",
        )
        .bind(key_id)
        .bind(tenant)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Destroys a key for good: its ciphertext is erased, the row stays as a tombstone.
    ///
    /// # Errors
    /// Database failures.
    pub async fn destroy_key(&self, tenant: Uuid, key_id: Uuid) -> Result<bool, CredentialError> {
        let done = sqlx::query(
            "UPDATE arca_ws.issuer_keys SET nonce = NULL, ciphertext = NULL, destroyed_at = now() \
             WHERE key_id = $1 AND tenant_id = $2 AND destroyed_at IS NULL",
        )
        .bind(key_id)
        .bind(tenant)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The decrypted key `key_id` of the issuer, if it exists and was not destroyed.
    ///
    /// # Errors
    /// Database failures, a row sealed by a key the keyring does not hold
    /// ([`CredentialError::UnknownSealingKey`]), or a row that does not open for this issuer.
    pub async fn key(
        &self,
        tenant: Uuid,
        cuit: &str,
        key_id: Uuid,
    ) -> Result<Option<RsaPrivateKey>, CredentialError> {
        let row = sqlx::query(
            "SELECT sealing_key_id, nonce, ciphertext FROM arca_ws.issuer_keys \
             WHERE key_id = $1 AND tenant_id = $2 AND cuit = $3 AND destroyed_at IS NULL",
        )
        .bind(key_id)
        .bind(tenant)
        .bind(cuit)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed = Sealed::stored(
            row.try_get("sealing_key_id")?,
            row.try_get("nonce")?,
            row.try_get("ciphertext")?,
        );
        let owner = KeyOwner {
            tenant,
            cuit,
            key_id,
        };
        let der = self.keyring.open(&owner, &sealed)?;
        RsaPrivateKey::from_pkcs8_der(der.as_slice())
            .map(Some)
            .map_err(|_| CredentialError::Sealing)
    }

    /// Records the certificate installed for the issuer in `environment` (idempotent).
    ///
    /// # Errors
    /// Database failures.
    pub async fn attach_certificate(
        &self,
        tenant: Uuid,
        cuit: &str,
        environment: &str,
        key_id: Uuid,
        certificate: &CertificateInfo,
    ) -> Result<(), CredentialError> {
        sqlx::query(
            "INSERT INTO arca_ws.issuer_certificates \
             (fingerprint, tenant_id, cuit, environment, key_id, certificate_pem, not_after) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, cuit, environment, fingerprint) DO NOTHING",
        )
        .bind(&certificate.fingerprint_sha256)
        .bind(tenant)
        .bind(cuit)
        .bind(environment)
        .bind(key_id)
        .bind(&certificate.pem)
        .bind(certificate.not_after)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest certificate of issuer `cuit` of `tenant` for `environment` with its decrypted
    /// key: what signs a WSAA login. `None` when no certificate is installed (or its key was
    /// destroyed).
    ///
    /// # Errors
    /// Database failures, a stored certificate that does not parse, or a key that does not open.
    #[tracing::instrument(name = "credentials.load", skip_all, fields(%tenant, cuit, environment))]
    pub async fn credentials(
        &self,
        tenant: Uuid,
        cuit: &str,
        environment: &str,
    ) -> Result<Option<Credentials>, CredentialError> {
        let row = sqlx::query(
            "SELECT c.certificate_pem, c.key_id FROM arca_ws.issuer_certificates c \
             JOIN arca_ws.issuer_keys k ON k.key_id = c.key_id AND k.destroyed_at IS NULL \
             WHERE c.tenant_id = $1 AND c.cuit = $2 AND c.environment = $3 \
             ORDER BY c.installed_at DESC, c.not_after DESC LIMIT 1",
        )
        .bind(tenant)
        .bind(cuit)
        .bind(environment)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let pem: String = row.try_get("certificate_pem")?;
        let key_id: Uuid = row.try_get("key_id")?;
        let cert =
            load_cert_pem(&pem).map_err(|e| CredentialError::InvalidCertificate(e.to_string()))?;
        let Some(key) = self.key(tenant, cuit, key_id).await? else {
            return Ok(None);
        };
        Ok(Some(Credentials { cert, key }))
    }

    /// The issuers (tenant, CUIT) that installed a certificate for `environment` after `since`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn installed_since(
        &self,
        environment: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<(Uuid, String)>, CredentialError> {
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT DISTINCT tenant_id, cuit FROM arca_ws.issuer_certificates \
             WHERE environment = $1 AND installed_at > $2",
        )
        .bind(environment)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Certificates valid until before `before` whose expiry was not noted yet, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn expiring(
        &self,
        before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<ExpiringCertificate>, CredentialError> {
        let rows = sqlx::query(
            "SELECT tenant_id, cuit, environment, fingerprint, not_after \
             FROM arca_ws.issuer_certificates \
             WHERE expiry_noted_at IS NULL AND not_after < $1 ORDER BY not_after LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExpiringCertificate {
                    tenant: row.try_get("tenant_id")?,
                    cuit: row.try_get("cuit")?,
                    environment: row.try_get("environment")?,
                    fingerprint_sha256: row.try_get("fingerprint")?,
                    not_after: row.try_get("not_after")?,
                })
            })
            .collect()
    }

    /// Marks a certificate's expiry as noted, so [`expiring`](Self::expiring) skips it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn mark_expiry_noted(
        &self,
        cert: &ExpiringCertificate,
    ) -> Result<(), CredentialError> {
        sqlx::query(
            "UPDATE arca_ws.issuer_certificates SET expiry_noted_at = now() \
             WHERE tenant_id = $1 AND cuit = $2 AND environment = $3 AND fingerprint = $4",
        )
        .bind(cert.tenant)
        .bind(&cert.cuit)
        .bind(&cert.environment)
        .bind(&cert.fingerprint_sha256)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

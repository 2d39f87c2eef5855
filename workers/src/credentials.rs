//! The credential vault port of the write side, over the ARCA adapter's Postgres store: keys are
//! sealed with the current key of the configured keyring, certificates parsed with the adapter's X.509
//! code. The store itself lives in `arca_ws::credentials` because the adapter is the one that
//! needs the decrypted key (to sign WSAA logins) and already owns the `arca_ws` schema.

use std::time::Duration;

use arca_ws::certs::DEV_CA_NAME;
use arca_ws::credentials::{
    CertificateInfo, CredentialError, PgCredentialStore, inspect_certificate, key_for, new_request,
};
use commands::credentials::{CredentialFailure, IssuerCredentials, OwnKey, PreparedRequest};
use domain::{TenantId, series::Environment, taxpayer::CertificateFacts, values::Cuit};
use uuid::Uuid;

/// How long reading a brought private key (its decryption included) may take.
const KEY_READ_LIMIT: Duration = Duration::from_secs(10);

/// [`IssuerCredentials`] over [`PgCredentialStore`], for one ARCA environment.
#[derive(Debug, Clone)]
pub struct PgIssuerCredentials {
    store: PgCredentialStore,
    environment: Environment,
}

impl PgIssuerCredentials {
    /// The vault over `store`, installing certificates for `environment`.
    pub fn new(store: PgCredentialStore, environment: Environment) -> Self {
        Self { store, environment }
    }

    /// A certificate this environment may install. In `sim` that is one a development CA issued:
    /// a certificate ARCA signed has a real key behind it, which must never be sealed under the
    /// simulator's development sealing key (nor would the simulator accept it).
    fn installable(&self, certificate_pem: &str) -> Result<CertificateInfo, CredentialFailure> {
        let info = inspect_certificate(certificate_pem).map_err(failure)?;
        if self.environment == Environment::Sim && !info.from_dev_ca {
            return Err(CredentialFailure::InvalidCertificate(format!(
                "the simulator installs only certificates of the development CA ({DEV_CA_NAME}); \
                 this one was issued by {}: install a certificate ARCA signed in homologacion or \
                 produccion",
                info.issuer
            )));
        }
        Ok(info)
    }

    /// The underlying store (for the saga's "credentials of issuer X in environment Y").
    pub fn store(&self) -> &PgCredentialStore {
        &self.store
    }
}

fn failure(err: CredentialError) -> CredentialFailure {
    match err {
        CredentialError::InvalidCertificate(m) => CredentialFailure::InvalidCertificate(m),
        CredentialError::InvalidKey(m) => CredentialFailure::InvalidKey(m),
        CredentialError::KeyMismatch => CredentialFailure::KeyMismatch,
        CredentialError::Invalid(m) => CredentialFailure::InvalidRequest(m),
        other @ (CredentialError::Config(_)
        | CredentialError::Sealing
        | CredentialError::UnknownSealingKey(_)
        | CredentialError::Store(_)) => CredentialFailure::Unavailable(other.into()),
    }
}

/// The domain's view of a parsed certificate.
pub fn facts(info: &CertificateInfo) -> CertificateFacts {
    CertificateFacts {
        fingerprint_sha256: info.fingerprint_sha256.clone(),
        serial: info.serial.clone(),
        subject: info.subject.clone(),
        subject_cuit: info
            .subject_cuit
            .as_deref()
            .and_then(|c| Cuit::parse(c).ok()),
        public_key_sha256: info.public_key_sha256.clone(),
        not_before: info.not_before,
        not_after: info.not_after,
    }
}

#[async_trait::async_trait]
impl IssuerCredentials for PgIssuerCredentials {
    fn environment(&self) -> Environment {
        self.environment
    }

    async fn prepare_request(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        alias: &str,
        organization: &str,
    ) -> Result<PreparedRequest, CredentialFailure> {
        let cuit = cuit.to_string();
        let (alias, organization) = (alias.to_owned(), organization.to_owned());
        let cuit_for_key = cuit.clone();
        // RSA key generation takes a while: off the async workers.
        let request =
            tokio::task::spawn_blocking(move || new_request(&cuit_for_key, &alias, &organization))
                .await
                .map_err(|e| CredentialFailure::Unavailable(e.into()))?
                .map_err(failure)?;
        let key_id = self
            .store
            .store_key(tenant.as_uuid(), &cuit, &request.key)
            .await
            .map_err(failure)?;
        Ok(PreparedRequest {
            key_id,
            csr_pem: request.csr_pem,
            subject: request.subject,
            public_key_sha256: request.public_key_sha256,
        })
    }

    fn inspect(&self, certificate_pem: &str) -> Result<CertificateFacts, CredentialFailure> {
        // First of every installation: a certificate the environment refuses writes nothing.
        self.installable(certificate_pem).map(|info| facts(&info))
    }

    async fn store_own_key(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        certificate_pem: &str,
        key: &OwnKey,
    ) -> Result<Uuid, CredentialFailure> {
        let info = self.installable(certificate_pem)?;
        // Decrypting a brought key runs its KDF: off the async threads, and bounded in time
        // (its parameters are capped by `key_for` already; this bounds the rest).
        let (pem, passphrase) = (key.pem.clone(), key.passphrase.clone());
        let reading =
            tokio::task::spawn_blocking(move || key_for(&info, &pem, passphrase.as_deref()));
        let private = match tokio::time::timeout(KEY_READ_LIMIT, reading).await {
            Ok(Ok(read)) => read.map_err(failure)?,
            Ok(Err(stopped)) => {
                return Err(CredentialFailure::Unavailable(
                    anyhow::Error::new(stopped).context("reading the private key"),
                ));
            }
            Err(_) => {
                return Err(CredentialFailure::InvalidKey(format!(
                    "reading the private key took more than {} s; re-encrypt it with ordinary \
                     settings or upload it unencrypted over TLS",
                    KEY_READ_LIMIT.as_secs()
                )));
            }
        };
        self.store
            .store_key(tenant.as_uuid(), &cuit.to_string(), &private)
            .await
            .map_err(failure)
    }

    async fn discard_key(&self, tenant: TenantId, key_id: Uuid) -> Result<(), CredentialFailure> {
        self.store
            .discard_key(tenant.as_uuid(), key_id)
            .await
            .map_err(failure)
    }

    async fn attach_certificate(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        environment: Environment,
        key_id: Uuid,
        certificate_pem: &str,
    ) -> Result<(), CredentialFailure> {
        let info = self.installable(certificate_pem)?;
        self.store
            .attach_certificate(
                tenant.as_uuid(),
                &cuit.to_string(),
                environment.as_str(),
                key_id,
                &info,
            )
            .await
            .map_err(failure)
    }
}

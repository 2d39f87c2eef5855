//! Issuers' certificates: the port to the credential vault (keys sealed at rest, certificates
//! parsed and stored) and the two flows every caller shares — request a certificate (a key is
//! made server-side, a CSR comes back) and install one (signed for a request, or brought with its
//! own key). The REST endpoints and the simulator demo both go through [`install_certificate`].
//!
//! Private keys cross this port only inbound (a key the user brings, as PEM) and are never
//! returned, logged or put in an event: events carry the key's reference.

use std::{fmt, sync::Arc};

use domain::{
    EventMetadata, TenantId,
    aggregate::Context,
    series::Environment,
    taxpayer::{
        CertificateFacts, CertificateKey, InstallCertificate, NoteCertificateExpiry,
        RequestCertificate, Taxpayer, TaxpayerCommand,
    },
    values::Cuit,
};
use eventstore::EventStore;
use uuid::Uuid;

use crate::{
    handler::{self, Command, CommandError, EventIds, Executed},
    metrics::CommandMetrics,
};

/// A certificate request whose key is stored (sealed) already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The sealed key's reference.
    pub key_id: Uuid,
    /// The CSR to take to ARCA.
    pub csr_pem: String,
    /// The CSR's subject.
    pub subject: String,
    /// Hex SHA-256 of the key's public part.
    pub public_key_sha256: String,
}

/// A private key the user brings with its certificate. `Debug` never prints it.
pub struct OwnKey {
    /// PEM: PKCS#1, PKCS#8 or encrypted PKCS#8.
    pub pem: String,
    /// The passphrase of an encrypted key.
    pub passphrase: Option<String>,
}

impl fmt::Debug for OwnKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OwnKey(<redacted>)")
    }
}

/// Why the vault refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialFailure {
    /// The certificate is not a readable RSA certificate in PEM.
    #[error("the certificate is not a readable RSA certificate in PEM: {0}")]
    InvalidCertificate(String),
    /// The private key does not read (or its passphrase is wrong or missing).
    #[error("the private key could not be read: {0}")]
    InvalidKey(String),
    /// The private key is another certificate's.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    /// Request data that cannot go into a CSR.
    #[error("{0}")]
    InvalidRequest(String),
    /// The vault's storage failed; retrying later is safe.
    #[error("credential storage unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// The credential vault (implemented by `workers::credentials` over the ARCA adapter's Postgres store).
#[async_trait::async_trait]
pub trait IssuerCredentials: Send + Sync {
    /// The ARCA environment certificates are installed for.
    fn environment(&self) -> Environment;

    /// Makes an RSA 2048 key, seals and stores it, and answers the CSR for
    /// `C=AR, O=organization, CN=alias, serialNumber=CUIT cuit`.
    async fn prepare_request(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        alias: &str,
        organization: &str,
    ) -> Result<PreparedRequest, CredentialFailure>;

    /// Reads a PEM certificate.
    fn inspect(&self, certificate_pem: &str) -> Result<CertificateFacts, CredentialFailure>;

    /// Checks that `key` belongs to the certificate, then seals and stores it.
    async fn store_own_key(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        certificate_pem: &str,
        key: &OwnKey,
    ) -> Result<Uuid, CredentialFailure>;

    /// Deletes a stored key that no certificate uses.
    async fn discard_key(&self, tenant: TenantId, key_id: Uuid) -> Result<(), CredentialFailure>;

    /// Stores an installed certificate beside its key (idempotent).
    async fn attach_certificate(
        &self,
        tenant: TenantId,
        cuit: Cuit,
        environment: Environment,
        key_id: Uuid,
        certificate_pem: &str,
    ) -> Result<(), CredentialFailure>;
}

/// Why a certificate flow did not complete.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The vault refused or failed.
    #[error(transparent)]
    Credential(#[from] CredentialFailure),
    /// The taxpayer refused the command, or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// What the certificate flows need.
#[derive(Clone, Copy)]
pub struct CertificateDeps<'a> {
    /// The event store.
    pub store: &'a Arc<dyn EventStore>,
    /// Where commands are counted.
    pub metrics: &'a CommandMetrics,
    /// The vault.
    pub credentials: &'a dyn IssuerCredentials,
}

fn command(metadata: EventMetadata, cuit: Cuit, cmd: TaxpayerCommand) -> Command<Taxpayer> {
    Command {
        stream: Taxpayer::stream_id(metadata.tenant_id, &cuit),
        command: cmd,
        metadata,
        expected: None,
        fresh_stream: false,
        event_ids: EventIds::Fresh,
    }
}

/// Makes and stores a key, records `taxpayer.certificate_requested`, and answers the CSR.
/// A refused command leaves no key behind.
///
/// # Errors
/// An unregistered taxpayer, vault and store failures.
#[tracing::instrument(name = "certificates.request", skip_all, fields(tenant = %metadata.tenant_id))]
pub async fn request_certificate(
    deps: CertificateDeps<'_>,
    ctx: &Context,
    metadata: EventMetadata,
    cuit: Cuit,
    alias: &str,
    organization: &str,
) -> Result<(PreparedRequest, Executed<Taxpayer>), CertificateError> {
    let tenant = metadata.tenant_id;
    let stream = Taxpayer::stream_id(tenant, &cuit);
    let (taxpayer, _) = handler::load::<Taxpayer>(deps.store, tenant, &stream).await?;
    if !taxpayer.is_registered() {
        return Err(CommandError::rejected(domain::taxpayer::TaxpayerError::NotRegistered).into());
    }
    let prepared = deps
        .credentials
        .prepare_request(tenant, cuit, alias, organization)
        .await?;
    let cmd = TaxpayerCommand::RequestCertificate(RequestCertificate {
        key_id: prepared.key_id,
        subject: prepared.subject.clone(),
        public_key_sha256: prepared.public_key_sha256.clone(),
    });
    match handler::execute(deps.store, deps.metrics, ctx, command(metadata, cuit, cmd)).await {
        Ok(executed) => Ok((prepared, executed)),
        Err(err) => {
            discard(deps, tenant, prepared.key_id).await;
            Err(err.into())
        }
    }
}

/// Installs a certificate for the vault's environment: checks it (subject CUIT, validity, key),
/// records `taxpayer.certificate_installed` and stores the certificate beside its key. Installing
/// the same certificate again changes nothing and succeeds. A refused certificate leaves nothing
/// behind.
///
/// # Errors
/// An unreadable certificate or key, a key of another certificate, a domain refusal, vault and
/// store failures.
#[tracing::instrument(name = "certificates.install", skip_all, fields(tenant = %metadata.tenant_id))]
pub async fn install_certificate(
    deps: CertificateDeps<'_>,
    ctx: &Context,
    metadata: EventMetadata,
    cuit: Cuit,
    certificate_pem: &str,
    own_key: Option<&OwnKey>,
) -> Result<(CertificateFacts, Executed<Taxpayer>), CertificateError> {
    let tenant = metadata.tenant_id;
    let facts = deps.credentials.inspect(certificate_pem)?;
    let stored_key = match own_key {
        Some(key) => Some(
            deps.credentials
                .store_own_key(tenant, cuit, certificate_pem, key)
                .await?,
        ),
        None => None,
    };
    let environment = deps.credentials.environment();
    let cmd = TaxpayerCommand::InstallCertificate(InstallCertificate {
        certificate: facts.clone(),
        key: stored_key.map_or(CertificateKey::FromRequest, CertificateKey::Supplied),
        environment,
    });
    let executed =
        handler::execute(deps.store, deps.metrics, ctx, command(metadata, cuit, cmd)).await;
    let executed = match executed {
        Ok(executed) => executed,
        Err(err) => {
            if let Some(key_id) = stored_key {
                discard(deps, tenant, key_id).await;
            }
            return Err(err.into());
        }
    };
    let installed = executed
        .state
        .certificates()
        .installed(environment)
        .filter(|c| c.fingerprint_sha256 == facts.fingerprint_sha256)
        .map(|c| c.key_id)
        .ok_or_else(|| {
            CommandError::Unexpected(anyhow::anyhow!("installed certificate missing"))
        })?;
    if let Some(key_id) = stored_key.filter(|k| *k != installed) {
        // The same certificate was installed before, with the key stored then.
        discard(deps, tenant, key_id).await;
    }
    deps.credentials
        .attach_certificate(tenant, cuit, environment, installed, certificate_pem)
        .await?;
    Ok((facts, executed))
}

/// Records `taxpayer.certificate_expiring` for the certificate `fingerprint` of the issuer if it
/// expires within 30 days of `ctx.now` and was not noted before; answers whether it recorded it.
///
/// # Errors
/// Store failures, or a taxpayer that is not registered.
pub async fn note_certificate_expiry(
    deps: CertificateDeps<'_>,
    ctx: &Context,
    tenant: TenantId,
    cuit: Cuit,
    fingerprint_sha256: &str,
) -> Result<bool, CommandError> {
    let cmd = TaxpayerCommand::NoteCertificateExpiry(NoteCertificateExpiry {
        fingerprint_sha256: fingerprint_sha256.to_owned(),
    });
    let metadata = EventMetadata::for_tenant(tenant);
    let executed =
        handler::execute(deps.store, deps.metrics, ctx, command(metadata, cuit, cmd)).await?;
    Ok(!executed.events.is_empty())
}

async fn discard(deps: CertificateDeps<'_>, tenant: TenantId, key_id: Uuid) {
    if let Err(err) = deps.credentials.discard_key(tenant, key_id).await {
        tracing::warn!(%key_id, error = %err, "could not discard an unused key");
    }
}

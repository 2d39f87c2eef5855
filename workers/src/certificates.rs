//! Certificate chores outside the request path: the periodic expiry check (for
//! `serve --role workers`) and the `sim` demo that gives an issuer a certificate from the
//! simulator's development CA.

use std::{sync::Arc, time::Duration};

use anyhow::{Context as _, bail};
use arca_ws::certs::{Credentials, sign_request};
use commands::{
    CommandMetrics,
    credentials::{
        CertificateDeps, install_certificate, note_certificate_expiry, request_certificate,
    },
};
use domain::{
    EventMetadata, TenantId, aggregate::Context, series::Environment, taxpayer::CertificateFacts,
    taxpayer::EXPIRY_NOTICE, values::Cuit,
};
use eventstore::EventStore;

use crate::credentials::PgIssuerCredentials;

/// What the certificate expiry watch needs.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// The environment certificates are installed for.
    pub environment: Environment,
    /// The keys sealing issuers' private keys.
    pub keyring: arca_ws::credentials::Keyring,
}

/// Most certificates one expiry pass looks at.
const EXPIRY_BATCH: i64 = 500;

/// How long a certificate from the simulator's CA is valid.
const SIM_CERT_LIFETIME: Duration = Duration::from_secs(2 * 365 * 24 * 3600);

/// Records `taxpayer.certificate_expiring` once for every installed certificate that expires
/// within 30 days of `ctx.now`; answers how many it recorded. Safe to run from several instances
/// at once: the taxpayer aggregate records the notice once per certificate.
///
/// # Errors
/// Store failures; a failure on one certificate stops the pass (the next one resumes it).
#[tracing::instrument(name = "certificates.expiry", skip_all)]
pub async fn note_expiring_certificates(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    credentials: &PgIssuerCredentials,
    ctx: &Context,
) -> anyhow::Result<usize> {
    let deps = CertificateDeps {
        store,
        metrics,
        credentials,
    };
    let due = credentials
        .store()
        .expiring(ctx.now + EXPIRY_NOTICE, EXPIRY_BATCH)
        .await
        .context("listing expiring certificates")?;
    let mut recorded = 0;
    for cert in due {
        let cuit = Cuit::parse(&cert.cuit)
            .with_context(|| format!("stored certificate with CUIT {}", cert.cuit))?;
        let tenant = TenantId(cert.tenant);
        let noted =
            note_certificate_expiry(deps, ctx, tenant, cuit, &cert.fingerprint_sha256).await?;
        recorded += usize::from(noted);
        credentials
            .store()
            .mark_expiry_noted(&cert)
            .await
            .context("marking a certificate's expiry as noted")?;
    }
    Ok(recorded)
}

/// In the `sim` environment, gives the registered issuer `cuit` of `tenant` a certificate signed
/// by `ca` (the simulator's development CA, which the simulator must trust) through the same path
/// as the API: a certificate request (key made and sealed here), the CSR signed by the CA, the
/// certificate installed. No key ever leaves the vault.
///
/// # Errors
/// Any environment but `sim`, an unregistered issuer, and vault or store failures.
pub async fn install_sim_certificate(
    deps: CertificateDeps<'_>,
    ctx: &Context,
    tenant: TenantId,
    cuit: Cuit,
    ca: &Credentials,
) -> anyhow::Result<CertificateFacts> {
    if deps.credentials.environment() != Environment::Sim {
        bail!("development certificates are only for the sim environment");
    }
    let metadata = EventMetadata::for_tenant(tenant);
    let (request, _) = request_certificate(deps, ctx, metadata.clone(), cuit, "demo", "Demo")
        .await
        .context("requesting a certificate")?;
    let pem = sign_request(ca, &request.csr_pem, SIM_CERT_LIFETIME)
        .context("signing the CSR with the development CA")?;
    let (facts, _) = install_certificate(deps, ctx, metadata, cuit, &pem, None)
        .await
        .context("installing the development certificate")?;
    Ok(facts)
}

/// How often workers look for certificates about to expire.
const EXPIRY_EVERY: Duration = Duration::from_secs(3600);

/// `serve --role workers|all`: runs [`note_expiring_certificates`] at start and then hourly until
/// `shutdown` resolves; a failed pass is logged and the next one tries again.
///
/// # Errors
/// Postgres unreachable or no usable credentials key at start-up.
pub async fn watch_expiry(
    database_url: &secrecy::SecretString,
    config: &WatchConfig,
    policy: &domain::aggregate::Policy,
    metrics: &CommandMetrics,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    use secrecy::ExposeSecret as _;
    let events = eventstore::PgEventStore::connect(database_url.expose_secret(), 2)
        .await
        .context("connecting the certificate watch to Postgres (ARCA_DATABASE_URL)")?;
    let vault =
        arca_ws::credentials::PgCredentialStore::new(events.pool().clone(), config.keyring.clone());
    let credentials = PgIssuerCredentials::new(vault, config.environment);
    let store: Arc<dyn EventStore> = Arc::new(events);
    tokio::pin!(shutdown);
    loop {
        let ctx = Context {
            now: time::OffsetDateTime::now_utc(),
            policy: policy.clone(),
        };
        match note_expiring_certificates(&store, metrics, &credentials, &ctx).await {
            Ok(0) => {}
            Ok(noted) => tracing::info!(noted, "certificates expiring within 30 days noted"),
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "certificate expiry pass failed"
            ),
        }
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(EXPIRY_EVERY) => {}
        }
    }
}

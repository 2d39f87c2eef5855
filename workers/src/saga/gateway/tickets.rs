//! Issuers' WSAA tickets: [`BrokeredTickets`] gets them through the cluster-wide broker with
//! each issuer's certificate from a [`CredentialSource`] (the simulator's [`DevCa`], or the
//! certificates issuers installed, [`StoredCredentials`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_ws::ArcaError;
use arca_ws::broker::{BrokerError, TicketBroker};
use arca_ws::certs::{Credentials, dev_credentials};
use arca_ws::credentials::{Keyring, PgCredentialStore};
use arca_ws::wsaa::{SERVICE_WSFE, WsaaClient};
use arca_ws::wsfe::Auth;
use async_trait::async_trait;
use domain::TenantId;
use domain::series::Environment;
use domain::values::Cuit;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::once::OnceMap;

/// Why no ticket could be had.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// WSAA did not answer properly (no connection, timeout, HTTP 5xx, a "try later" fault):
    /// ARCA is unavailable.
    #[error("WSAA ticket of {cuit}: {cause}")]
    Unreachable {
        /// The issuer whose ticket was asked for (kept out of what other tenants may see).
        cuit: Cuit,
        /// What WSAA did, naming no issuer.
        cause: String,
    },
    /// The issuer has no certificate for this environment.
    #[error("{0}")]
    NoCertificate(String),
    /// WSAA refused the issuer's certificate (expired, revoked, not authorized for WSFEv1).
    #[error("{0}")]
    CertificateRefused(String),
    /// Anything else: the credential or ticket store, a ticket that cannot be read.
    #[error("{0}")]
    Refused(String),
}

impl TicketError {
    fn of(cuit: Cuit, error: &BrokerError) -> Self {
        let unreachable = || Self::Unreachable {
            cuit,
            cause: error.to_string(),
        };
        match error {
            BrokerError::Arca(ArcaError::Transport { .. } | ArcaError::Malformed { .. }) => {
                unreachable()
            }
            BrokerError::Arca(e @ ArcaError::Fault { .. }) if e.is_retryable() => unreachable(),
            BrokerError::Arca(ArcaError::Fault { .. }) => {
                Self::CertificateRefused(format!("WSAA refused the certificate of {cuit}: {error}"))
            }
            _ => Self::Refused(format!("WSAA ticket of {cuit}: {error}")),
        }
    }
}

/// Where an issuer's WSAA ticket comes from.
#[async_trait]
pub trait IssuerTickets: Send + Sync {
    /// A valid ticket for `cuit` as registered by `tenant`, as WSFEv1's `Auth`.
    async fn auth(&self, tenant: TenantId, cuit: Cuit) -> Result<Auth, TicketError>;
}

/// Where an issuer's certificate and key come from.
#[async_trait]
pub trait CredentialSource: Send + Sync {
    /// The credentials `tenant` installed for `cuit`, `None` when there are none.
    async fn credentials(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String>;

    /// The issuers that installed a certificate after `since` (none for a source whose
    /// credentials never change).
    async fn installed_since(
        &self,
        _since: OffsetDateTime,
    ) -> Result<Vec<(TenantId, Cuit)>, String> {
        Ok(Vec::new())
    }
}

/// The simulator's development CA: every issuer gets a leaf of it on first use, no ceremony.
pub struct DevCa {
    ca: Arc<Credentials>,
    /// Leaves by CUIT, each minted once however many ask for it at the same time.
    leaves: OnceMap<u64, Arc<Credentials>>,
}

impl DevCa {
    /// Leaves signed by `ca`, which the simulator trusts.
    pub fn new(ca: Credentials) -> Self {
        Self {
            ca: Arc::new(ca),
            leaves: OnceMap::with_capacity(usize::MAX),
        }
    }
}

#[async_trait]
impl CredentialSource for DevCa {
    async fn credentials(
        &self,
        _tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String> {
        let leaf = self
            .leaves
            .get_or_build(cuit.as_u64(), || async {
                let ca = Arc::clone(&self.ca);
                // A leaf is a new RSA key: CPU for a good while, off the async threads (which
                // carry every other series and request meanwhile), and no lock held.
                let minted = tokio::task::spawn_blocking(move || {
                    dev_credentials(&ca, &cuit.to_string(), "arca-sim")
                })
                .await
                .map_err(|e| format!("minting the leaf of {cuit}: {e}"))?
                .map_err(|e| e.to_string())?;
                Ok::<_, String>(Arc::new(minted))
            })
            .await?;
        Ok(Some(leaf))
    }
}

/// The certificates issuers installed (`PUT /v1/taxpayers/{cuit}/certificate`).
pub struct StoredCredentials {
    store: PgCredentialStore,
    environment: Environment,
}

impl StoredCredentials {
    /// Certificates of `environment` in `store`.
    pub fn new(store: PgCredentialStore, environment: Environment) -> Self {
        Self { store, environment }
    }
}

#[async_trait]
impl CredentialSource for StoredCredentials {
    async fn credentials(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<Arc<Credentials>>, String> {
        self.store
            .credentials(
                tenant.as_uuid(),
                &cuit.to_string(),
                self.environment.as_str(),
            )
            .await
            .map(|found| found.map(Arc::new))
            .map_err(|e| e.to_string())
    }

    async fn installed_since(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<(TenantId, Cuit)>, String> {
        let rows = self
            .store
            .installed_since(self.environment.as_str(), since)
            .await
            .map_err(|e| e.to_string())?;
        Ok(rows
            .into_iter()
            .filter_map(|(tenant, cuit)| Some((TenantId(tenant), Cuit::parse(&cuit).ok()?)))
            .collect())
    }
}

/// How long an issuer's credentials are used before they are looked up again (a newly
/// installed certificate takes over within this time).
const CREDENTIALS_TTL: Duration = Duration::from_secs(300);

/// An issuer's broker and when its credentials were looked up.
type Brokered = (Arc<TicketBroker>, Instant);

/// Tickets through the cluster-wide broker (one per certificate), with each issuer's
/// credentials from a [`CredentialSource`].
pub struct BrokeredTickets {
    pool: PgPool,
    keyring: Keyring,
    wsaa: WsaaClient,
    environment: Environment,
    credentials: Arc<dyn CredentialSource>,
    brokers: tokio::sync::Mutex<HashMap<(TenantId, u64), Brokered>>,
}

impl BrokeredTickets {
    /// Tickets from `wsaa` for `environment`, brokered in `pool`'s database, sealed there under
    /// `keyring`'s current key.
    pub fn new(
        pool: PgPool,
        keyring: Keyring,
        wsaa: WsaaClient,
        environment: Environment,
        credentials: Arc<dyn CredentialSource>,
    ) -> Self {
        Self {
            pool,
            keyring,
            wsaa,
            environment,
            credentials,
            brokers: tokio::sync::Mutex::default(),
        }
    }

    async fn broker(&self, tenant: TenantId, cuit: Cuit) -> Result<Arc<TicketBroker>, TicketError> {
        let mut brokers = self.brokers.lock().await;
        if let Some((broker, at)) = brokers.get(&(tenant, cuit.as_u64()))
            && at.elapsed() < CREDENTIALS_TTL
        {
            return Ok(Arc::clone(broker));
        }
        let not_sent = |e: String| TicketError::Refused(format!("credentials of {cuit}: {e}"));
        let creds = self
            .credentials
            .credentials(tenant, cuit)
            .await
            .map_err(not_sent)?
            .ok_or_else(|| {
                TicketError::NoCertificate(format!(
                    "{cuit} has no certificate for ARCA's {} environment: install one with \
                     PUT /v1/taxpayers/{cuit}/certificate",
                    self.environment
                ))
            })?;
        let broker = TicketBroker::new(
            self.pool.clone(),
            self.keyring.clone(),
            self.wsaa.clone(),
            creds,
            SERVICE_WSFE,
            self.environment.as_str(),
        )
        .map_err(|e| not_sent(e.to_string()))?;
        let broker = Arc::new(broker);
        brokers.insert(
            (tenant, cuit.as_u64()),
            (Arc::clone(&broker), Instant::now()),
        );
        Ok(broker)
    }
}

#[async_trait]
impl IssuerTickets for BrokeredTickets {
    async fn auth(&self, tenant: TenantId, cuit: Cuit) -> Result<Auth, TicketError> {
        let ticket = match self.broker(tenant, cuit).await?.ticket().await {
            Ok(ticket) => ticket,
            Err(error) => {
                let error = TicketError::of(cuit, &error);
                if matches!(error, TicketError::CertificateRefused(_)) {
                    // A certificate installed since takes over at the next call.
                    self.brokers.lock().await.remove(&(tenant, cuit.as_u64()));
                }
                return Err(error);
            }
        };
        Auth::from_ticket(&ticket, cuit.as_u64())
            .map_err(|e| TicketError::Refused(format!("WSAA ticket of {cuit}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test set-up panics on failure by design

    use arca_ws::certs::dev_ca;

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_leaf_is_minted_once_off_the_async_thread() {
        let ca = Arc::new(DevCa::new(dev_ca().unwrap()));
        let cuit: Cuit = "20267565393".parse().unwrap();
        let tenant = TenantId(uuid::Uuid::from_u128(1));
        let asks: Vec<_> = (0..2)
            .map(|_| {
                let ca = Arc::clone(&ca);
                tokio::spawn(async move { ca.credentials(tenant, cuit).await })
            })
            .collect();
        // Both asks ran up to their first pause; minting on this (only) thread would have
        // finished them before it came back here.
        tokio::task::yield_now().await;
        assert!(
            asks.iter().all(|ask| !ask.is_finished()),
            "the leaf was minted on the async thread"
        );
        let mut leaves = Vec::new();
        for ask in asks {
            leaves.push(ask.await.unwrap().unwrap().unwrap());
        }
        assert!(Arc::ptr_eq(&leaves[0], &leaves[1]), "minted once");
        let again = ca.credentials(tenant, cuit).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&leaves[0], &again));
    }
}

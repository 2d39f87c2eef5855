//! The ticket broker: one WSAA ticket per (certificate, service, environment) for the whole
//! cluster, kept in Postgres (`arca_ws.tickets`). Only the instance holding the key's advisory
//! lock (transaction-scoped; its namespace is listed as `ArcaTicket` in `infra::lease`'s table)
//! calls `loginCms`; the others wait for it, or keep using a still-valid ticket while it
//! renews. A restarted process reuses the stored ticket, so WSAA never sees a second login
//! while a ticket is valid (`coe.alreadyAuthenticated`).
//!
//! Tickets are sealed at rest under the keyring's current key (`store.rs`); a row that does not
//! open, or one a previous version kept in clear, is read as absent: the broker logs in again
//! (and keeps using a clear ticket only while WSAA refuses that login because it still lives).

mod store;

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::certs::Credentials;
use crate::credentials::{CredentialError, Keyring};
use crate::error::ArcaError;
use crate::wsaa::{Ticket, WsaaClient};
use store::{Stored, TicketRow};

pub use store::{reseal_tickets, stored_tickets, tickets_sealed_by_other_keys};

/// Why no ticket could be had.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// WSAA failed or refused.
    #[error(transparent)]
    Arca(#[from] ArcaError),
    /// The database failed.
    #[error("ticket store: {0}")]
    Store(#[from] sqlx::Error),
    /// A ticket does not serialize, or a stored one does not parse.
    #[error("stored ticket unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// A stored ticket could not be sealed or opened (re-sealing; serving reads it as absent).
    #[error("stored ticket: {0}")]
    Sealing(#[from] CredentialError),
}

/// Records where the ticket came from on the current `broker.acquire` span.
fn outcome(what: &'static str) {
    tracing::Span::current().record("outcome", what);
}

/// Hands out the shared ticket of one certificate for one service and environment.
#[derive(Debug)]
pub struct TicketBroker {
    pool: PgPool,
    keyring: Keyring,
    wsaa: WsaaClient,
    creds: Arc<Credentials>,
    service: String,
    environment: String,
    fingerprint: String,
    /// Renew when less than this is left.
    renew_before: Duration,
    cache: Mutex<Option<Ticket>>,
}

impl TicketBroker {
    /// The broker of `creds`' ticket for `service` in `environment`, storing it in `pool`'s
    /// database sealed under `keyring`'s current key.
    ///
    /// # Errors
    /// A certificate whose fingerprint cannot be computed.
    pub fn new(
        pool: PgPool,
        keyring: Keyring,
        wsaa: WsaaClient,
        creds: Arc<Credentials>,
        service: &str,
        environment: &str,
    ) -> Result<Self, ArcaError> {
        Ok(Self {
            fingerprint: creds.fingerprint()?,
            pool,
            keyring,
            wsaa,
            creds,
            service: service.to_owned(),
            environment: environment.to_owned(),
            renew_before: Duration::minutes(30),
            cache: Mutex::new(None),
        })
    }

    /// Renew when less than `margin` of the ticket's life is left (default 30 minutes).
    pub fn renew_before(mut self, margin: Duration) -> Self {
        self.renew_before = margin;
        self
    }

    fn cached(&self) -> Option<Ticket> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn remember(&self, t: &Ticket) {
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t.clone());
    }

    /// A ticket valid now: from memory, from the store, or from one `loginCms` cluster-wide.
    /// The span records where the ticket came from (`outcome`), never the token or the sign.
    #[tracing::instrument(
        name = "broker.acquire",
        skip_all,
        fields(operation = "acquire", service = %self.service, environment = %self.environment, outcome = tracing::field::Empty)
    )]
    pub async fn ticket(&self) -> Result<Ticket, BrokerError> {
        let now = OffsetDateTime::now_utc();
        if let Some(t) = self.cached().filter(|t| t.valid_at(now, self.renew_before)) {
            outcome("memory");
            return Ok(t);
        }
        let stored = self.load(&self.pool).await?.sealed();
        if let Some(t) = stored
            .as_ref()
            .filter(|t| t.valid_at(now, self.renew_before))
        {
            outcome("store");
            self.remember(t);
            return Ok(t.clone());
        }
        let mut tx = self.pool.begin().await?;
        let (k1, k2) = self.lock_keys();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
            .bind(k1)
            .bind(k2)
            .fetch_one(&mut *tx)
            .await?;
        if !got {
            // Someone else is renewing: keep using a still-valid ticket, else wait for theirs.
            if let Some(t) =
                stored.filter(|t| t.valid_at(OffsetDateTime::now_utc(), Duration::ZERO))
            {
                tx.rollback().await?;
                outcome("kept_while_another_renews");
                self.remember(&t);
                return Ok(t);
            }
            sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind(k1)
                .bind(k2)
                .execute(&mut *tx)
                .await?;
        }
        let current = self.load(&mut *tx).await?;
        if let Some(t) = current
            .sealed_ref()
            .filter(|t| t.valid_at(OffsetDateTime::now_utc(), self.renew_before))
        {
            tx.commit().await?;
            outcome("renewed_by_another");
            self.remember(t);
            return Ok(t.clone());
        }
        let fresh = match self.wsaa.login(&self.creds, &self.service).await {
            Ok(t) => t,
            Err(e) => {
                tx.rollback().await?;
                // WSAA refuses while the old ticket lives: keep using it until it expires
                // (one a previous version kept in clear included).
                if e.fault_code() == Some("coe.alreadyAuthenticated")
                    && let Some(t) = current
                        .any()
                        .filter(|t| t.valid_at(OffsetDateTime::now_utc(), Duration::ZERO))
                {
                    outcome("kept_after_already_authenticated");
                    self.remember(&t);
                    return Ok(t);
                }
                outcome("failed");
                return Err(e.into());
            }
        };
        store::save(&mut *tx, &self.keyring, &self.row(), &fresh).await?;
        tx.commit().await?;
        outcome("renewed");
        self.remember(&fresh);
        Ok(fresh)
    }

    fn row(&self) -> TicketRow<'_> {
        TicketRow {
            fingerprint: &self.fingerprint,
            service: &self.service,
            environment: &self.environment,
        }
    }

    async fn load<'e, E>(&self, exec: E) -> Result<Stored, BrokerError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Postgres>,
    {
        store::load(exec, &self.keyring, &self.row()).await
    }

    fn lock_keys(&self) -> (i32, i32) {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(format!(
            "{}|{}|{}",
            self.fingerprint, self.service, self.environment
        ));
        let k = |b: &[u8]| i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (0x4152_4341, k(&h[..4]))
    }
}

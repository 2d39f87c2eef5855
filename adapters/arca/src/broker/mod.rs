//! The ticket broker: one WSAA ticket per (certificate, service, environment) for the whole
//! cluster, kept in Postgres (`arca_ws.tickets`). Only the instance holding the key's advisory
//! lock (transaction-scoped; its namespace is listed as `ArcaTicket` in `infra::lease`'s table)
//! calls `loginCms`; the others wait for it, or keep using a still-valid ticket while it
//! renews. A restarted process reuses the stored ticket, so WSAA never sees a second login
//! while a ticket is valid (`coe.alreadyAuthenticated`).

use std::sync::{Arc, Mutex};

use sqlx::PgPool;
use sqlx::Row;
use time::{Duration, OffsetDateTime};

use crate::certs::Credentials;
use crate::error::ArcaError;
use crate::wsaa::{Ticket, WsaaClient};

/// Why no ticket could be had.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(transparent)]
    Arca(#[from] ArcaError),
    #[error("ticket store: {0}")]
    Store(#[from] sqlx::Error),
    #[error("stored ticket unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// Records where the ticket came from on the current `broker.acquire` span.
fn outcome(what: &'static str) {
    tracing::Span::current().record("outcome", what);
}

/// Hands out the shared ticket of one certificate for one service and environment.
#[derive(Debug)]
pub struct TicketBroker {
    pool: PgPool,
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
    pub fn new(
        pool: PgPool,
        wsaa: WsaaClient,
        creds: Arc<Credentials>,
        service: &str,
        environment: &str,
    ) -> Result<Self, ArcaError> {
        Ok(Self {
            fingerprint: creds.fingerprint()?,
            pool,
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
        let stored = self.load(&self.pool).await?;
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
            .as_ref()
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
                // WSAA refuses while the old ticket lives: keep using it until it expires.
                if e.fault_code() == Some("coe.alreadyAuthenticated")
                    && let Some(t) =
                        current.filter(|t| t.valid_at(OffsetDateTime::now_utc(), Duration::ZERO))
                {
                    outcome("kept_after_already_authenticated");
                    self.remember(&t);
                    return Ok(t);
                }
                outcome("failed");
                return Err(e.into());
            }
        };
        sqlx::query(
            "INSERT INTO arca_ws.tickets (cert_fingerprint, service, environment, ticket, expires_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, now())
             ON CONFLICT (cert_fingerprint, service, environment)
             DO UPDATE SET ticket = EXCLUDED.ticket, expires_at = EXCLUDED.expires_at, updated_at = now()",
        )
        .bind(&self.fingerprint)
        .bind(&self.service)
        .bind(&self.environment)
        .bind(serde_json::to_value(&fresh)?)
        .bind(fresh.expiration_time)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        outcome("renewed");
        self.remember(&fresh);
        Ok(fresh)
    }

    async fn load<'e, E>(&self, exec: E) -> Result<Option<Ticket>, BrokerError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Postgres>,
    {
        let row = sqlx::query("SELECT ticket FROM arca_ws.tickets WHERE cert_fingerprint = $1 AND service = $2 AND environment = $3")
            .bind(&self.fingerprint)
            .bind(&self.service)
            .bind(&self.environment)
            .fetch_optional(exec)
            .await?;
        match row {
            Some(r) => Ok(Some(serde_json::from_value(r.try_get("ticket")?)?)),
            None => Ok(None),
        }
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

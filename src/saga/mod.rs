//! Wiring of the ARCA saga for `serve --role workers|all`.
//!
//! The intake follows the global log from its checkpoint (`saga_intake` in `rm.checkpoints`) in the
//! one instance that holds the intake lease, so numbers are reserved in request order; the
//! checkpoint moves only after the batch's reservations are stored (they are idempotent, so a
//! crash in between repeats them harmlessly), and no transaction stays open while the saga works,
//! which would hold back every reader's watermark. Every series with work is then driven by the
//! instance holding its lease, so one process at a time talks to ARCA about a series. Leases are
//! Postgres session advisory locks: a process that dies loses them.

mod gateway;
mod instance;
mod lease;
mod metrics;
mod run;
mod voucher;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use commands::saga::{Drive, Saga, SagaError};
use domain::series::SeriesKey;
use domain::{RecordedEvent, TenantId};
use projections::{GlobalLog, ProjectionError, Projector, apply_batch, load_checkpoint};
use sqlx::{PgConnection, PgPool};

pub use gateway::{
    BrokeredTickets, CredentialSource, DevCa, IssuerTickets, StoredCredentials, WsGateway,
};
pub use instance::{Endpoints, instance};
pub use lease::{Lease, SeriesLeases};
pub use metrics::SagaMetrics;
pub use run::run;

/// The intake's checkpoint name in `rm.checkpoints`.
const INTAKE: &str = "saga_intake";
/// Events the intake reads at once.
const INTAKE_BATCH: usize = 500;

/// Moves the intake's checkpoint over a batch the saga has taken in; writes no rows.
struct IntakeCheckpoint;

#[async_trait]
impl Projector for IntakeCheckpoint {
    fn name(&self) -> &'static str {
        INTAKE
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        _batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        Ok(())
    }
}

/// One saga instance: its intake feed and the series it drives.
pub struct SagaWorker<L> {
    saga: Saga,
    log: L,
    leases: SeriesLeases,
    /// Held while this instance runs the intake.
    intake: Option<Lease>,
    pool: PgPool,
    /// Series to drive again, and not before when.
    retry: HashMap<(TenantId, SeriesKey), Instant>,
}

/// What one [`SagaWorker::step`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// Log events the intake went through.
    pub events: usize,
    /// Series driven.
    pub series: usize,
    /// Their reports, added up.
    pub drive: Drive,
}

impl<L: GlobalLog> SagaWorker<L> {
    /// A worker over `pool`'s database reading `log`.
    pub fn new(saga: Saga, pool: PgPool, log: L) -> Self {
        Self {
            saga,
            log,
            leases: SeriesLeases::new(pool.clone()),
            intake: None,
            pool,
            retry: HashMap::new(),
        }
    }

    /// Takes one batch of the log through the intake (when this instance leads it), then drives
    /// every series that got work or is due for another try.
    ///
    /// # Errors
    /// The intake failed (its batch is taken again by the next step); series failures are
    /// logged and retried after a pause.
    pub async fn step(&mut self) -> Result<Step, SagaError> {
        let now = Instant::now();
        let (events, mut due) = match self.intake().await {
            Ok(taken) => taken,
            // A blocked series holds the batch back until it is reconciled: drive it now.
            Err(SagaError::SeriesBusy { tenant, key }) => (0, vec![(tenant, key)]),
            Err(other) => return Err(other),
        };
        for (key, at) in &self.retry {
            if *at <= now && !due.contains(key) {
                due.push(*key);
            }
        }
        let mut step = Step {
            events,
            ..Step::default()
        };
        for (tenant, key) in due {
            self.retry.remove(&(tenant, key));
            match self.drive(tenant, &key).await {
                Ok(Some(report)) => {
                    step.series += 1;
                    add(&mut step.drive, report);
                }
                // Another instance leads it.
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(series = %key.stream_id(), %error, "driving the series failed; retrying shortly");
                    self.retry
                        .insert((tenant, key), now + Duration::from_millis(500));
                }
            }
        }
        Ok(step)
    }

    /// One batch after the intake's checkpoint: reserved, then the checkpoint moved over it.
    async fn intake(&mut self) -> Result<(usize, Vec<(TenantId, SeriesKey)>), SagaError> {
        let unexpected =
            |e: String| SagaError::Command(commands::CommandError::Unexpected(anyhow::anyhow!(e)));
        if !self
            .leads_intake()
            .await
            .map_err(|e| unexpected(e.to_string()))?
        {
            return Ok((0, Vec::new()));
        }
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| unexpected(e.to_string()))?;
        let after = load_checkpoint(&mut conn, INTAKE, 1)
            .await
            .map_err(|e| unexpected(e.to_string()))?
            .position;
        drop(conn);
        let batch = self
            .log
            .read_after(after, INTAKE_BATCH)
            .await
            .map_err(|e| unexpected(e.to_string()))?;
        if batch.is_empty() {
            return Ok((0, Vec::new()));
        }
        let touched = self.saga.intake(&batch).await?;
        apply_batch(&self.pool, &IntakeCheckpoint, 1, &batch)
            .await
            .map_err(|e| unexpected(e.to_string()))?;
        Ok((batch.len(), touched))
    }

    /// Whether this instance holds the intake lease (taking it when free, dropping it when its
    /// connection is gone).
    async fn leads_intake(&mut self) -> Result<bool, sqlx::Error> {
        if let Some(lease) = &mut self.intake {
            if lease.alive().await {
                return Ok(true);
            }
            tracing::warn!("the saga intake lease was lost with its connection");
            self.intake = None;
        }
        self.intake = self.leases.try_lead_named("arca.saga.intake").await?;
        Ok(self.intake.is_some())
    }

    /// Queues every series of the store for a drive: after a restart, a submission left in
    /// flight by a stopped worker is reconciled, and reservations left unsent are sent.
    ///
    /// # Errors
    /// Database failures.
    pub async fn recover(&mut self) -> Result<usize, sqlx::Error> {
        let rows: Vec<(String, uuid::Uuid)> =
            sqlx::query_as("select stream_id, tenant_id from es.streams where category = 'series'")
                .fetch_all(&self.pool)
                .await?;
        let now = Instant::now();
        let mut queued = 0;
        for (stream, tenant) in rows {
            if let Some(key) = SeriesKey::from_stream_id(&stream) {
                self.retry.insert((TenantId(tenant), key), now);
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Series waiting for another try.
    pub fn retrying(&self) -> usize {
        self.retry.len()
    }

    async fn drive(&self, tenant: TenantId, key: &SeriesKey) -> Result<Option<Drive>, SagaError> {
        let Some(lease) = self
            .leases
            .try_lead(key)
            .await
            .map_err(|e| SagaError::Command(commands::CommandError::Unexpected(e.into())))?
        else {
            return Ok(None);
        };
        let result = self.saga.drive(tenant, key).await;
        lease.release().await;
        result.map(Some)
    }
}

fn add(total: &mut Drive, one: Drive) {
    total.submissions += one.submissions;
    total.authorized += one.authorized;
    total.rejected += one.rejected;
    total.reconciliations += one.reconciliations;
    total.recovered += one.recovered;
    total.halted |= one.halted;
}

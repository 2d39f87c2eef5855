//! Wiring of the ARCA saga for `serve --role workers|all`: the intake follows the global log
//! (a checkpointed feed whose row lock makes instances take turns, so numbers are reserved in
//! request order), and every series with work is driven by the instance holding its lease (a
//! Postgres advisory lock), so one process at a time talks to ARCA about a series.

mod gateway;
mod lease;
mod voucher;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use commands::saga::{Drive, Saga, SagaError};
use domain::series::SeriesKey;
use domain::{RecordedEvent, TenantId};
use projections::{GlobalLog, ProjectionError, Projector, Runner};
use sqlx::{PgConnection, PgPool};

pub use gateway::{BrokeredTickets, IssuerTickets, WsGateway};
pub use lease::SeriesLeases;

/// The intake's checkpoint name in `rm.checkpoints`.
const INTAKE: &str = "saga_intake";

/// Feeds newly requested invoices to [`Saga::intake`] and remembers the series that got work.
struct Intake {
    saga: Saga,
    touched: Mutex<Vec<(TenantId, SeriesKey)>>,
}

#[async_trait]
impl Projector for Intake {
    fn name(&self) -> &'static str {
        INTAKE
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let touched = self
            .saga
            .intake(batch)
            .await
            .map_err(|e| ProjectionError::Log(format!("saga intake: {e}")))?;
        let mut all = self.touched.lock().unwrap_or_else(PoisonError::into_inner);
        for key in touched {
            if !all.contains(&key) {
                all.push(key);
            }
        }
        Ok(())
    }
}

/// One saga instance: its intake feed and the series it drives.
pub struct SagaWorker<L> {
    saga: Saga,
    runner: Runner<SharedIntake, L>,
    intake: Arc<Intake>,
    leases: SeriesLeases,
    /// Series to drive again, and not before when.
    retry: HashMap<(TenantId, SeriesKey), Instant>,
}

/// The runner's handle on the intake (the worker keeps another).
struct SharedIntake(Arc<Intake>);

#[async_trait]
impl Projector for SharedIntake {
    fn name(&self) -> &'static str {
        INTAKE
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        self.0.apply(conn, batch).await
    }
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
        let intake = Arc::new(Intake {
            saga: saga.clone(),
            touched: Mutex::default(),
        });
        Self {
            runner: Runner::new(pool.clone(), SharedIntake(Arc::clone(&intake)), log)
                .batch_size(500),
            leases: SeriesLeases::new(pool),
            saga,
            intake,
            retry: HashMap::new(),
        }
    }

    /// Takes one batch of the log through the intake, then drives every series that got work or
    /// is due for another try.
    ///
    /// # Errors
    /// The intake failed (its batch is retried by the next step); series failures are logged and
    /// retried with a pause.
    pub async fn step(&mut self) -> Result<Step, SagaError> {
        let events = self
            .runner
            .run_once()
            .await
            .map_err(|e| SagaError::Command(commands::CommandError::Unexpected(e.into())))?;
        let now = Instant::now();
        let mut due: Vec<(TenantId, SeriesKey)> = std::mem::take(
            &mut *self
                .intake
                .touched
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
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

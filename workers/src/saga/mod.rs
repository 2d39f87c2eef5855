//! The ARCA saga's runtime for `serve --role workers|all` (its decisions are `commands::saga`).
//!
//! The intake follows the global log from its checkpoint (`saga_intake` in `rm.checkpoints`) in the
//! one instance that holds the intake lease, so numbers are reserved in request order; the
//! checkpoint moves only after the batch's reservations are stored (they are idempotent, so a
//! crash in between repeats them harmlessly), and no transaction stays open while the saga works,
//! which would hold back every reader's watermark. Every series with work is then driven by the
//! instance holding its lease, so one process at a time talks to ARCA about a series. Leases are
//! Postgres session advisory locks (`infra::lease`): a process that dies loses them.
//!
//! A series' trouble stays its own: one whose answer was lost is reconciled after a pause that
//! grows with its failures in a row (250 ms doubling to 30 s); one parked for its issuer's
//! certificate is tried again as soon as that issuer installs one (looked for every second) or
//! after the same growing pause; a halted one waits until its stream moves (an operator's
//! resume). Meanwhile every other series is driven as usual.

mod gateway;
mod instance;
mod metrics;
mod run;
mod voucher;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use commands::saga::{Drive, Saga, SagaError};
use domain::series::SeriesKey;
use domain::{RecordedEvent, TenantId};
use eventstore::readings;
use futures::StreamExt;
use infra::{Backoff, Lease, Leases, LockSpace};
use projections::{GlobalLog, ProjectionError, Projector, apply_batch, load_checkpoint};
use sqlx::{PgConnection, PgPool};

pub use gateway::{
    Breaker, BrokeredTickets, CircuitPolicy, CredentialSource, DevCa, Exchange, ExchangeLog,
    IssuerTickets, Outages, PgExchanges, Phase, StoreOutages, StoredCredentials, TicketError,
    WsGateway,
};
pub use instance::{Endpoints, instance};
pub use metrics::SagaMetrics;
pub use run::{ArcaTarget, SagaConfig, SimTarget, run};

/// The intake's checkpoint name in `rm.checkpoints`.
const INTAKE: &str = "saga_intake";
/// Events the intake reads at once.
const INTAKE_BATCH: usize = 2000;
/// Series driven at once by one instance, each holding a pooled connection for its lease. 16 cut
/// `bench saga`'s request→CAE p50 while the intake reserved series one after the other; once they
/// reserve together it gives the same invoices/s as 4 (p50 ~0.2 s against ~0.3 s), and its twelve
/// extra connections per worker instance ran Postgres' default 100 out in the test suite.
pub const DRIVE_CONCURRENCY: usize = 4;
/// How often an instance looks for series that changed (work reserved by another instance's
/// intake, or left by a stopped instance).
const DISCOVER_EVERY: Duration = Duration::from_millis(200);
/// How soon a series led by another instance is looked at again (it may have stopped).
const LED_ELSEWHERE_RETRY: Duration = Duration::from_secs(1);
/// How often an instance with series parked for a certificate looks for newly installed ones.
const CERTIFICATES_EVERY: Duration = Duration::from_secs(1);
/// The pause after failed drives in a row: from 250 ms, doubling up to 30 s, with ±20 % jitter so
/// instances do not retry in step.
const BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(250), Duration::from_secs(30)).jittered(0.8, 1.2);

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
    leases: Leases,
    /// Held while this instance runs the intake.
    intake: Option<Lease>,
    pool: PgPool,
    /// Series to drive again, not before when, and the failures in a row so far.
    retry: HashMap<Series, Retry>,
    /// The stream version each series had when this instance last drove it.
    driven: HashMap<Series, u64>,
    /// When the series were last looked for.
    discovered_at: Option<Instant>,
    /// Where issuers' certificates come from, to wake series parked for one.
    credentials: Option<Arc<dyn CredentialSource>>,
    /// Series parked for their issuer's certificate.
    parked: HashSet<Series>,
    /// When newly installed certificates were last looked for.
    certificates_at: Option<(Instant, time::OffsetDateTime)>,
}

type Series = (TenantId, SeriesKey);

/// What driving one series gave: its report and the version it was driven at, `None` when
/// another instance leads it.
type Driven = Result<Option<(Drive, u64)>, SagaError>;

/// A series waiting for another drive.
#[derive(Debug, Clone, Copy)]
struct Retry {
    at: Instant,
    failures: u32,
}

/// What one [`SagaWorker::step`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Step {
    /// Log events the intake went through.
    pub events: usize,
    /// Series driven.
    pub series: usize,
    /// Their reports' counts, added up (what a drive says of its own series, such as a setback
    /// or a parking, is acted on here and not carried).
    pub drive: Drive,
}

impl<L: GlobalLog> SagaWorker<L> {
    /// A worker over `pool`'s database reading `log`.
    pub fn new(saga: Saga, pool: PgPool, log: L) -> Self {
        Self {
            saga,
            log,
            leases: Leases::new(lease_pool(&pool)),
            intake: None,
            pool,
            retry: HashMap::new(),
            driven: HashMap::new(),
            discovered_at: None,
            credentials: None,
            parked: HashSet::new(),
            certificates_at: None,
        }
    }

    /// Series parked for a certificate are tried again as soon as `credentials` has one.
    #[must_use]
    pub fn watching(mut self, credentials: Arc<dyn CredentialSource>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Takes one batch of the log through the intake (when this instance leads it), then drives
    /// every series that got work, changed since this instance last drove it, or is due for
    /// another try — up to [`DRIVE_CONCURRENCY`] at once.
    ///
    /// # Errors
    /// The intake failed (its batch is taken again by the next step); series failures are
    /// logged and retried with a growing pause.
    pub async fn step(&mut self) -> Result<Step, SagaError> {
        let now = Instant::now();
        let (events, mut due) = self.intake().await?;
        self.certified(now).await;
        due.retain(|series| self.retry.get(series).is_none_or(|r| r.at <= now));
        for (series, retry) in &self.retry {
            if retry.at <= now && !due.contains(series) {
                due.push(*series);
            }
        }
        for series in self.discover(now).await {
            if !due.contains(&series) && !self.retry.contains_key(&series) {
                due.push(series);
            }
        }
        let mut step = Step {
            events,
            ..Step::default()
        };
        let this = &*self;
        let driven: Vec<(Series, Driven)> = futures::stream::iter(due)
            .map(|(tenant, key)| async move { ((tenant, key), this.drive(tenant, &key).await) })
            .buffer_unordered(DRIVE_CONCURRENCY)
            .collect()
            .await;
        for (series, result) in driven {
            match result {
                Ok(Some((report, version))) => {
                    self.driven.insert(series, version);
                    step.series += 1;
                    add(&mut step.drive, report);
                    self.after(series, &report, now);
                }
                Ok(None) => {
                    let at = now + LED_ELSEWHERE_RETRY;
                    self.retry.insert(series, Retry { at, failures: 0 });
                }
                Err(error) => {
                    let failures = self.retry.get(&series).map_or(0, |r| r.failures) + 1;
                    let pause = BACKOFF.delay(failures);
                    tracing::warn!(series = %series.1.stream_id(), error = %infra::Causes(&error), ?pause, "driving the series failed; retrying");
                    let at = now + pause;
                    self.retry.insert(series, Retry { at, failures });
                }
            }
        }
        Ok(step)
    }

    /// What comes after a drive that went through: nothing (done, or halted until its stream
    /// moves), or another one after a growing pause (an answer lost, a certificate missing).
    fn after(&mut self, series: Series, report: &Drive, now: Instant) {
        if report.parked.is_some() {
            self.parked.insert(series);
        } else {
            self.parked.remove(&series);
        }
        if !(report.setback || report.parked.is_some()) {
            self.retry.remove(&series);
            return;
        }
        let failures = self.retry.get(&series).map_or(0, |r| r.failures) + 1;
        let pause = BACKOFF.delay(failures);
        if report.setback {
            tracing::warn!(series = %series.1.stream_id(), failures, ?pause, "an answer from ARCA was lost; reconciling after a pause");
        }
        let at = now + pause;
        self.retry.insert(series, Retry { at, failures });
    }

    /// Makes the series parked for a certificate due now when their issuer installed one since
    /// the last look (at most every [`CERTIFICATES_EVERY`]).
    async fn certified(&mut self, now: Instant) {
        let Some(credentials) = &self.credentials else {
            return;
        };
        if self.parked.is_empty() {
            self.certificates_at = None;
            return;
        }
        let wall = time::OffsetDateTime::now_utc();
        let since = match self.certificates_at {
            Some((at, _)) if now.duration_since(at) < CERTIFICATES_EVERY => return,
            Some((_, since)) => since,
            // Parked since before this instance looked: whatever was installed a while ago.
            None => wall - time::Duration::minutes(10),
        };
        // A margin for clocks and commits in flight: waking a series twice costs one drive.
        self.certificates_at = Some((now, wall - time::Duration::seconds(5)));
        let installed = match credentials.installed_since(since).await {
            Ok(installed) => installed,
            Err(error) => {
                tracing::warn!(%error, "looking for newly installed certificates failed");
                return;
            }
        };
        for series in &self.parked {
            if installed.contains(&(series.0, series.1.cuit))
                && let Some(retry) = self.retry.get_mut(series)
            {
                retry.at = now;
            }
        }
    }

    /// Series whose stream moved since this instance last drove them, looked for at most every
    /// [`DISCOVER_EVERY`].
    async fn discover(&mut self, now: Instant) -> Vec<Series> {
        if self
            .discovered_at
            .is_some_and(|at| now.duration_since(at) < DISCOVER_EVERY)
        {
            return Vec::new();
        }
        self.discovered_at = Some(now);
        match series_versions(&self.pool).await {
            Ok(rows) => rows
                .into_iter()
                .filter(|(series, version)| self.driven.get(series) != Some(version))
                .map(|(series, _)| series)
                .collect(),
            Err(error) => {
                tracing::warn!(error = %infra::Causes(&error), "looking for series with work failed");
                Vec::new()
            }
        }
    }

    /// One batch after the intake's checkpoint: reserved, then the checkpoint moved over it.
    async fn intake(&mut self) -> Result<(usize, Vec<(TenantId, SeriesKey)>), SagaError> {
        if !self
            .leads_intake()
            .await
            .map_err(unexpected("taking the intake lease"))?
        {
            return Ok((0, Vec::new()));
        }
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(unexpected("connecting for the intake checkpoint"))?;
        let after = load_checkpoint(&mut conn, INTAKE, 1)
            .await
            .map_err(unexpected("loading the intake checkpoint"))?
            .position;
        drop(conn);
        let batch = self
            .log
            .read_after(after, INTAKE_BATCH)
            .await
            .map_err(unexpected("reading the log after the intake checkpoint"))?;
        if batch.is_empty() {
            return Ok((0, Vec::new()));
        }
        let touched = self.saga.intake(&batch).await?;
        apply_batch(&self.pool, &IntakeCheckpoint, 1, &batch)
            .await
            .map_err(unexpected("moving the intake checkpoint"))?;
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
        self.intake = self.leases.try_lead(LockSpace::SagaIntake, "").await?;
        Ok(self.intake.is_some())
    }

    /// Queues every series of the store for a drive: after a restart, a submission left in
    /// flight by a stopped worker is reconciled, and reservations left unsent are sent.
    ///
    /// # Errors
    /// Database failures.
    pub async fn recover(&mut self) -> Result<usize, sqlx::Error> {
        let rows = series_versions(&self.pool).await?;
        let now = Instant::now();
        for (series, _) in &rows {
            self.retry.insert(
                *series,
                Retry {
                    at: now,
                    failures: 0,
                },
            );
        }
        Ok(rows.len())
    }

    /// Series waiting for another try.
    pub fn retrying(&self) -> usize {
        self.retry.len()
    }

    /// Drives the series if this instance gets its lease: the report, and the series' stream
    /// version seen under the lease before driving; `None` when another instance leads it.
    async fn drive(&self, tenant: TenantId, key: &SeriesKey) -> Driven {
        let unexpected =
            |e: sqlx::Error| SagaError::Command(commands::CommandError::Unexpected(e.into()));
        let series = self.saga.stream_of(tenant, key).await?;
        let leased = self
            .leases
            .try_lead(LockSpace::Series, series.as_str())
            .await;
        let Some(lease) = leased.map_err(unexpected)? else {
            return Ok(None);
        };
        let version = match readings::stream_version(&self.pool, &series).await {
            Ok(version) => version,
            Err(error) => {
                lease.release().await;
                return Err(unexpected(error));
            }
        };
        let result = self.saga.drive(tenant, key).await;
        lease.release().await;
        result.map(|report| Some((report, version)))
    }
}

/// A pool of its own for the leases (each held for a whole drive), so drives waiting for a lease
/// never starve the appends and reads of the drives that hold one.
fn lease_pool(pool: &PgPool) -> PgPool {
    let leases = u32::try_from(DRIVE_CONCURRENCY + 1).unwrap_or(u32::MAX);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(leases)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// Every series stream with its tenant and version.
async fn series_versions(pool: &PgPool) -> Result<Vec<(Series, u64)>, sqlx::Error> {
    let streams = readings::streams_in(pool, "series").await?;
    Ok(streams
        .into_iter()
        .filter_map(|s| {
            let key = SeriesKey::from_stream_id(s.stream.as_str())?;
            Some(((s.tenant, key), s.version))
        })
        .collect())
}

fn add(total: &mut Drive, one: Drive) {
    total.submissions += one.submissions;
    total.authorized += one.authorized;
    total.rejected += one.rejected;
    total.reconciliations += one.reconciliations;
    total.recovered += one.recovered;
    total.halted |= one.halted;
}

/// An infrastructure failure of the intake, its cause kept for the log line.
fn unexpected<E>(what: &'static str) -> impl FnOnce(E) -> SagaError
where
    E: std::error::Error + Send + Sync + 'static,
{
    move |e| {
        SagaError::Command(commands::CommandError::Unexpected(
            anyhow::Error::new(e).context(what),
        ))
    }
}

//! The circuit breaker in front of one ARCA environment, shared by every series and tenant of
//! the process: after a run of transport-level failures (no connection, timeout, HTTP 5xx, SOAP
//! fault, WSAA down) calls fail at once with "circuit open" instead of hammering ARCA; a
//! background task probes with `FEDummy` after each cool-down and closes the circuit when ARCA
//! answers. The outage's start and end are recorded as `arca.unavailable` / `arca.available`.

mod circuit;
mod outages;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use arca_ws::wsfe::WsfeClient;
use async_trait::async_trait;
use commands::saga::GatewayError;
use domain::series::Environment;
use time::OffsetDateTime;

pub use circuit::{Circuit, CircuitPolicy, Phase};
pub use outages::{Outages, StoreOutages};

use crate::saga::SagaMetrics;

/// What a call's answer tells the breaker about ARCA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// ARCA answered (a business rejection is an answer).
    Answered,
    /// ARCA did not answer properly; the reason is kept for the outage event.
    Failed(String),
    /// Nothing to learn (the call never left, for a reason of our own).
    Unknown,
}

/// How the breaker asks whether ARCA is back.
#[async_trait]
pub trait Probe: Send + Sync {
    /// `Ok` when ARCA answers.
    async fn probe(&self) -> Result<(), String>;
}

#[async_trait]
impl Probe for WsfeClient {
    async fn probe(&self) -> Result<(), String> {
        self.dummy().await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// The run of failures that is under way.
#[derive(Debug, Default)]
struct Run {
    /// When its first failure happened.
    since: Option<OffsetDateTime>,
    /// Its last failure.
    reason: String,
}

#[derive(Debug)]
struct Inner {
    circuit: Circuit,
    run: Run,
}

/// One environment's breaker.
pub struct Breaker {
    environment: Environment,
    inner: Mutex<Inner>,
    probe: Arc<dyn Probe>,
    outages: Arc<dyn Outages>,
    metrics: Option<SagaMetrics>,
}

/// The breakers of this process, by environment and WSFEv1 address (one per ARCA; tests that
/// run several simulators in one process get one each).
type Registry = Mutex<HashMap<(Environment, String), Weak<Breaker>>>;

static BREAKERS: LazyLock<Registry> = LazyLock::new(Mutex::default);

impl Breaker {
    /// A closed breaker for `environment`.
    pub fn new(
        environment: Environment,
        policy: CircuitPolicy,
        probe: Arc<dyn Probe>,
        outages: Arc<dyn Outages>,
        metrics: Option<SagaMetrics>,
    ) -> Arc<Self> {
        let breaker = Arc::new(Self {
            environment,
            inner: Mutex::new(Inner {
                circuit: Circuit::new(policy),
                run: Run::default(),
            }),
            probe,
            outages,
            metrics,
        });
        if let Some(m) = &breaker.metrics {
            m.circuit_state(environment.as_str(), Phase::Closed);
        }
        breaker
    }

    /// The process's breaker for the ARCA at `url` in `environment`, made by `make` when there
    /// is none alive.
    pub fn shared(
        environment: Environment,
        url: &str,
        make: impl FnOnce() -> Arc<Self>,
    ) -> Arc<Self> {
        let mut all = BREAKERS.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|_, weak| weak.strong_count() > 0);
        let key = (environment, url.to_owned());
        if let Some(alive) = all.get(&key).and_then(Weak::upgrade) {
            return alive;
        }
        let breaker = make();
        all.insert(key, Arc::downgrade(&breaker));
        breaker
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the circuit is.
    pub fn phase(&self) -> Phase {
        self.lock().circuit.phase()
    }

    /// Whether a call would be attempted now.
    pub fn accepting(&self) -> bool {
        self.lock().circuit.accepting()
    }

    /// `Err(NotSent("circuit open"))` unless a call may go out now.
    ///
    /// # Errors
    /// The circuit is open or half-open.
    pub fn admit(&self) -> Result<(), GatewayError> {
        if self.accepting() {
            Ok(())
        } else {
            Err(GatewayError::NotSent("circuit open".into()))
        }
    }

    /// Takes in what a call's answer says about ARCA.
    pub fn observe(self: &Arc<Self>, health: Health) {
        match health {
            Health::Answered => {
                let mut inner = self.lock();
                inner.circuit.succeeded();
                inner.run = Run::default();
            }
            Health::Failed(reason) => self.failed(reason),
            Health::Unknown => {}
        }
    }

    fn failed(self: &Arc<Self>, reason: String) {
        let opened = {
            let mut inner = self.lock();
            let since = *inner.run.since.get_or_insert_with(OffsetDateTime::now_utc);
            inner.run.reason = reason;
            let failures = inner.circuit.failures() + 1;
            if inner.circuit.failed(Instant::now(), rand::random()) {
                let reason = std::mem::take(&mut inner.run.reason);
                inner.run = Run::default();
                Some((since, reason, failures))
            } else {
                None
            }
        };
        let Some((since, reason, failures)) = opened else {
            return;
        };
        tracing::warn!(environment = %self.environment, failures, %reason, "ARCA circuit opened");
        self.moved(Phase::Open);
        let watcher = Arc::downgrade(self);
        tokio::spawn(async move {
            if let Some(breaker) = watcher.upgrade() {
                let env = breaker.environment;
                breaker.outages.started(env, since, &reason, failures).await;
            }
            watch(watcher).await;
        });
    }

    fn moved(&self, to: Phase) {
        if let Some(m) = &self.metrics {
            m.circuit_state(self.environment.as_str(), to);
            m.circuit_moved(self.environment.as_str(), to);
        }
    }
}

/// Probes after each cool-down until ARCA answers, then records the outage's end. Holds the
/// breaker only while probing, so a breaker nobody uses any more goes away.
async fn watch(breaker: Weak<Breaker>) {
    loop {
        let wait = {
            let Some(b) = breaker.upgrade() else { return };
            let Some(wait) = b.lock().circuit.probe_in(Instant::now()) else {
                return;
            };
            wait
        };
        tokio::time::sleep(wait).await;
        let Some(b) = breaker.upgrade() else { return };
        if !b.lock().circuit.start_probe(Instant::now()) {
            continue;
        }
        b.moved(Phase::HalfOpen);
        let answer = b.probe.probe().await;
        if let Err(reason) = answer {
            tracing::info!(environment = %b.environment, %reason, "ARCA still unavailable");
            b.lock()
                .circuit
                .probed(false, Instant::now(), rand::random());
            b.moved(Phase::Open);
            continue;
        }
        // The end is recorded before calls resume, so a new outage's start comes after it.
        b.outages
            .ended(b.environment, OffsetDateTime::now_utc())
            .await;
        {
            let mut inner = b.lock();
            inner.circuit.probed(true, Instant::now(), 0.0);
            inner.run = Run::default();
        }
        tracing::info!(environment = %b.environment, "ARCA answers again; circuit closed");
        b.moved(Phase::Closed);
        return;
    }
}

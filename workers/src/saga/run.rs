//! `serve --role workers|all`: the saga's loop, and in the `sim` environment the ARCA simulator
//! it talks to: the built-in one, or one another process runs (both ARCA URLs given), whose
//! development CA the workers read from its folder.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arca_ws::certs::{Credentials, dev_ca, load_dev_ca, load_or_create_dev_ca};
use arca_ws::credentials::{Keyring, PgCredentialStore};
use arca_ws::sim::{RunningSim, SimConfig, Simulator};
use domain::series::Environment;
use eventstore::PgEventStore;
use infra::Backoff;
use secrecy::{ExposeSecret as _, SecretString};

use super::{
    CircuitPolicy, CredentialSource, DevCa, Endpoints, SagaMetrics, SagaWorker, StoredCredentials,
    instance,
};
use crate::WorkerMetrics;
use crate::feeds::StoreLog;

/// Postgres connections of the saga (appends, leases, the intake's checkpoint, tickets).
const SAGA_POOL: u32 = 16;

/// What the saga runs against, and how patiently.
#[derive(Debug, Clone)]
pub struct SagaConfig {
    /// The ARCA environment invoices are issued in.
    pub environment: Environment,
    /// The ARCA (or simulator) it talks to.
    pub target: ArcaTarget,
    /// After this long a call's answer counts as lost.
    pub answer_within: Duration,
    /// When the circuit breaker in front of ARCA opens, and for how long.
    pub circuit: CircuitPolicy,
    /// The keys sealing issuers' private keys and WSAA tickets (the current one seals).
    pub keyring: Keyring,
}

/// The ARCA the saga talks to.
#[derive(Debug, Clone)]
pub enum ArcaTarget {
    /// An ARCA simulator (environment `sim`), signing in with a development CA.
    Simulator(SimTarget),
    /// ARCA itself, signing in with each issuer's installed certificate, whose key is unsealed
    /// with the saga's keyring.
    Arca {
        /// WSAA's `LoginCms`.
        wsaa_url: String,
        /// WSFEv1.
        wsfe_url: String,
    },
}

/// The simulator of the `sim` environment.
#[derive(Debug, Clone)]
pub struct SimTarget {
    /// Where the built-in simulator listens.
    pub addr: SocketAddr,
    /// The built-in simulator's ledger journal, kept across restarts (`None`: memory only).
    pub ledger: Option<PathBuf>,
    /// Folder of the development CA shared by processes: the built-in simulator's is made there
    /// (or reused); a running simulator's is read from there. `None`: a CA per run.
    pub ca_dir: Option<PathBuf>,
    /// WSAA's URL of a simulator another process runs (with `wsfe_url`: start none here).
    pub wsaa_url: Option<String>,
    /// WSFEv1's URL of a simulator another process runs.
    pub wsfe_url: Option<String>,
}

impl SimTarget {
    /// Whether the workers talk to a simulator someone else runs (both URLs given) instead of
    /// starting their own.
    pub fn external(&self) -> bool {
        self.wsaa_url.is_some() && self.wsfe_url.is_some()
    }
}

/// Runs the saga until `shutdown` resolves.
///
/// # Errors
/// Start-up failures: Postgres unreachable, the simulator's address taken.
pub async fn run(
    database_url: &SecretString,
    config: &SagaConfig,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(database_url.expose_secret(), SAGA_POOL)
        .await
        .context("connecting the saga to Postgres (ARCA_DATABASE_URL)")?;
    let environment = config.environment;
    // Keeps the in-process simulator running for as long as the saga runs.
    let mut _simulator = None;
    let (wsaa_url, wsfe_url, credentials): (String, String, Arc<dyn CredentialSource>) =
        match &config.target {
            ArcaTarget::Simulator(target) => {
                let (sim, ca) = simulator(target).await?;
                let urls = match &sim {
                    Some(sim) => (sim.wsaa_url(), sim.wsfe_url()),
                    None => (String::new(), String::new()),
                };
                _simulator = sim;
                (
                    target.wsaa_url.clone().unwrap_or(urls.0),
                    target.wsfe_url.clone().unwrap_or(urls.1),
                    Arc::new(DevCa::new(ca)),
                )
            }
            ArcaTarget::Arca { wsaa_url, wsfe_url } => {
                let vault = PgCredentialStore::new(store.pool().clone(), config.keyring.clone());
                let stored = StoredCredentials::new(vault, environment);
                (wsaa_url.clone(), wsfe_url.clone(), Arc::new(stored))
            }
        };
    let endpoints = Endpoints {
        wsaa_url,
        wsfe_url,
        answer_within: config.answer_within,
        circuit: config.circuit,
        keyring: config.keyring.clone(),
    };
    let saga_metrics = SagaMetrics::observe(&metrics.exporter, store.pool().clone())?;
    let mut worker = instance(
        &store,
        environment,
        &endpoints,
        credentials,
        metrics.commands.clone(),
        Some(saga_metrics.clone()),
    )?;
    worker.recover().await?;
    tracing::info!(%environment, "ARCA saga started");
    follow(&mut worker, &saga_metrics, shutdown).await;
    Ok(())
}

/// Steps the worker until `shutdown` resolves, backing off while steps fail.
async fn follow(
    worker: &mut SagaWorker<StoreLog>,
    metrics: &SagaMetrics,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    let idle = Duration::from_millis(20);
    let retry = Backoff::new(idle * 2, Duration::from_secs(10));
    let mut failures = 0;
    loop {
        // A step may wait on ARCA (a reconciliation, a slow answer): stopping drops it where it
        // is, which every step of the saga survives (its leases' connections close with it).
        let stepped = tokio::select! {
            biased;
            () = &mut shutdown => return,
            stepped = worker.step() => stepped,
        };
        let wait = match stepped {
            Ok(step) if step.events > 0 || step.series > 0 => {
                failures = 0;
                metrics.drove(&step.drive);
                Duration::ZERO
            }
            Ok(_) => {
                failures = 0;
                idle
            }
            Err(error) => {
                failures += 1;
                let pause = retry.delay(failures);
                tracing::warn!(error = %infra::Causes(&error), ?pause, "saga step failed; retrying");
                pause
            }
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// In `sim`: the simulator to talk to and the development CA it trusts. With both URLs given, a
/// running one (none started here) and the CA in `ca_dir`; otherwise the built-in one, trusting
/// the CA in `ca_dir` (written there when absent) or one made for this run.
async fn simulator(target: &SimTarget) -> anyhow::Result<(Option<RunningSim>, Credentials)> {
    let ca_dir = target.ca_dir.as_deref().unwrap_or(Path::new(""));
    if target.external() {
        let ca = load_dev_ca(ca_dir).with_context(|| {
            format!(
                "reading the simulator's development CA from {} (ARCA_SIM_CA_DIR)",
                ca_dir.display()
            )
        })?;
        tracing::info!(wsfe = ?target.wsfe_url, "using a running ARCA simulator");
        return Ok((None, ca));
    }
    let ca = if ca_dir.as_os_str().is_empty() {
        dev_ca()?
    } else {
        load_or_create_dev_ca(ca_dir).with_context(|| {
            format!(
                "keeping the simulator's development CA in {} (ARCA_SIM_CA_DIR)",
                ca_dir.display()
            )
        })?
    };
    let sim = start_simulator(target, &ca).await?;
    tracing::info!(simulator = %sim.addr, "ARCA simulator started");
    Ok((Some(sim), ca))
}

/// The built-in simulator on `target.addr`, trusting `ca`.
async fn start_simulator(target: &SimTarget, ca: &Credentials) -> anyhow::Result<RunningSim> {
    let ledger_path = target.ledger.clone();
    if let Some(dir) = ledger_path
        .as_ref()
        .and_then(|p| p.parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the simulator's ledger folder {}", dir.display()))?;
    }
    let config = SimConfig {
        trust: vec![ca.cert.clone()],
        ledger_path,
        ..SimConfig::default()
    };
    let sim = Simulator::new(config)
        .context("opening the simulator's ledger (ARCA_SIM_LEDGER)")?
        .start(target.addr)
        .await
        .with_context(|| {
            format!(
                "starting the ARCA simulator on {} (ARCA_SIM_ADDR)",
                target.addr
            )
        })?;
    Ok(sim)
}

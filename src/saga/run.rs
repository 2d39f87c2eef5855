//! `serve --role workers|all`: the saga's loop, and in the `sim` environment the ARCA simulator
//! it talks to: the built-in one, or one another process runs (both ARCA URLs set), whose
//! development CA the workers read from `sim_ca_dir`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arca_ws::certs::{Credentials, dev_ca, load_dev_ca, load_or_create_dev_ca};
use arca_ws::credentials::PgCredentialStore;
use arca_ws::sim::{RunningSim, SimConfig, Simulator};
use eventstore::PgEventStore;
use secrecy::ExposeSecret as _;

use super::{
    CircuitPolicy, CredentialSource, DevCa, Endpoints, SagaMetrics, SagaWorker, StoredCredentials,
    instance,
};
use crate::metrics::Metrics;
use crate::projections::StoreLog;
use crate::settings::{ArcaEnv, Settings};

/// Postgres connections of the saga (appends, leases, the intake's checkpoint, tickets).
const SAGA_POOL: u32 = 16;

/// Runs the saga until `shutdown` resolves.
///
/// # Errors
/// Start-up failures: Postgres unreachable, the simulator's address taken, no credentials key
/// outside `sim`.
pub async fn run(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), SAGA_POOL)
        .await
        .context("connecting the saga to Postgres (ARCA_DATABASE_URL)")?;
    let environment = settings.environment();
    // Keeps the in-process simulator running for as long as the saga runs.
    let mut _simulator = None;
    let (wsaa_url, wsfe_url, credentials): (String, String, Arc<dyn CredentialSource>) =
        match settings.env {
            ArcaEnv::Sim => {
                let (sim, ca) = simulator(settings).await?;
                let urls = match &sim {
                    Some(sim) => (sim.wsaa_url(), sim.wsfe_url()),
                    None => (String::new(), String::new()),
                };
                _simulator = sim;
                (urls.0, urls.1, Arc::new(DevCa::new(ca)))
            }
            ArcaEnv::Homologacion | ArcaEnv::Produccion => {
                let (wsaa, wsfe) = if settings.env == ArcaEnv::Homologacion {
                    HOMOLOGACION
                } else {
                    PRODUCCION
                };
                let vault = PgCredentialStore::new(store.pool().clone(), settings.sealing_key()?);
                let stored = StoredCredentials::new(vault, environment);
                (wsaa.to_owned(), wsfe.to_owned(), Arc::new(stored))
            }
        };
    let endpoints = Endpoints {
        wsaa_url: or(&settings.arca_wsaa_url, wsaa_url),
        wsfe_url: or(&settings.arca_wsfe_url, wsfe_url),
        answer_within: Duration::from_secs(settings.arca_timeout_seconds),
        circuit: CircuitPolicy {
            threshold: settings.arca_breaker_failures,
            cooldown: Duration::from_millis(settings.arca_breaker_cooldown_ms),
            max_cooldown: Duration::from_millis(settings.arca_breaker_max_cooldown_ms),
        },
    };
    let saga_metrics = metrics.observe_saga(store.pool().clone())?;
    let mut worker = instance(
        &store,
        environment,
        &endpoints,
        credentials,
        metrics.commands().clone(),
        Some(saga_metrics.clone()),
    )?;
    worker.recover().await?;
    tracing::info!(%environment, "ARCA saga started");
    follow(&mut worker, &saga_metrics, shutdown).await;
    Ok(())
}

/// ARCA's testing environment: WSAA and WSFEv1.
const HOMOLOGACION: (&str, &str) = (
    "https://wsaahomo.afip.gov.ar/ws/services/LoginCms",
    "https://wswhomo.afip.gov.ar/wsfev1/service.asmx",
);
/// ARCA's production environment: WSAA and WSFEv1.
const PRODUCCION: (&str, &str) = (
    "https://wsaa.afip.gov.ar/ws/services/LoginCms",
    "https://servicios1.afip.gov.ar/wsfev1/service.asmx",
);

/// `setting` unless empty, else `default`.
fn or(setting: &str, default: String) -> String {
    if setting.trim().is_empty() {
        default
    } else {
        setting.trim().to_owned()
    }
}

/// Steps the worker until `shutdown` resolves, backing off while steps fail.
async fn follow(
    worker: &mut SagaWorker<StoreLog>,
    metrics: &SagaMetrics,
    shutdown: impl Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    let idle = Duration::from_millis(20);
    let mut pause = idle;
    loop {
        let wait = match worker.step().await {
            Ok(step) if step.events > 0 || step.series > 0 => {
                metrics.drove(&step.drive);
                Duration::ZERO
            }
            Ok(_) => idle,
            Err(error) => {
                tracing::warn!(%error, ?pause, "saga step failed; retrying");
                pause = (pause * 2).min(Duration::from_secs(10));
                pause
            }
        };
        if wait < pause {
            pause = idle;
        }
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// In `sim`: the simulator to talk to and the development CA it trusts. With both ARCA URLs set,
/// a running one (none started here) and the CA in `sim_ca_dir`; otherwise the built-in one,
/// trusting the CA in `sim_ca_dir` (written there when absent) or one made for this run.
async fn simulator(settings: &Settings) -> anyhow::Result<(Option<RunningSim>, Credentials)> {
    let ca_dir = Path::new(settings.sim_ca_dir.trim());
    if settings.sim_external() {
        let ca = load_dev_ca(ca_dir).with_context(|| {
            format!(
                "reading the simulator's development CA from {} (ARCA_SIM_CA_DIR)",
                ca_dir.display()
            )
        })?;
        tracing::info!(wsfe = %settings.arca_wsfe_url.trim(), "using a running ARCA simulator");
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
    let sim = start_simulator(settings, &ca).await?;
    tracing::info!(simulator = %sim.addr, "ARCA simulator started");
    Ok((Some(sim), ca))
}

/// The built-in simulator on `sim_addr`, trusting `ca`.
async fn start_simulator(settings: &Settings, ca: &Credentials) -> anyhow::Result<RunningSim> {
    let ledger_path =
        (!settings.sim_ledger.is_empty()).then(|| PathBuf::from(&settings.sim_ledger));
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
        .start(settings.sim_addr)
        .await
        .with_context(|| {
            format!(
                "starting the ARCA simulator on {} (ARCA_SIM_ADDR)",
                settings.sim_addr
            )
        })?;
    Ok(sim)
}

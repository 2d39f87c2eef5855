//! `serve --role workers|all`: the saga's loop, and in the `sim` environment the built-in ARCA
//! simulator it talks to.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arca_ws::certs::{dev_bundle, dev_credentials};
use arca_ws::sim::{RunningSim, SimConfig, Simulator};
use arca_ws::wsaa::WsaaClient;
use arca_ws::wsfe::WsfeClient;
use commands::ports::SystemClock;
use commands::saga::Saga;
use domain::series::Environment;
use eventstore::PgEventStore;
use secrecy::ExposeSecret as _;

use super::{BrokeredTickets, SagaWorker, WsGateway};
use crate::metrics::Metrics;
use crate::projections::StoreLog;
use crate::settings::{ArcaEnv, Settings};

/// Postgres connections of the saga (appends, leases, the intake's checkpoint, tickets).
const SAGA_POOL: u32 = 8;
/// The CUIT the simulator's development CA is named after (any valid one).
const DEV_CA_CUIT: &str = "20267565393";

/// Runs the saga until `shutdown` resolves.
///
/// # Errors
/// Start-up failures: Postgres unreachable, the simulator's address taken, an environment whose
/// issuer certificates are not available.
pub async fn run(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    if settings.env != ArcaEnv::Sim {
        anyhow::bail!(
            "the saga talks to ARCA's {:?} environment only with each issuer's certificate, \
             which this build cannot install yet; run with env = \"sim\"",
            settings.env
        );
    }
    let store = PgEventStore::connect(settings.database_url.expose_secret(), SAGA_POOL)
        .await
        .context("connecting the saga to Postgres (ARCA_DATABASE_URL)")?;
    let (sim, ca) = start_simulator(settings).await?;
    let timeout = Duration::from_secs(settings.arca_timeout_seconds);
    let wsaa = WsaaClient::new(sim.wsaa_url(), timeout)?;
    let tickets = BrokeredTickets::new(store.pool().clone(), wsaa, "sim", move |cuit| {
        dev_credentials(&ca, &cuit.to_string(), "arca-sim").map(Arc::new)
    });
    let gateway = WsGateway::new(WsfeClient::new(sim.wsfe_url(), timeout)?, Arc::new(tickets));
    let saga = Saga::new(
        Arc::new(store.clone()),
        metrics.commands().clone(),
        Arc::new(SystemClock),
        Arc::new(gateway),
        Environment::Sim,
    );
    let mut worker = SagaWorker::new(saga, store.pool().clone(), StoreLog(store.clone()));
    worker.recover().await?;
    tracing::info!(simulator = %sim.addr, "ARCA saga started");
    tokio::pin!(shutdown);
    let mut pause = Duration::from_millis(20);
    loop {
        let wait = match worker.step().await {
            Ok(step) if step.events > 0 || step.series > 0 => Duration::ZERO,
            Ok(_) => Duration::from_millis(20),
            Err(error) => {
                tracing::warn!(%error, ?pause, "saga step failed; retrying");
                pause = (pause * 2).min(Duration::from_secs(10));
                pause
            }
        };
        if wait < pause {
            pause = Duration::from_millis(20);
        }
        tokio::select! {
            biased;
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The built-in simulator on `sim_addr`, trusting a development CA made for this run.
async fn start_simulator(
    settings: &Settings,
) -> anyhow::Result<(RunningSim, arca_ws::certs::Credentials)> {
    let bundle = dev_bundle(DEV_CA_CUIT, "arca-sim", None)?;
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
        trust: vec![bundle.ca.cert.clone()],
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
    Ok((sim, bundle.ca))
}

//! The saga instances of a bench run: tasks in this process, or worker child processes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arca_ws::certs::Credentials;
use arca_ws::sim::RunningSim;
use domain::series::Environment;
use eventstore::PgEventStore;
use tokio::task::JoinHandle;

use crate::harness::processes::{Kill, WorkerEnv, WorkerProcesses, kill_and_restart_midway};
use workers::saga::{CredentialSource, DevCa, Endpoints, instance};
use workers::upkeep as vacuum;

/// Saga instances, not yet started until [`Workers::start`].
pub(super) enum Workers {
    /// Tasks sharing this process's store.
    InProcess {
        store: PgEventStore,
        endpoints: Endpoints,
        source: Arc<dyn CredentialSource>,
        /// The tables' upkeep `serve --role workers` runs beside the saga.
        upkeep: Option<vacuum::Schedule>,
        tasks: Vec<JoinHandle<()>>,
    },
    /// `arca serve --role workers` children.
    Processes {
        env: Box<WorkerEnv>,
        exe: PathBuf,
        set: Option<Box<WorkerProcesses>>,
    },
}

impl Workers {
    /// In-process instances talking to `sim`, issuers signing with leaves of `ca`, the tables
    /// kept on `upkeep`.
    pub(super) fn in_process(
        store: PgEventStore,
        sim: &RunningSim,
        ca: Credentials,
        upkeep: Option<vacuum::Schedule>,
    ) -> Self {
        Self::InProcess {
            store,
            endpoints: Endpoints {
                wsaa_url: sim.wsaa_url(),
                wsfe_url: sim.wsfe_url(),
                answer_within: Duration::from_secs(2),
                circuit: workers::saga::CircuitPolicy::default(),
                keyring: arca_ws::credentials::Keyring::single(
                    arca_ws::credentials::SealingKey::derive_dev(
                        crate::settings::SIM_CREDENTIALS_SEED,
                    ),
                ),
            },
            source: Arc::new(DevCa::new(ca)),
            upkeep,
            tasks: Vec::new(),
        }
    }

    /// Child processes of `exe` set up with `env`.
    pub(super) fn processes(env: WorkerEnv, exe: PathBuf) -> Self {
        Self::Processes {
            env: Box::new(env),
            exe,
            set: None,
        }
    }

    /// In-process instances: mints the issuers' certificates (new RSA keys) before the run is
    /// timed, as an installed certificate would be there already. Children mint their own.
    pub(super) async fn warm(&self, issuers: &[&str]) -> anyhow::Result<()> {
        let Self::InProcess { source, .. } = self else {
            return Ok(());
        };
        // The development CA signs for any tenant.
        let tenant = domain::TenantId(uuid::Uuid::nil());
        for cuit in issuers {
            source
                .credentials(tenant, cuit.parse()?)
                .await
                .map_err(anyhow::Error::msg)?;
        }
        Ok(())
    }

    /// Starts `count` instances.
    pub(super) fn start(&mut self, count: usize) -> anyhow::Result<()> {
        match self {
            Self::InProcess {
                store,
                endpoints,
                source,
                upkeep,
                tasks,
            } => {
                for _ in 0..count {
                    let mut worker = instance(
                        store,
                        Environment::Sim,
                        endpoints,
                        Arc::clone(source),
                        commands::CommandMetrics::register(&prometheus::Registry::new())?,
                        None,
                    )?;
                    tasks.push(tokio::spawn(async move {
                        loop {
                            let busy = matches!(worker.step().await, Ok(s) if s.events > 0 || s.series > 0);
                            if !busy {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                            }
                        }
                    }));
                }
                let projection = projections::Runner::new(
                    store.pool().clone(),
                    projections::InvoicesProjector::new(),
                    workers::feeds::StoreLog(store.clone()),
                );
                tasks.push(tokio::spawn(async move {
                    projection.run(std::future::pending()).await;
                }));
                if let Some(schedule) = *upkeep {
                    let pool = store.pool().clone();
                    tasks.push(tokio::spawn(async move {
                        vacuum::keep_clean(&pool, schedule, None, std::future::pending()).await;
                    }));
                }
            }
            Self::Processes { env, exe, set } => {
                *set = Some(Box::new(WorkerProcesses::start(
                    exe,
                    WorkerEnv::clone(env),
                    count,
                )?));
            }
        }
        Ok(())
    }

    /// With `kill` and child processes, kills one and restarts it once a quarter of `count`
    /// invoices have their CAE; otherwise nothing.
    pub(super) async fn kill_midway(
        &mut self,
        pool: &sqlx::PgPool,
        kill: bool,
        count: usize,
    ) -> anyhow::Result<Option<Kill>> {
        let Self::Processes { set: Some(set), .. } = self else {
            return Ok(None);
        };
        if !kill {
            return Ok(None);
        }
        let quarter = i64::try_from(count / 4).unwrap_or(i64::MAX).max(1);
        let within = Duration::from_secs(120 + count as u64 / 50);
        kill_and_restart_midway(set, pool, quarter, within)
            .await
            .map(Some)
    }

    /// Children started again after a kill.
    pub(super) fn restarts(&self) -> usize {
        match self {
            Self::Processes { set: Some(set), .. } => set.restarts,
            _ => 0,
        }
    }

    /// Stops every instance; for children, fails when one had exited on its own.
    pub(super) async fn stop(&mut self) -> anyhow::Result<()> {
        match self {
            Self::InProcess { tasks, .. } => {
                for task in tasks.drain(..) {
                    task.abort();
                }
                Ok(())
            }
            Self::Processes { env, set, .. } => {
                let crashed = match set.as_mut() {
                    Some(set) => set.exited()?,
                    None => Vec::new(),
                };
                let logs: Vec<String> = match set.as_ref() {
                    Some(s) => crashed.iter().map(|i| s.log_tail(*i)).collect(),
                    None => Vec::new(),
                };
                *set = None;
                env.delete_stream().await;
                anyhow::ensure!(
                    crashed.is_empty(),
                    "workers {crashed:?} exited on their own:\n{}",
                    logs.join("\n---\n")
                );
                Ok(())
            }
        }
    }
}

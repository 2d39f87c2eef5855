//! Saga workers as child processes (`arca serve --role workers`) sharing one simulator run by the
//! parent: each gets the run's database, the simulator's URLs and the folder of its development
//! CA, and a JetStream stream of the run's own. They can be SIGKILLed and restarted; every child
//! still running is killed when the set is dropped, whatever the exit path.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use arca_ws::certs::{Credentials, dev_ca, save_dev_ca};
use arca_ws::sim::{RunningSim, SimConfig, Simulator};
use nats_bus::{Bus, BusConfig};
use uuid::Uuid;

/// A simulator on 127.0.0.1:0 trusting a fresh development CA, saved in `dir` for worker
/// processes to mint their issuers' certificates from; the CA and the running simulator.
///
/// # Errors
/// The CA could not be made or saved, or the simulator could not start.
pub async fn simulator_for_workers(dir: &Path) -> anyhow::Result<(Credentials, RunningSim)> {
    let ca = dev_ca()?;
    save_dev_ca(&ca, dir)?;
    let config = SimConfig {
        trust: vec![ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(config)?
        .start("127.0.0.1:0".parse()?)
        .await?;
    Ok((ca, sim))
}

/// Where the children reach what they share.
#[derive(Debug, Clone)]
pub struct WorkerEnv {
    /// The run's Postgres database.
    pub database_url: String,
    /// The simulator's WSAA and WSFEv1 URLs.
    pub wsaa_url: String,
    /// See `wsaa_url`.
    pub wsfe_url: String,
    /// The folder holding the simulator's development CA (see `arca_ws::certs::save_dev_ca`);
    /// also the children's working directory and where their logs go.
    pub dir: PathBuf,
    /// NATS, and the run's own stream and subject prefix.
    pub nats_url: String,
    /// See `nats_url`.
    pub nats_stream: String,
    /// See `nats_url`.
    pub nats_prefix: String,
    /// How long a call to the simulator may take before its answer counts as lost.
    pub answer_within: Duration,
    /// `ARCA_WEBHOOK_ALLOW_CIDRS` (a test's receiver on loopback); empty: public addresses only.
    pub webhook_allow_cidrs: String,
}

impl WorkerEnv {
    /// Children talking to `sim` and the database at `database_url`, the CA in `dir`, NATS at
    /// `nats_url` with a stream named for this run.
    pub fn new(database_url: &str, sim: &RunningSim, dir: &Path, nats_url: &str) -> Self {
        let id = Uuid::new_v4().simple();
        Self {
            database_url: database_url.to_owned(),
            wsaa_url: sim.wsaa_url(),
            wsfe_url: sim.wsfe_url(),
            dir: dir.to_path_buf(),
            nats_url: nats_url.to_owned(),
            nats_stream: format!("SAGA_RUN_{id}"),
            nats_prefix: format!("sagarun{id}.events"),
            answer_within: Duration::from_secs(2),
            webhook_allow_cidrs: String::new(),
        }
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ARCA_DATABASE_URL", self.database_url.clone()),
            ("ARCA_ENV", "sim".into()),
            ("ARCA_ARCA_WSAA_URL", self.wsaa_url.clone()),
            ("ARCA_ARCA_WSFE_URL", self.wsfe_url.clone()),
            ("ARCA_SIM_CA_DIR", self.dir.display().to_string()),
            ("ARCA_SIM_LEDGER", String::new()),
            (
                "ARCA_ARCA_TIMEOUT_SECONDS",
                self.answer_within.as_secs().max(1).to_string(),
            ),
            ("ARCA_NATS_URL", self.nats_url.clone()),
            ("ARCA_NATS_STREAM", self.nats_stream.clone()),
            ("ARCA_NATS_SUBJECT_PREFIX", self.nats_prefix.clone()),
            ("ARCA_PROJECTION_FEED", "store".into()),
            ("ARCA_LOG_FORMAT", "json".into()),
            ("ARCA_WEBHOOK_ALLOW_CIDRS", self.webhook_allow_cidrs.clone()),
            (
                "ARCA_DOCUMENTS_DIR",
                self.documents_dir().display().to_string(),
            ),
        ]
    }

    /// Where the children store the PDFs they render: `documents/` in the run's directory.
    pub fn documents_dir(&self) -> std::path::PathBuf {
        self.dir.join("documents")
    }

    /// Deletes the run's JetStream stream (the children's relay made it); best effort.
    pub async fn delete_stream(&self) {
        let config = BusConfig::new(&self.nats_url, &self.nats_stream, &self.nats_prefix);
        if let Ok(bus) = Bus::connect(config).await
            && let Err(error) = bus.delete_stream().await
        {
            tracing::warn!(%error, stream = %self.nats_stream, "deleting the run's stream");
        }
    }
}

/// The worker processes of a run.
pub struct WorkerProcesses {
    exe: PathBuf,
    env: WorkerEnv,
    children: Vec<Option<Child>>,
    /// Children SIGKILLed so far.
    pub kills: usize,
    /// Children started again after a kill.
    pub restarts: usize,
}

impl WorkerProcesses {
    /// Starts `count` children of `exe` (the `arca` binary).
    ///
    /// # Errors
    /// A child that could not be started.
    pub fn start(exe: &Path, env: WorkerEnv, count: usize) -> anyhow::Result<Self> {
        let mut set = Self {
            exe: exe.to_path_buf(),
            env,
            children: Vec::new(),
            kills: 0,
            restarts: 0,
        };
        for index in 0..count {
            let child = spawn(&set.exe, &set.env, index)?;
            set.children.push(Some(child));
        }
        Ok(set)
    }

    /// SIGKILLs child `index` and reaps it.
    ///
    /// # Errors
    /// No such child running, or the kill failed.
    pub fn kill(&mut self, index: usize) -> anyhow::Result<()> {
        let mut child = self
            .children
            .get_mut(index)
            .and_then(Option::take)
            .with_context(|| format!("worker {index} is not running"))?;
        child.kill().context("SIGKILL")?;
        child.wait().context("reaping the killed worker")?;
        self.kills += 1;
        Ok(())
    }

    /// SIGTERMs child `index` and waits up to `within` for it to exit: how long it took and
    /// whether it exited cleanly.
    ///
    /// # Errors
    /// No such child running, the signal could not be sent, or it still runs after `within`
    /// (it is SIGKILLed then).
    pub fn terminate(
        &mut self,
        index: usize,
        within: Duration,
    ) -> anyhow::Result<(Duration, bool)> {
        let mut child = self
            .children
            .get_mut(index)
            .and_then(Option::take)
            .with_context(|| format!("worker {index} is not running"))?;
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .context("running kill -TERM")?;
        anyhow::ensure!(sent.success(), "kill -TERM failed: {sent}");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("waiting for the worker")? {
                return Ok((started.elapsed(), status.success()));
            }
            if started.elapsed() > within {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!("worker {index} still ran {within:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts child `index` again after [`WorkerProcesses::kill`].
    ///
    /// # Errors
    /// It is still running, or it could not be started.
    pub fn restart(&mut self, index: usize) -> anyhow::Result<()> {
        let slot = self
            .children
            .get_mut(index)
            .with_context(|| format!("no worker {index}"))?;
        anyhow::ensure!(slot.is_none(), "worker {index} is still running");
        *slot = Some(spawn(&self.exe, &self.env, index)?);
        self.restarts += 1;
        Ok(())
    }

    /// Children that have exited on their own (crashed), by index.
    ///
    /// # Errors
    /// Their status could not be read.
    pub fn exited(&mut self) -> anyhow::Result<Vec<usize>> {
        let mut out = Vec::new();
        for (index, child) in self.children.iter_mut().enumerate() {
            if let Some(child) = child
                && child.try_wait()?.is_some()
            {
                out.push(index);
            }
        }
        Ok(out)
    }

    /// The tail of child `index`'s log, to show when something went wrong.
    pub fn log_tail(&self, index: usize) -> String {
        let log = self.env.dir.join(format!("worker-{index}.log"));
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// `exe serve --role workers` as worker `index` of `env`, its stderr appended to its log.
fn spawn(exe: &Path, env: &WorkerEnv, index: usize) -> anyhow::Result<Child> {
    let log = env.dir.join(format!("worker-{index}.log"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("opening {}", log.display()))?;
    Command::new(exe)
        .args(["serve", "--role", "workers"])
        .envs(env.vars())
        .env_remove("ARCA_CONFIG")
        .env("RUST_LOG", "warn")
        .current_dir(&env.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .with_context(|| format!("starting {} serve --role workers", exe.display()))
}

impl Drop for WorkerProcesses {
    fn drop(&mut self) {
        for child in self.children.iter_mut().filter_map(Option::take) {
            let mut child = child;
            // Already gone is fine: all that matters is that none outlives the run.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The moment a worker was killed: invoices in the read model then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kill {
    /// Authorized when it was killed.
    pub authorized: i64,
    /// Not yet authorized or rejected when it was killed.
    pub open: i64,
}

/// Once at least `authorized` invoices have their CAE, SIGKILLs worker 0, lets the others run
/// alone for a moment, and starts it again.
///
/// # Errors
/// Fewer CAEs than that within `within`, or the kill or restart failed.
pub async fn kill_and_restart_midway(
    set: &mut WorkerProcesses,
    pool: &sqlx::PgPool,
    authorized: i64,
    within: Duration,
) -> anyhow::Result<Kill> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let (_, open, done) = super::load::progress(pool).await?;
        if done >= authorized {
            set.kill(0)?;
            eprintln!("killed worker 0 with {done} invoices authorized and {open} open");
            tokio::time::sleep(Duration::from_millis(500)).await;
            set.restart(0)?;
            return Ok(Kill {
                authorized: done,
                open,
            });
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "only {done} CAEs within {within:?}: nothing to kill a worker in the middle of"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

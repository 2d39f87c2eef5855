//! A client generated from the live OpenAPI document runs the README's first session: the API
//! serves on loopback in-process, `arca serve --role workers` runs as a child (the saga against
//! the in-process simulator, the invoices projection), `openapi-python-client` (pinned in
//! `ops/lib.sh`) generates a Python package from `GET /openapi.json`, and `first_session.py`
//! beside this file does the session through it, checking every answer.
//!
//! Skipped when the generator is not installed, unless `ARCA_REQUIRE_CLIENT_GENERATOR=1` (set by
//! `ops/test`). The generator's warnings about the document are printed, not failed on; its
//! errors fail the test.

#![allow(clippy::unwrap_used)] // test set-up panics on failure by design

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arca::harness::load::{Api, sim_api_config};
use arca::harness::processes::{WorkerEnv, WorkerProcesses, simulator_for_workers};
use arca::harness::scratch::with_database;
use eventstore::PgEventStore;
use sqlx::PgPool;

/// Longest the generator may take.
const GENERATE_WITHIN: Duration = Duration::from_secs(60);
/// Longest the session may take (its own waits are bounded well within it).
const SESSION_WITHIN: Duration = Duration::from_secs(90);

/// The python of the generator's virtualenv (`ARCA_CLIENT_GENERATOR_PYTHON`, else `python3`)
/// when it has the generator; `None` means skip.
fn generator_python() -> Option<PathBuf> {
    let python = std::env::var_os("ARCA_CLIENT_GENERATOR_PYTHON")
        .map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let present = Command::new(&python)
        .args(["-c", "import openapi_python_client, dateutil"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Some(python);
    }
    assert_ne!(
        std::env::var("ARCA_REQUIRE_CLIENT_GENERATOR").as_deref(),
        Ok("1"),
        "ARCA_REQUIRE_CLIENT_GENERATOR=1 but {} cannot import openapi_python_client \
         (ops/lib.sh ensure_client_generator installs it)",
        python.display()
    );
    eprintln!("skipped: openapi-python-client is not installed (see ops/lib.sh)");
    None
}

/// What a finished child printed (stdout and stderr together) and whether it succeeded.
struct Ran {
    success: bool,
    output: String,
}

/// Runs `command` to its end, killing it past `within`; its output goes to `log`.
async fn run_bounded(mut command: Command, log: &Path, within: Duration) -> Ran {
    let file = File::create(log).unwrap();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut output = std::fs::read_to_string(log).unwrap_or_default();
    if status.is_none() {
        output.push_str(&format!("\n(killed: still running after {within:?})"));
    }
    Ran {
        success: status.is_some_and(|s| s.success()),
        output,
    }
}

/// `python` with the generator's virtualenv first on `PATH` (its formatter, ruff, runs from
/// there after generating).
fn python_command(python: &Path) -> Command {
    let mut command = Command::new(python);
    if let Some(bin) = python.parent().filter(|p| !p.as_os_str().is_empty()) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    command
}

/// Generates the package `arca_client` into `dir/client` from the document at `document`.
async fn generate(python: &Path, document: &Path, dir: &Path) -> PathBuf {
    let root = dir.join("client");
    let mut command = python_command(python);
    command.args(["-m", "openapi_python_client", "generate", "--meta", "none"]);
    command.arg("--path").arg(document);
    command.arg("--output-path").arg(root.join("arca_client"));
    let ran = run_bounded(command, &dir.join("generate.log"), GENERATE_WITHIN).await;
    assert!(
        ran.success && !ran.output.contains("Error(s) encountered"),
        "openapi-python-client could not generate a client:\n{}",
        ran.output
    );
    if ran.output.contains("Warning(s) encountered") {
        eprintln!(
            "openapi-python-client warned about the document:\n{}",
            ran.output
        );
    }
    root
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_client_generated_from_the_live_document_runs_the_readmes_first_session(pool: PgPool) {
    let Some(python) = generator_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, sim) = simulator_for_workers(dir.path()).await.unwrap();
    let api = Api::serve(&PgEventStore::new(pool.clone()), &sim_api_config())
        .await
        .unwrap();

    let server = std::env::var("DATABASE_URL").unwrap();
    let name = pool.connect_options().get_database().unwrap().to_owned();
    let nats = std::env::var("ARCA_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let env = WorkerEnv::new(
        &with_database(&server, &name).unwrap(),
        &sim,
        dir.path(),
        &nats,
    );
    let exe = Path::new(env!("CARGO_BIN_EXE_arca"));
    let mut workers = WorkerProcesses::start(exe, env.clone(), 1).unwrap();

    let document = api
        .client
        .get(format!("{}/openapi.json", api.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let document_path = dir.path().join("openapi.json");
    std::fs::write(&document_path, &document).unwrap();
    let package = generate(&python, &document_path, dir.path()).await;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/first_session.py");
    let mut command = python_command(&python);
    command
        .arg(&script)
        .arg(&api.base)
        .arg(&api.key)
        .env("PYTHONPATH", &package)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let session = run_bounded(command, &dir.path().join("session.log"), SESSION_WITHIN).await;
    let crashed = workers.exited().unwrap();
    assert!(
        session.success,
        "the first session failed:\n{}\n\nthe worker's log{}:\n{}",
        session.output,
        if crashed.is_empty() {
            ""
        } else {
            " (it exited)"
        },
        workers.log_tail(0)
    );
    assert!(
        session
            .output
            .contains("the first session went as the README says"),
        "{}",
        session.output
    );
    eprintln!("{}", session.output);
    drop(workers);
    env.delete_stream().await;
}

//! `arca bench saga`: invoices requested through the REST API to their CAE, end to end, against
//! a simulator this command starts: several saga instances (in-process tasks, or with `--kill`
//! `arca serve --role workers` child processes, one SIGKILLed and restarted mid-run), three
//! issuers × three points of sale × two voucher types, optional faults, optionally a backlog
//! posted before any saga runs. Prints invoices/s, request→CAE p50/p99, reconciliations, kills,
//! the audit's verdict (see [`crate::harness::audit`]) and the appends per group commit of this process's store
//! (the API's, shared by in-process instances).

mod workers;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use arca_ws::sim::RunningSim;
use eventstore::{GroupCommit, GroupCommitStats, PgEventStore, readings};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use self::workers::Workers;
use crate::harness::faults::{self, FaultChoice};
use crate::harness::load::{self, Api};
use crate::harness::processes::{self, Kill};
use crate::harness::{audit, scratch};
use crate::settings::Settings;

/// Options of `arca bench saga`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices to request.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Saga instances (each its own leases and ARCA client).
    #[arg(long, default_value_t = 2)]
    instances: usize,
    /// Faults the simulator injects, a comma list: none, all, or timeout, http500,
    /// drop-response (the simulator's names; `timeouts`, `drop-after-authorize` also accepted).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "none")]
    faults: Vec<FaultChoice>,
    /// Run the instances as `arca serve --role workers` child processes and SIGKILL one once a
    /// quarter of the invoices have their CAE, then start it again.
    #[arg(long)]
    kill: bool,
    /// Post every invoice before any saga instance runs, then time the saga alone: from the
    /// instances' start to the last CAE.
    #[arg(long)]
    backlog: bool,
}

/// Runs the benchmark on a scratch database next to ARCA_DATABASE_URL's, dropped at the end.
///
/// # Errors
/// Set-up failures, or invoices that never reached their end.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.count == 0 || args.concurrency == 0 || args.instances == 0 {
        bail!("--count, --concurrency and --instances must be positive");
    }
    let name = format!("arca_bench_saga_{}", Uuid::new_v4().simple());
    let url = scratch::with_database(settings.database_url.expose_secret(), &name)?;
    scratch::create_and_migrate(&url).await?;
    let dir = std::env::temp_dir().join(&name);
    let outcome = measure(settings, &url, &dir, &args).await;
    if std::env::var_os("ARCA_BENCH_KEEP").is_none() {
        scratch::drop_database(&url).await?;
        // Only the CA and the workers' logs: losing them is harmless.
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("kept {url} and {}", dir.display());
    }
    println!("{}", outcome?);
    Ok(())
}

/// What a run measured on the way.
struct Timings {
    posted: Duration,
    total: Duration,
    saga_started_at: OffsetDateTime,
    kill: Option<Kill>,
    restarts: usize,
}

async fn measure(
    settings: &Settings,
    url: &str,
    dir: &std::path::Path,
    args: &Args,
) -> anyhow::Result<Value> {
    let store = PgEventStore::connect_with(
        url,
        settings.db_max_connections,
        GroupCommit {
            writers: settings.db_group_commit_writers,
            max_batch: settings.db_group_commit_max_batch,
        },
    )
    .await
    .context("connecting to the scratch database")?;
    let pool = store.pool().clone();
    let (ca, sim) = processes::simulator_for_workers(dir).await?;
    let modes = faults::chosen(&args.faults);
    let rounds = u32::try_from(args.count / 2_000).unwrap_or(u32::MAX).max(1);
    faults::schedule(&sim.sim, &modes, rounds, 8);
    let api = Api::start(&store, &load::sim_api_config()).await?;
    let mut workers = if args.kill {
        let env = processes::WorkerEnv::new(url, &sim, dir, &settings.nats_url);
        Workers::processes(env, std::env::current_exe()?)
    } else {
        Workers::in_process(store.clone(), &sim, ca, crate::config::upkeep(settings))
    };
    workers.warm(&load::ISSUERS).await?;
    let timings = drive(&mut workers, &api, &pool, args).await;
    let stopped = workers.stop().await;
    let timings = timings?;
    stopped?;
    let report = figures(&pool, args, &timings, &sim, store.group_commit_stats()).await;
    pool.close().await;
    report
}

/// Posts the invoices and runs the saga (backlog first when asked), kills and restarts an
/// instance when asked, and waits until every invoice reached its end.
async fn drive(
    workers: &mut Workers,
    api: &Api,
    pool: &sqlx::PgPool,
    args: &Args,
) -> anyhow::Result<Timings> {
    let started = Instant::now();
    let mut saga_started_at = OffsetDateTime::now_utc();
    let (failures, posted, kill) = if args.backlog {
        let failures = api.request_all(args.count, args.concurrency).await;
        let posted = started.elapsed();
        saga_started_at = OffsetDateTime::now_utc();
        workers.start(args.instances)?;
        let kill = workers.kill_midway(pool, args.kill, args.count).await?;
        (failures, posted, kill)
    } else {
        workers.start(args.instances)?;
        let posting = async {
            let failures = api.request_all(args.count, args.concurrency).await;
            (failures, started.elapsed())
        };
        let killing = workers.kill_midway(pool, args.kill, args.count);
        let ((failures, posted), kill) = tokio::join!(posting, killing);
        (failures, posted, kill?)
    };
    if failures > 0 {
        bail!("{failures} requests were not accepted");
    }
    let within = Duration::from_secs(120 + args.count as u64 / 50);
    load::wait_until_final(pool, args.count, within).await?;
    Ok(Timings {
        posted,
        total: started.elapsed(),
        saga_started_at,
        kill,
        restarts: workers.restarts(),
    })
}

async fn figures(
    pool: &sqlx::PgPool,
    args: &Args,
    timings: &Timings,
    sim: &RunningSim,
    commits: GroupCommitStats,
) -> anyhow::Result<Value> {
    let (p50, p99, span, saga_span): (f64, f64, f64, f64) = sqlx::query_as(
        "select coalesce(percentile_cont(0.5) within group (order by extract(epoch from authorized_at - requested_at)), 0)::float8 * 1000, \
                coalesce(percentile_cont(0.99) within group (order by extract(epoch from authorized_at - requested_at)), 0)::float8 * 1000, \
                coalesce(extract(epoch from max(authorized_at) - min(requested_at)), 0)::float8, \
                coalesce(extract(epoch from max(authorized_at) - $1), 0)::float8 \
         from rm.invoices",
    )
    .bind(timings.saga_started_at)
    .fetch_one(pool)
    .await?;
    let series =
        readings::events_of_types(pool, &["series.blocked", "series.numbers_recovered"]).await?;
    let reconciliations = series
        .iter()
        .filter(|e| e.event_type == "series.blocked")
        .count();
    let recovered: usize = series
        .iter()
        .filter(|e| e.event_type == "series.numbers_recovered")
        .map(|e| e.data["numbers"].as_array().map_or(0, Vec::len))
        .sum();
    let audit = audit::audit(pool, &sim.sim).await?;
    let per_s = |n: usize, s: f64| if s > 0.0 { (n as f64 / s).round() } else { 0.0 };
    let tenth = |x: f64| (x * 10.0).round() / 10.0;
    let faults: Vec<Value> = faults::chosen(&args.faults)
        .iter()
        .map(|m| serde_json::to_value(m).unwrap_or_default())
        .collect();
    Ok(json!({
        "bench": "saga",
        "count": args.count,
        "concurrency": args.concurrency,
        "instances": args.instances,
        "faults": faults,
        "kill": args.kill,
        "backlog": args.backlog,
        "series": audit.series,
        "accepted_per_s": per_s(args.count, timings.posted.as_secs_f64()),
        "authorized_per_s": per_s(audit.authorized, span),
        "saga_per_s": args.backlog.then(|| per_s(audit.authorized, saga_span)),
        "request_to_cae_p50_ms": tenth(p50),
        "request_to_cae_p99_ms": tenth(p99),
        "authorized": audit.authorized,
        "rejected": audit.rejected,
        "reconciliations": reconciliations,
        "recovered": recovered,
        "kills": timings.kill.as_ref().map_or(0, |_| 1),
        "restarts": timings.restarts,
        "open_at_kill": timings.kill.as_ref().map(|k| k.open),
        "ledger_vouchers": audit.ledger_vouchers,
        "ledger": audit.verdict(),
        "problem_count": audit.problem_count,
        "problems": audit.problems,
        "appends_per_commit": tenth(commits.appends as f64 / commits.batches.max(1) as f64),
        "wall_s": tenth(timings.total.as_secs_f64()),
    }))
}

//! Invariant 2 on the real Postgres: writer processes, slow transactions that commit low
//! positions late, rolled-back transactions, and a reader paging the global log meanwhile.

use std::collections::HashSet;
use std::process::{Child, Command, Output, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use eventstore::{ExpectedVersion, PgEventStore};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::time::Instant;
use uuid::Uuid;

use crate::support::{Reader, TENANT, WATERMARK_WAIT, events, new_ids, stream};
use crate::writers::{Budget, dense_versions, write_until};

const WRITER_DB: &str = "EVENTSTORE_TEST_WRITER_DB";
const WRITER_NAME: &str = "EVENTSTORE_TEST_WRITER_NAME";
const ACKED: &str = "EVENTSTORE_TEST_ACKED=";
const WRITE_FOR: Duration = Duration::from_millis(1500);
const WRITER_PROCESSES: usize = 2;
const SLOW_WRITERS: usize = 2;

#[derive(Debug, Default)]
struct Written {
    acked: usize,
    rolled_back: Vec<Uuid>,
    /// Slow transactions that saw events with higher positions committed before their own commit.
    overtaken: usize,
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_global_log_reader_misses_nothing_while_processes_append(
    pool_opts: PgPoolOptions,
    connect_opts: PgConnectOptions,
) -> anyhow::Result<()> {
    let db = connect_opts
        .get_database()
        .context("test database name")?
        .to_owned();
    let connect = |size: u32| {
        pool_opts
            .clone()
            .max_connections(size)
            .connect_with(connect_opts.clone())
    };
    let children = (0..WRITER_PROCESSES)
        .map(|i| spawn_writer_process(&db, &format!("process{i}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let until = Instant::now() + WRITE_FOR;
    let fast_store = Arc::new(PgEventStore::new(connect(2).await?));
    let slow_pool = connect(u32::try_from(SLOW_WRITERS)?).await?;
    let reader_store = PgEventStore::new(connect(1).await?);

    let writers = tokio::spawn(run_writers(children, fast_store, slow_pool, until));
    let mut reader = Reader::default();
    let mut pages = 0;
    while !writers.is_finished() {
        match reader.page(&reader_store, 100).await? {
            0 => tokio::time::sleep(Duration::from_millis(2)).await,
            _ => pages += 1,
        }
    }
    let written = writers.await??;
    drain(&mut reader, &reader_store).await?;

    let stored: HashSet<Uuid> = sqlx::query_scalar("select event_id from es.events")
        .fetch_all(reader_store.pool())
        .await?
        .into_iter()
        .collect();
    let seen: HashSet<Uuid> = reader.seen.iter().map(|e| e.event_id).collect();
    eprintln!(
        "{} events stored ({} acknowledged, {} rolled back, {} slow commits overtaken); \
         {} read, in {pages} pages while writing and a final drain",
        stored.len(),
        written.acked,
        written.rolled_back.len(),
        written.overtaken,
        seen.len()
    );
    let missed = stored.difference(&seen).count();
    ensure!(
        missed == 0,
        "the reader missed {missed} of {} committed events",
        stored.len()
    );
    ensure!(
        seen.is_subset(&stored),
        "the reader saw events that are not stored"
    );
    ensure!(
        written.rolled_back.iter().all(|id| !seen.contains(id)),
        "saw a rolled-back event"
    );
    ensure!(
        written.acked == stored.len(),
        "{} acknowledged, {} stored",
        written.acked,
        stored.len()
    );
    ensure!(
        written.overtaken > 0,
        "no slow commit was overtaken: late commits went untested"
    );
    dense_versions(&reader.seen)
}

/// Waits for every writer: this process's fast and slow ones and the writer processes.
async fn run_writers(
    children: Vec<Child>,
    fast_store: Arc<PgEventStore>,
    slow_pool: PgPool,
    until: Instant,
) -> anyhow::Result<Written> {
    let budget = Budget {
        until,
        appends: u64::MAX,
    };
    let fast = tokio::spawn(write_until(fast_store, "parent", 2, budget));
    let slow: Vec<_> = (0..SLOW_WRITERS)
        .map(|i| tokio::spawn(slow_writer(slow_pool.clone(), i, until)))
        .collect();
    let processes: Vec<_> = children
        .into_iter()
        .map(|child| tokio::task::spawn_blocking(move || child.wait_with_output()))
        .collect();
    let mut written = Written {
        acked: fast.await??,
        ..Written::default()
    };
    for handle in slow {
        let report = handle.await??;
        written.acked += report.acked;
        written.rolled_back.extend(report.rolled_back);
        written.overtaken += report.overtaken;
    }
    for handle in processes {
        written.acked += acked_by(&handle.await??)?;
    }
    Ok(written)
}

/// Reads until the watermark has passed every stored event and a last pass finds nothing new.
async fn drain(reader: &mut Reader, store: &PgEventStore) -> anyhow::Result<()> {
    let deadline = Instant::now() + WATERMARK_WAIT;
    loop {
        let settled: bool = sqlx::query_scalar(
            "select pg_snapshot_xmin(pg_current_snapshot()) > \
             coalesce((select tx_id from es.events order by tx_id desc limit 1), '0'::xid8)",
        )
        .fetch_one(store.pool())
        .await?;
        while reader.page(store, 1_000).await? > 0 {}
        if settled {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "a long transaction in the cluster held the watermark back"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Appends two events per transaction, then sleeps in the transaction before committing (or, one
/// time in three, rolling back), so that faster writers commit higher positions first.
async fn slow_writer(pool: PgPool, index: usize, until: Instant) -> anyhow::Result<Written> {
    let s = stream(&format!("slow-{index}"));
    let mut version = None;
    let mut written = Written::default();
    for round in 0.. {
        if Instant::now() >= until {
            break;
        }
        let batch = events(TENANT, 2);
        let mut tx = pool.begin().await?;
        let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
        let outcome = PgEventStore::append_in(&mut tx, &s, expected, &batch).await?;
        sqlx::query("select pg_sleep(0.25)")
            .execute(&mut *tx)
            .await?;
        let overtaking: i64 =
            sqlx::query_scalar("select count(*) from es.events where global_position > $1")
                .bind(outcome.position.position)
                .fetch_one(&mut *tx)
                .await?;
        if round % 3 == 2 {
            tx.rollback().await?;
            written.rolled_back.extend(new_ids(&batch));
        } else {
            tx.commit().await?;
            written.acked += batch.len();
            written.overtaken += usize::from(overtaking > 0);
            version = Some(outcome.last_version);
        }
    }
    Ok(written)
}

/// Starts this test binary again as a writer process (the ignored test below).
fn spawn_writer_process(db: &str, name: &str) -> anyhow::Result<Child> {
    let child = Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "parallel::writer_process",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads=1", "--color=never"])
        .env(WRITER_DB, db)
        .env(WRITER_NAME, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting a writer process")?;
    Ok(child)
}

/// The number of events a writer process acknowledged, from its output.
fn acked_by(output: &Output) -> anyhow::Result<usize> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "writer process failed ({}):\n{stdout}\n{stderr}",
            output.status
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.split_once(ACKED).map(|(_, n)| n));
    let line = line.with_context(|| format!("writer process printed no count:\n{stdout}"))?;
    Ok(line.trim().parse()?)
}

/// The body of a writer process: appends from three connections of its own pool for
/// `WRITE_FOR`, then prints how many events were acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the writer process of the_global_log_reader_misses_nothing_while_processes_append"]
async fn writer_process() -> anyhow::Result<()> {
    let (Ok(db), Ok(name)) = (std::env::var(WRITER_DB), std::env::var(WRITER_NAME)) else {
        eprintln!("not started as a writer process: nothing to do");
        return Ok(());
    };
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let options = PgConnectOptions::from_str(&url)?.database(&db);
    let pool = PgPoolOptions::new()
        .max_connections(3)
        .connect_with(options)
        .await?;
    let budget = Budget {
        until: Instant::now() + WRITE_FOR,
        appends: u64::MAX,
    };
    let acked = write_until(Arc::new(PgEventStore::new(pool)), &name, 3, budget).await?;
    println!("{ACKED}{acked}");
    Ok(())
}

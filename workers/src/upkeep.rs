//! Keeps the system's busiest tables clean and their statistics fresh, whether or not the
//! database does it.
//!
//! Every row update in Postgres leaves a dead row version behind, and its index entries stay until
//! a vacuum removes them. Some tables here change several times per row: each webhook delivery
//! row is updated twice (its outcome then passes through a queue table), and each invoice row
//! twice. Their "what is due" scans walk a partial index from its oldest end, which is where
//! finished rows leave their dead entries.
//!
//! Statistics matter as much. Connections keep their prepared statements, and a statement planned
//! while its table was nearly empty keeps a sequential scan until an ANALYZE of the table
//! invalidates the plan. With autovacuum off, no ANALYZE ever comes. In a 200 s webhook run at
//! 2,000 deliveries/s, the payload reads of one invoice and its items had become scans of the
//! whole tables: 5 and 8 ms each, where an index lookup takes well under 1 ms.
//!
//! So the workers look at `pg_stat_user_tables` every `vacuum_interval_seconds`, at the tables of
//! the system's own schemas (`es`, `rm`, `webhooks`, `arca_ws`, `documents`):
//! - a table holding at least `vacuum_min_dead_rows` dead rows is vacuumed;
//! - a table whose rows changed, since its last analysis, more than autovacuum's default
//!   threshold (50 rows plus 10 % of the table) is analyzed.
//!
//! Both run with `skip_locked`: several instances, a running autovacuum or a rebuild never wait on
//! each other. Tables of other schemas in the same database are left alone. Where autovacuum
//! keeps up, tables stay under both thresholds and this does nothing.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use infra::Exporter;
use prometheus::{IntCounterVec, Opts};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The schemas whose tables this vacuums and analyzes: the system's own.
pub const SCHEMAS: [&str; 5] = ["es", "rm", "webhooks", "arca_ws", "documents"];

/// What was done to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintained {
    /// `schema.table`.
    pub table: String,
    /// Whether it was vacuumed.
    pub vacuumed: bool,
    /// Whether it was analyzed.
    pub analyzed: bool,
}

/// Vacuums the system's tables holding at least `min_dead_rows` dead rows and analyzes those
/// changed past autovacuum's default threshold, once; answers what it did, tables with the most
/// dead rows first.
///
/// # Errors
/// Reading the statistics, or a vacuum or an analysis failed.
pub async fn maintain_due(pool: &PgPool, min_dead_rows: i64) -> anyhow::Result<Vec<Maintained>> {
    // format('%I.%I') quotes the names, so the statements below cannot be anything else.
    let due: Vec<(String, String, bool, bool)> = sqlx::query_as(
        "select quoted, name, to_vacuum, to_analyze from ( \
             select format('%I.%I', schemaname, relname) as quoted, \
                 schemaname || '.' || relname as name, n_dead_tup, \
                 n_dead_tup >= $2 as to_vacuum, \
                 n_mod_since_analyze >= 50 + n_live_tup / 10 as to_analyze \
             from pg_stat_user_tables where schemaname = any($1)) as t \
         where to_vacuum or to_analyze \
         order by n_dead_tup desc, name",
    )
    .bind(SCHEMAS.as_slice())
    .bind(min_dead_rows)
    .fetch_all(pool)
    .await
    .context("reading dead and changed rows from pg_stat_user_tables")?;
    let mut done = Vec::with_capacity(due.len());
    for (quoted, table, vacuum, analyze) in due {
        let started = Instant::now();
        let statement = match (vacuum, analyze) {
            (true, true) => format!("vacuum (analyze, skip_locked) {quoted}"),
            (true, false) => format!("vacuum (skip_locked) {quoted}"),
            (false, _) => format!("analyze (skip_locked) {quoted}"),
        };
        // VACUUM cannot run in a transaction block: the simple protocol sends it as it is.
        sqlx::raw_sql(&statement)
            .execute(pool)
            .await
            .with_context(|| format!("maintaining {table}"))?;
        tracing::debug!(
            table,
            vacuum,
            analyze,
            ms = started.elapsed().as_millis(),
            "maintained"
        );
        done.push(Maintained {
            table,
            vacuumed: vacuum,
            analyzed: analyze,
        });
    }
    Ok(done)
}

/// How often to look, and when a table is due for a vacuum.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Time between looks.
    pub every: Duration,
    /// Dead rows that make a table due for a vacuum.
    pub min_dead_rows: i64,
}

/// Registers `table_maintenance_total{table,operation}`: the vacuums and analyses [`keep_clean`]
/// ran.
///
/// # Errors
/// Already registered.
pub fn observe(exporter: &Exporter) -> prometheus::Result<IntCounterVec> {
    let maintenance = IntCounterVec::new(
        Opts::new(
            "table_maintenance_total",
            "Vacuums and analyses the workers ran on tables of the system that were due",
        ),
        &["table", "operation"],
    )?;
    exporter
        .registry()
        .register(Box::new(maintenance.clone()))?;
    Ok(maintenance)
}

/// Vacuums and analyzes the system's tables as they fall due until `shutdown` resolves; does
/// nothing without a schedule.
///
/// # Errors
/// Postgres unreachable at start-up, or the metric registered already.
pub async fn run(
    database_url: &SecretString,
    schedule: Option<Schedule>,
    exporter: &Exporter,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let Some(schedule) = schedule else {
        return Ok(());
    };
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(database_url.expose_secret())
        .await
        .context("connecting the vacuum task to Postgres (ARCA_DATABASE_URL)")?;
    let counter = observe(exporter)?;
    keep_clean(&pool, schedule, Some(&counter), shutdown).await;
    Ok(())
}

/// Runs [`maintain_due`] every `every` until `shutdown` resolves, counting what it does in
/// `counter` by table and operation; a failed round is logged and the next one runs as planned.
pub async fn keep_clean(
    pool: &PgPool,
    schedule: Schedule,
    counter: Option<&IntCounterVec>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut ticks = tokio::time::interval(schedule.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        match maintain_due(pool, schedule.min_dead_rows).await {
            Ok(done) => count(counter, &done),
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "maintaining the system's tables failed"
                );
            }
        }
    }
}

/// Counts each vacuum and analysis of `done` in `counter`, if there is one.
fn count(counter: Option<&IntCounterVec>, done: &[Maintained]) {
    let Some(counter) = counter else { return };
    for table in done {
        let operations = [(table.vacuumed, "vacuum"), (table.analyzed, "analyze")];
        for (_, operation) in operations.iter().filter(|(did, _)| *did) {
            counter
                .with_label_values(&[table.table.as_str(), operation])
                .inc();
        }
    }
}

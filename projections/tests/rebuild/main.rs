//! Blue/green rebuilds of the invoices projection on the real Postgres, fed from the real store.

#[allow(dead_code)]
#[path = "../invoices/support.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use projections::rebuild::{Progress, RebuildOptions, retired_schemas};
use projections::{
    GlobalLog, InvoicesProjector, ProjectionError, Projector, RebuildError, load_checkpoint,
    rebuild,
};
use sqlx::PgPool;
use tokio::sync::Notify;

use support::{Fixture, Lifecycle, StoreLog, drain, log_up_to, runner};

const KINDS: [Lifecycle; 6] = [
    Lifecycle::Requested,
    Lifecycle::Numbered,
    Lifecycle::Authorized,
    Lifecycle::Rejected,
    Lifecycle::Unknown,
    Lifecycle::UnknownThenAuthorized,
];

/// Appends `count` invoices of every lifecycle, split over both tenants.
async fn seed(fx: &Fixture, count: usize) -> anyhow::Result<()> {
    for (i, kind) in KINDS.iter().cycle().take(count).enumerate() {
        let tenant = if i % 3 == 0 { fx.tenant_b } else { fx.tenant_a };
        fx.invoice(tenant, *kind).await?;
    }
    Ok(())
}

/// Every row of every table of the projection in `schema`, as JSON text, table by table.
async fn all_rows(pool: &PgPool, schema: &str) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut tables = Vec::new();
    for table in InvoicesProjector::new().tables() {
        let sql = format!("select to_jsonb(t)::text from {schema}.{table} t order by 1");
        tables.push((
            (*table).to_owned(),
            sqlx::query_scalar(&sql).fetch_all(pool).await?,
        ));
    }
    Ok(tables)
}

/// The names of the indexes on `rm`'s tables of the projection.
async fn serving_indexes(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select indexname::text from pg_indexes where schemaname = 'rm' \
         and tablename in ('invoices', 'invoice_items', 'invoice_iva') order by 1",
    )
    .fetch_all(pool)
    .await
}

/// The rows a projection from scratch yields for the whole log up to `target` (schema `scratch`).
async fn projected_from_scratch(
    pool: &PgPool,
    target: GlobalPosition,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let projector = InvoicesProjector::in_schema("scratch")?;
    projector.prepare(&mut *pool.acquire().await?).await?;
    drain(&runner(pool, projector).generation(99), target).await?;
    all_rows(pool, "scratch").await
}

fn quick() -> RebuildOptions {
    RebuildOptions {
        batch_size: 7,
        progress_every: Duration::from_millis(10),
        ..RebuildOptions::default()
    }
}

async fn schema_exists(pool: &PgPool, schema: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from pg_namespace where nspname = $1)")
        .bind(schema)
        .fetch_one(pool)
        .await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_rebuild_switches_in_identical_rows_and_retires_the_old_tables(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    seed(&fx, 30).await?;
    let live = runner(&pool, InvoicesProjector::new()).batch_size(4);
    drain(&live, fx.last()).await?;
    let before = all_rows(&pool, "rm").await?;
    let indexes = serving_indexes(&pool).await?;
    let table_oid = "select 'rm.invoices'::regclass::oid::bigint";
    let old_oid: i64 = sqlx::query_scalar(table_oid).fetch_one(&pool).await?;

    let mut seen = Vec::new();
    log_up_to(&pool, fx.last()).await?;
    let log = StoreLog::new(&pool);
    let report = rebuild(&pool, &InvoicesProjector::new(), &log, &quick(), |p| {
        seen.push(p);
    })
    .await?;

    assert_eq!(report.generation, 2);
    assert!(report.differences.is_empty());
    assert_eq!(report.switched_at, fx.last());
    assert!(matches!(
        seen.first(),
        Some(Progress::Started { generation: 2, .. })
    ));
    assert!(seen.iter().any(|p| matches!(p, Progress::CaughtUp { .. })));
    assert!(seen.iter().any(|p| matches!(p, Progress::Verified { .. })));
    let invoices = &report.tables[0];
    assert_eq!(
        (
            invoices.table.as_str(),
            invoices.serving_rows,
            invoices.rebuilt_rows
        ),
        ("invoices", 30, 30)
    );
    let new_oid: i64 = sqlx::query_scalar(table_oid).fetch_one(&pool).await?;
    assert_ne!(new_oid, old_oid, "rm.invoices is the rebuilt table");
    assert_eq!(all_rows(&pool, "rm").await?, before);
    assert_eq!(all_rows(&pool, &report.retired_schema).await?, before);
    assert_eq!(
        retired_schemas(&pool, "invoices").await?,
        vec![report.retired_schema.clone()]
    );
    assert_eq!(serving_indexes(&pool).await?, indexes, "index names kept");
    assert!(!schema_exists(&pool, "rm_build_invoices_2").await?);
    let generations: Vec<i32> =
        sqlx::query_scalar("select generation from rm.checkpoints where projection = 'invoices'")
            .fetch_all(&pool)
            .await?;
    assert_eq!(generations, vec![1]);
    assert_eq!(live.checkpoint().await?, fx.last());

    // The live feed goes on writing the new tables.
    fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    drain(&live, fx.last()).await?;
    assert_eq!(
        all_rows(&pool, "rm").await?,
        projected_from_scratch(&pool, fx.last()).await?
    );
    assert_eq!(
        projections::rebuild::drop_retired(&pool, "invoices").await?,
        vec![report.retired_schema.clone()]
    );
    assert!(!schema_exists(&pool, &report.retired_schema).await?);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn readers_are_served_throughout_and_events_appended_meanwhile_reach_the_new_tables(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Arc::new(Fixture::new(&pool));
    seed(&fx, 120).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    let (stop_live, stopped) = tokio::sync::oneshot::channel::<()>();
    let live = tokio::spawn({
        let live = runner(&pool, InvoicesProjector::new()).batch_size(5);
        async move {
            live.run(async {
                stopped.await.ok();
            })
            .await;
        }
    });

    let done = AtomicBool::new(false);
    let rebuilding = async {
        let log = StoreLog::new(&pool);
        let options = RebuildOptions {
            batch_size: 10,
            ..quick()
        };
        let outcome = rebuild(&pool, &InvoicesProjector::new(), &log, &options, |_| {}).await;
        done.store(true, Ordering::SeqCst);
        outcome
    };
    let reading = async {
        let (mut counts, mut errors) = (Vec::new(), Vec::new());
        while !done.load(Ordering::SeqCst) {
            match sqlx::query_scalar::<_, i64>("select count(*) from rm.invoices")
                .fetch_one(&pool)
                .await
            {
                Ok(count) => counts.push(count),
                Err(error) => errors.push(error.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (counts, errors)
    };
    let appending = async {
        let mut appended = 0;
        while !done.load(Ordering::SeqCst) {
            fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
            appended += 1;
        }
        anyhow::Ok(appended)
    };
    let (report, (counts, errors), appended) = tokio::join!(rebuilding, reading, appending);
    let (report, appended) = (report?, appended?);

    assert!(errors.is_empty(), "readers failed: {errors:?}");
    assert!(counts.len() > 10, "the reader ran throughout ({counts:?})");
    assert!(counts[0] >= 120);
    assert!(
        counts.windows(2).all(|w| w[1] >= w[0]),
        "a reader saw rows disappear: {counts:?}"
    );
    assert!(appended > 0);
    assert!(report.differences.is_empty());

    // The live feed, paused only by the switch, brings every appended invoice into rm.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = pool.acquire().await?;
    while load_checkpoint(&mut conn, "invoices", 1).await?.position < fx.last() {
        anyhow::ensure!(Instant::now() < deadline, "the live feed stopped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_live.send(()).ok();
    live.await?;
    let served: i64 = sqlx::query_scalar("select count(*) from rm.invoices")
        .fetch_one(&pool)
        .await?;
    assert_eq!(served, 120 + appended);
    assert_eq!(
        all_rows(&pool, "rm").await?,
        projected_from_scratch(&pool, fx.last()).await?
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_serving_generation_behind_the_build_is_brought_to_the_same_position_first(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    seed(&fx, 6).await?;
    let halfway = fx.last();
    seed(&fx, 6).await?;
    drain(
        &runner(&pool, InvoicesProjector::new()).batch_size(1),
        halfway,
    )
    .await?;

    // Other tests' transactions can hold the log's watermark back for a moment.
    log_up_to(&pool, fx.last()).await?;
    let log = StoreLog::new(&pool);
    let report = rebuild(&pool, &InvoicesProjector::new(), &log, &quick(), |_| {}).await?;

    assert!(report.differences.is_empty());
    assert_eq!(report.verified_at, fx.last());
    assert_eq!(report.switched_at, fx.last());
    let mut conn = pool.acquire().await?;
    assert_eq!(
        load_checkpoint(&mut conn, "invoices", 1).await?.position,
        fx.last()
    );
    assert_eq!(
        all_rows(&pool, "rm").await?,
        projected_from_scratch(&pool, fx.last()).await?
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_corrupted_serving_row_fails_verification_unless_differences_are_accepted(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    seed(&fx, 12).await?;
    let corrupted = fx.invoice(fx.tenant_b, Lifecycle::Authorized).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    let correct = all_rows(&pool, "rm").await?;
    sqlx::query("update rm.invoices set total = total + 1 where invoice_id = $1")
        .bind(corrupted)
        .execute(&pool)
        .await?;
    let damaged = all_rows(&pool, "rm").await?;
    let log = StoreLog::new(&pool);

    let refused = rebuild(&pool, &InvoicesProjector::new(), &log, &quick(), |_| {}).await;
    let Err(RebuildError::Differs { differences, .. }) = refused else {
        panic!("verification passed over a corrupted row: {refused:?}");
    };
    assert_eq!(differences.len(), 1);
    assert_eq!(
        (differences[0].table.as_str(), differences[0].tenant_id),
        ("invoices", fx.tenant_b.0)
    );
    assert_eq!(all_rows(&pool, "rm").await?, damaged, "nothing switched");
    assert!(retired_schemas(&pool, "invoices").await?.is_empty());

    let options = RebuildOptions {
        accept_differences: true,
        ..quick()
    };
    let report = rebuild(&pool, &InvoicesProjector::new(), &log, &options, |_| {}).await?;
    assert_eq!(report.differences, differences);
    assert_eq!(report.generation, 3, "after the failed generation 2");
    assert_eq!(
        all_rows(&pool, "rm").await?,
        correct,
        "the row is corrected"
    );
    assert_eq!(all_rows(&pool, &report.retired_schema).await?, damaged);
    assert!(!schema_exists(&pool, "rm_build_invoices_2").await?);
    Ok(())
}

/// A log whose reads wait until `open` is notified.
struct Gated<'a> {
    log: StoreLog,
    open: &'a Notify,
    opened: AtomicBool,
}

#[async_trait]
impl GlobalLog for Gated<'_> {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        if !self.opened.load(Ordering::SeqCst) {
            self.open.notified().await;
            self.opened.store(true, Ordering::SeqCst);
        }
        self.log.read_after(after, limit).await
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_second_rebuild_of_the_same_projection_is_refused_while_one_runs(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    seed(&fx, 6).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    let open = Notify::new();
    let gated = Gated {
        log: StoreLog::new(&pool),
        open: &open,
        opened: AtomicBool::new(false),
    };
    let (started, projector, options) = (Notify::new(), InvoicesProjector::new(), quick());
    let first = rebuild(&pool, &projector, &gated, &options, |p| {
        if matches!(p, Progress::Started { .. }) {
            started.notify_one();
        }
    });
    let second = async {
        started.notified().await;
        let log = StoreLog::new(&pool);
        let outcome = rebuild(&pool, &InvoicesProjector::new(), &log, &quick(), |_| {}).await;
        open.notify_one();
        outcome
    };
    let (first, second) = tokio::join!(first, second);

    assert!(
        matches!(&second, Err(RebuildError::Busy(name)) if name == "invoices"),
        "{second:?}"
    );
    assert_eq!(first?.generation, 2);
    // The lock went with the first rebuild's session.
    let log = StoreLog::new(&pool);
    let third = rebuild(&pool, &InvoicesProjector::new(), &log, &quick(), |_| {}).await?;
    assert_eq!(third.generation, 2);
    Ok(())
}

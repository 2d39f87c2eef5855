//! The invoices projection on the real Postgres, fed from the real event store.

mod documents;
mod query;
mod support;

use domain::GlobalPosition;
use projections::{InvoicesProjector, Projector, apply_batch, apply_in};
use sqlx::PgPool;

use support::{Fixture, Lifecycle, drain, invoice_rows, log_up_to, runner};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn projects_totals_items_and_status_through_cae_granted(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let authorized = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let rejected = fx.invoice(fx.tenant_a, Lifecycle::Rejected).await?;
    let pending = fx.invoice(fx.tenant_b, Lifecycle::Requested).await?;
    let applied = drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    assert_eq!(applied, 4 + 4 + 1);

    let row: (
        String,
        Option<i64>,
        Option<String>,
        String,
        String,
        String,
        String,
        i64,
    ) = sqlx::query_as(
        "select status, number, cae, cae_due_date::text, net::text, iva::text, total::text, \
             stream_version from rm.invoices where invoice_id = $1",
    )
    .bind(authorized)
    .fetch_one(&pool)
    .await?;
    assert_eq!(
        row,
        (
            "authorized".into(),
            Some(1),
            Some("71234567890123".into()),
            "2025-07-11".into(),
            "1000.00".into(),
            "210.00".into(),
            "1210.00".into(),
            3
        )
    );
    let (status, errors): (String, Option<serde_json::Value>) =
        sqlx::query_as("select status, rejection_errors from rm.invoices where invoice_id = $1")
            .bind(rejected)
            .fetch_one(&pool)
            .await?;
    assert_eq!(status, "rejected");
    assert_eq!(
        errors.and_then(|e| e["errors"][0]["code"].as_u64()),
        Some(10016)
    );
    let (status, number): (String, Option<i64>) =
        sqlx::query_as("select status, number from rm.invoices where invoice_id = $1")
            .bind(pending)
            .fetch_one(&pool)
            .await?;
    assert_eq!((status.as_str(), number), ("requested", None));
    let items: Vec<(i32, String, String, Option<String>)> = sqlx::query_as(
        "select line_no, quantity::text, net::text, iva from rm.invoice_items \
         where invoice_id = $1 order by line_no",
    )
    .bind(authorized)
    .fetch_all(&pool)
    .await?;
    assert_eq!(
        items,
        vec![(1, "1".into(), "1000.00".into(), Some("21".into()))]
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn projects_iva_per_rate_and_the_lifecycle_instants(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let authorized = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let rejected = fx.invoice(fx.tenant_a, Lifecycle::Rejected).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;

    let iva: Vec<(String, String, String)> = sqlx::query_as(
        "select rate, base::text, amount::text from rm.invoice_iva where invoice_id = $1",
    )
    .bind(authorized)
    .fetch_all(&pool)
    .await?;
    assert_eq!(iva, vec![("21".into(), "1000.00".into(), "210.00".into())]);
    let instants = "select submitted_at is not null, authorized_at >= requested_at, \
         rejected_at is not null from rm.invoices where invoice_id = $1";
    let authorized_row: (bool, Option<bool>, bool) = sqlx::query_as(instants)
        .bind(authorized)
        .fetch_one(&pool)
        .await?;
    assert_eq!(authorized_row, (true, Some(true), false));
    let rejected_row: (bool, Option<bool>, bool) = sqlx::query_as(instants)
        .bind(rejected)
        .fetch_one(&pool)
        .await?;
    assert_eq!(rejected_row, (true, None, true));
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_released_number_is_cleared_and_a_new_one_replaces_it(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let released = fx.invoice(fx.tenant_a, Lifecycle::Released).await?;
    let renumbered = fx.invoice(fx.tenant_a, Lifecycle::Renumbered).await?;
    // Once in one batch, once an event per batch: the same rows.
    for (schema, size) in [("rm", 1_000), ("rm_one_by_one", 1)] {
        let projector = InvoicesProjector::in_schema(schema)?;
        projector.prepare(&mut *pool.acquire().await?).await?;
        let generation = if size == 1 { 2 } else { 1 };
        drain(
            &runner(&pool, projector)
                .generation(generation)
                .batch_size(size),
            fx.last(),
        )
        .await?;
        let sql = format!("select status, number from {schema}.invoices where invoice_id = $1");
        let row: (String, Option<i64>) =
            sqlx::query_as(&sql).bind(released).fetch_one(&pool).await?;
        assert_eq!(row, ("requested".into(), None), "{schema}");
        let row: (String, Option<i64>) = sqlx::query_as(&sql)
            .bind(renumbered)
            .fetch_one(&pool)
            .await?;
        assert_eq!(row.0, "numbered", "{schema}");
        assert!(row.1.is_some_and(|n| n > 1000), "{schema}: {row:?}");
    }
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn applying_the_same_batch_twice_changes_nothing(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    fx.invoice(fx.tenant_b, Lifecycle::Unknown).await?;
    fx.invoice(fx.tenant_b, Lifecycle::Documented).await?;
    let batch = log_up_to(&pool, fx.last()).await?;
    let projector = InvoicesProjector::new();

    assert_eq!(
        apply_batch(&pool, &projector, 1, &batch).await?,
        batch.len()
    );
    let rows = invoice_rows(&pool, "rm").await?;
    let checkpoint = runner(&pool, InvoicesProjector::new()).checkpoint().await?;
    assert_eq!(
        checkpoint,
        batch.last().map(|e| e.position).unwrap_or_default()
    );

    assert_eq!(
        apply_batch(&pool, &projector, 1, &batch).await?,
        0,
        "re-delivery skipped"
    );
    assert_eq!(invoice_rows(&pool, "rm").await?, rows);
    assert_eq!(
        runner(&pool, InvoicesProjector::new()).checkpoint().await?,
        checkpoint
    );

    // Below the checkpoint, the rows guard themselves: replaying every event (and an older one
    // after a newer one) straight into the projector moves nothing back.
    let mut conn = pool.acquire().await?;
    projector.apply(&mut conn, &batch).await?;
    let reversed: Vec<_> = batch.iter().rev().cloned().collect();
    for event in &reversed {
        projector
            .apply(&mut conn, std::slice::from_ref(event))
            .await?;
    }
    assert_eq!(invoice_rows(&pool, "rm").await?, rows);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_crash_before_commit_leaves_nothing_and_the_next_run_applies_once(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    fx.invoice(fx.tenant_a, Lifecycle::Rejected).await?;
    let batch = log_up_to(&pool, fx.last()).await?;
    let projector = InvoicesProjector::new();
    {
        let mut tx = pool.begin().await?;
        assert_eq!(apply_in(&mut tx, &projector, 1, &batch).await?, 8);
        let inside: i64 = sqlx::query_scalar("select count(*) from rm.invoices")
            .fetch_one(&mut *tx)
            .await?;
        assert_eq!(inside, 2);
        // Dropped without commit: the process died here.
    }
    let run = runner(&pool, InvoicesProjector::new());
    assert_eq!(run.checkpoint().await?, GlobalPosition::START);
    assert!(invoice_rows(&pool, "rm").await?.is_empty());
    assert_eq!(drain(&run, fx.last()).await?, 8);
    assert_eq!(run.run_once().await?, 0);
    let count: i64 = sqlx::query_scalar("select count(*) from rm.invoice_items")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 2);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_rebuild_from_the_store_yields_the_same_rows(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    // Live: small batches, applied while invoices move through their lifecycles.
    let live = runner(&pool, InvoicesProjector::new()).batch_size(3);
    let kinds = [
        Lifecycle::Requested,
        Lifecycle::Numbered,
        Lifecycle::Authorized,
        Lifecycle::Rejected,
        Lifecycle::Unknown,
        Lifecycle::UnknownThenAuthorized,
        Lifecycle::Documented,
    ];
    for (i, kind) in kinds.iter().cycle().take(28).enumerate() {
        let tenant = if i % 3 == 0 { fx.tenant_b } else { fx.tenant_a };
        fx.invoice(tenant, *kind).await?;
        live.run_once().await?;
    }
    drain(&live, fx.last()).await?;

    // Rebuild: a new generation in an empty schema, from the start of the log, in big batches.
    let projector = InvoicesProjector::in_schema("rm_g2")?;
    projector.prepare(&mut *pool.acquire().await?).await?;
    let rebuild = runner(&pool, projector).generation(2).batch_size(1_000);
    let applied = drain(&rebuild, fx.last()).await?;
    assert!(applied > 28 * 3, "rebuilt {applied} events");
    assert_eq!(rebuild.checkpoint().await?, live.checkpoint().await?);

    let served = invoice_rows(&pool, "rm").await?;
    assert_eq!(served.len(), 28);
    assert_eq!(invoice_rows(&pool, "rm_g2").await?, served);
    let checksums = "select tenant_id, count(*), md5(string_agg(to_jsonb(i)::text, ',' \
                     order by invoice_id)) from {s}.invoices i group by tenant_id order by 1";
    let per_tenant = |s: &str| {
        let sql = checksums.replace("{s}", s);
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (uuid::Uuid, i64, String)>(&sql)
                .fetch_all(&pool)
                .await
        }
    };
    assert_eq!(per_tenant("rm_g2").await?, per_tenant("rm").await?);
    let items = "select count(*) from (select * from rm.invoice_items \
                 except select * from rm_g2.invoice_items) d";
    assert_eq!(
        sqlx::query_scalar::<_, i64>(items).fetch_one(&pool).await?,
        0
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenant_filter_shows_only_that_tenants_invoices(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let a1 = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let a2 = fx.invoice(fx.tenant_a, Lifecycle::Requested).await?;
    fx.invoice(fx.tenant_b, Lifecycle::Authorized).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    let mut seen: Vec<uuid::Uuid> =
        sqlx::query_scalar("select invoice_id from rm.invoices where tenant_id = $1")
            .bind(fx.tenant_a.as_uuid())
            .fetch_all(&pool)
            .await?;
    seen.sort();
    let mut expected = vec![a1, a2];
    expected.sort();
    assert_eq!(seen, expected);
    let authorized_b: i64 = sqlx::query_scalar(
        "select count(*) from rm.invoices where tenant_id = $1 and status = 'authorized'",
    )
    .bind(fx.tenant_b.as_uuid())
    .fetch_one(&pool)
    .await?;
    assert_eq!(authorized_b, 1);
    Ok(())
}

/// The serving projection reports invoices that reached their end (`Prefer: wait` listens for
/// it) once its batch commits; one still on its way is not reported.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn invoices_reaching_their_end_are_reported_on_commit(pool: PgPool) -> anyhow::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
    listener
        .listen(projections::invoices::FINALS_CHANNEL)
        .await?;
    let fx = Fixture::new(&pool);
    let authorized = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let rejected = fx.invoice(fx.tenant_a, Lifecycle::Rejected).await?;
    let pending = fx.invoice(fx.tenant_b, Lifecycle::Requested).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;
    let notice = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await??;
    let reported: Vec<&str> = notice.payload().split(',').collect();
    assert!(
        reported.contains(&authorized.to_string().as_str()),
        "{reported:?}"
    );
    assert!(
        reported.contains(&rejected.to_string().as_str()),
        "{reported:?}"
    );
    assert!(
        !reported.contains(&pending.to_string().as_str()),
        "{reported:?}"
    );
    Ok(())
}

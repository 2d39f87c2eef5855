//! The workers' upkeep of the system's tables (`workers::upkeep`): a table of the system with many
//! changed rows is analyzed, one past the dead-row threshold is vacuumed, one outside the system's
//! schemas is left alone, and the loop does it on its own schedule until shut down.

use std::time::Duration;

use sqlx::PgPool;
use workers::upkeep::{Maintained, SCHEMAS, Schedule, keep_clean, maintain_due};

use crate::support::{one_session, table_stats};

/// Makes `rows` pending deliveries and moves each one's due time `updates` times: every update
/// changes an indexed column, so each leaves a dead row version.
async fn churn_deliveries(pool: &PgPool, rows: i32, updates: usize) {
    sqlx::query(
        "insert into webhooks.deliveries (delivery_id, tenant_id, subscription_id, event_id, \
             event_type, stream_id, event_tx_id, event_position, occurred_at, status, \
             next_attempt_at) \
         select gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), \
             'invoice.requested', 'invoice-' || n, n, 0, now(), 'pending', now() \
         from generate_series(1, $1) as n",
    )
    .bind(rows)
    .execute(pool)
    .await
    .expect("the test database answers");
    for _ in 0..updates {
        sqlx::query(
            "update webhooks.deliveries set next_attempt_at = next_attempt_at + interval '1 s'",
        )
        .execute(pool)
        .await
        .expect("the test database answers");
    }
}

/// Dead rows, manual vacuums and manual analyses of `schema.table`, as the statistics see them.
async fn stats(pool: &PgPool, schema: &str, table: &str) -> (i64, i64, i64) {
    let stats = table_stats(pool, schema, table).await;
    (stats.n_dead_tup, stats.vacuum_count, stats.analyze_count)
}

/// What `done` did to `table`.
fn to<'a>(done: &'a [Maintained], table: &str) -> Option<&'a Maintained> {
    done.iter().find(|m| m.table == table)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_table_of_the_system_past_the_threshold_is_vacuumed_and_no_other(pool: PgPool) {
    let pool = one_session(&pool).await;
    churn_deliveries(&pool, 2_000, 3).await;
    // Past the threshold too, but not the system's: left to its owner.
    sqlx::query("create table public.someone_elses (n int)")
        .execute(&pool)
        .await
        .expect("the test database answers");
    sqlx::query("insert into public.someone_elses select generate_series(1, 8000)")
        .execute(&pool)
        .await
        .expect("the test database answers");
    sqlx::query("delete from public.someone_elses")
        .execute(&pool)
        .await
        .expect("the test database answers");
    // Page pruning may already have taken some of the 6,000 dead versions.
    let (dead, vacuums, analyses) = stats(&pool, "webhooks", "deliveries").await;
    assert!(
        (3_000..=6_000).contains(&dead) && vacuums == 0 && analyses == 0,
        "{dead} dead, {vacuums} vacuums, {analyses} analyses"
    );
    assert_eq!(stats(&pool, "public", "someone_elses").await, (8_000, 0, 0));

    // Under the dead-row threshold: analyzed (thousands of changed rows), not vacuumed.
    let done = maintain_due(&pool, dead + 1)
        .await
        .expect("the test database answers");
    assert_eq!(
        to(&done, "webhooks.deliveries"),
        Some(&Maintained {
            table: "webhooks.deliveries".to_owned(),
            vacuumed: false,
            analyzed: true,
        })
    );
    assert!(
        done.iter().all(|m| SCHEMAS
            .iter()
            .any(|schema| m.table.starts_with(&format!("{schema}.")))),
        "{done:?}"
    );
    // The analysis counts the dead rows afresh, from the table itself.
    let (dead, vacuums, analyses) = stats(&pool, "webhooks", "deliveries").await;
    assert!(
        dead >= 1_000 && vacuums == 0 && analyses == 1,
        "{dead} dead, {vacuums} vacuums, {analyses} analyses"
    );

    // At the threshold: vacuumed; not analyzed again, nothing changed since.
    let done = maintain_due(&pool, dead)
        .await
        .expect("the test database answers");
    assert_eq!(
        done,
        vec![Maintained {
            table: "webhooks.deliveries".to_owned(),
            vacuumed: true,
            analyzed: false,
        }]
    );
    assert_eq!(stats(&pool, "webhooks", "deliveries").await, (0, 1, 1));
    assert_eq!(stats(&pool, "public", "someone_elses").await, (8_000, 0, 0));
    assert_eq!(maintain_due(&pool, dead).await.unwrap(), Vec::new());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_loop_vacuums_on_its_own_until_shut_down(pool: PgPool) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let schedule = Schedule {
        every: Duration::from_millis(50),
        min_dead_rows: 1_000,
    };
    let task = {
        let pool = pool.clone();
        tokio::spawn(async move {
            keep_clean(&pool, schedule, None, async {
                let _ = stopped.await;
            })
            .await;
        })
    };
    let session = one_session(&pool).await;
    churn_deliveries(&session, 2_000, 2).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while stats(&session, "webhooks", "deliveries").await.1 == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the loop never vacuumed webhooks.deliveries"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).expect("the test database answers");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops when shut down")
        .expect("the test database answers");
}

/// `count` items of invoices of their own, of one tenant.
async fn items(pool: &PgPool, tenant: uuid::Uuid, count: i32) {
    sqlx::query(
        "insert into rm.invoice_items (invoice_id, line_no, tenant_id, description, quantity, \
             unit_price, net) \
         select gen_random_uuid(), 1, $1, 'item ' || n, 1, n, n from generate_series(1, $2) as n",
    )
    .bind(tenant)
    .bind(count)
    .execute(pool)
    .await
    .expect("the test database answers");
}

/// Sequential scans of `rm.invoice_items` after reading one invoice's items `times` times with
/// a statement of the webhook payloads' shape (prepared once per connection).
async fn read_items(pool: &PgPool, tenant: uuid::Uuid, times: usize) -> i64 {
    for _ in 0..times {
        sqlx::query(
            "select invoice_id, line_no, description from rm.invoice_items \
             where tenant_id = $1 and invoice_id = any($2) order by invoice_id, line_no",
        )
        .bind(tenant)
        .bind(vec![uuid::Uuid::new_v4()])
        .fetch_all(pool)
        .await
        .expect("the test database answers");
    }
    sqlx::query("select pg_stat_force_next_flush()")
        .execute(pool)
        .await
        .expect("the test database answers");
    sqlx::query_scalar(
        "select seq_scan from pg_stat_user_tables \
         where schemaname = 'rm' and relname = 'invoice_items'",
    )
    .fetch_one(pool)
    .await
    .expect("the test database answers")
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_statement_planned_on_a_small_table_finds_its_index_once_the_table_is_analyzed(
    pool: PgPool,
) {
    let pool = one_session(&pool).await;
    let tenant = uuid::Uuid::new_v4();
    // Planned (and, after five runs, cached generic) while the table is one page.
    items(&pool, tenant, 10).await;
    read_items(&pool, tenant, 8).await;
    items(&pool, tenant, 20_000).await;
    let before = read_items(&pool, tenant, 0).await;
    let stale = read_items(&pool, tenant, 10).await;
    assert!(
        stale - before >= 9,
        "the cached plan scans the whole table: {before} then {stale}"
    );

    let done = maintain_due(&pool, i64::MAX)
        .await
        .expect("the test database answers");
    assert!(
        done.iter()
            .any(|m| m.table == "rm.invoice_items" && m.analyzed && !m.vacuumed),
        "{done:?}"
    );
    let after = read_items(&pool, tenant, 10).await;
    assert!(
        after - stale <= 1,
        "read through the index once analyzed: {stale} then {after}"
    );
}

//! `invoice.document_issued` in the invoices read model: the latest document recorded is shown,
//! the status stays as it was, whatever the batches.

use projections::InvoicesProjector;
use sqlx::PgPool;

use crate::support::{Fixture, Lifecycle, document, drain, invoice_rows, runner};

type Shown = (
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

async fn shown(pool: &PgPool, schema: &str, id: uuid::Uuid) -> sqlx::Result<Shown> {
    let sql = format!(
        "select status, stream_version, document_sha256, document_key, document_bytes, \
             document_template from {schema}.invoices where invoice_id = $1"
    );
    sqlx::query_as(&sql).bind(id).fetch_one(pool).await
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_latest_document_recorded_is_shown_and_the_status_stays(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let documented = fx.invoice(fx.tenant_a, Lifecycle::Documented).await?;
    let plain = fx.invoice(fx.tenant_b, Lifecycle::Authorized).await?;
    // One event a batch: each document alone in its batch.
    drain(
        &runner(&pool, InvoicesProjector::new()).batch_size(1),
        fx.last(),
    )
    .await?;

    let latest = document(1, "2");
    let expected: Shown = (
        "authorized".into(),
        5,
        Some(latest.sha256),
        Some(latest.key),
        Some(1_001),
        Some("2".into()),
    );
    assert_eq!(shown(&pool, "rm", documented).await?, expected);
    let (status, _, sha256, key, bytes, template) = shown(&pool, "rm", plain).await?;
    assert_eq!(status, "authorized");
    assert_eq!((sha256, key, bytes, template), (None, None, None, None));

    // Every event in one batch: the same rows.
    let projector = InvoicesProjector::in_schema("rm_g2")?;
    projector.prepare(&mut *pool.acquire().await?).await?;
    drain(
        &runner(&pool, projector).generation(2).batch_size(1_000),
        fx.last(),
    )
    .await?;
    assert_eq!(shown(&pool, "rm_g2", documented).await?, expected);
    assert_eq!(
        invoice_rows(&pool, "rm_g2").await?,
        invoice_rows(&pool, "rm").await?
    );
    Ok(())
}

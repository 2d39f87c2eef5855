//! Reads of the invoices read model: pages, filters, one invoice, read-your-writes.

use std::collections::BTreeSet;
use std::time::Duration;

use domain::testing::factura_b;
use projections::InvoicesProjector;
use projections::query::{self, InvoiceFilter, MAX_PAGE};
use rust_decimal_macros::dec;
use sqlx::PgPool;
use uuid::Uuid;

use crate::support::{Fixture, Lifecycle, drain, runner};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn lists_newest_first_in_pages_that_chain_by_cursor(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let mut mine = Vec::new();
    for _ in 0..5 {
        mine.push(fx.invoice(fx.tenant_a, Lifecycle::Requested).await?);
    }
    fx.invoice(fx.tenant_b, Lifecycle::Requested).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;

    let all = InvoiceFilter::default();
    let (mut seen, mut after, mut sizes) = (Vec::new(), None, Vec::new());
    loop {
        let page = query::invoices(&pool, fx.tenant_a, &all, 2, after.as_ref()).await?;
        sizes.push(page.items.len());
        seen.extend(page.items.iter().map(|r| (r.requested_at, r.invoice_id)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, vec![2, 2, 1]);
    let mut newest_first = seen.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, newest_first);
    let ids: BTreeSet<Uuid> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, mine.into_iter().collect());
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn filters_by_status_type_receiver_and_amount(pool: PgPool) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let authorized = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let rejected = fx.invoice(fx.tenant_a, Lifecycle::Rejected).await?;
    let to_consumer = fx
        .invoice_of(fx.tenant_a, Lifecycle::Requested, factura_b())
        .await?;
    fx.invoice(fx.tenant_b, Lifecycle::Authorized).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;

    let ids = |filter: InvoiceFilter| {
        let pool = pool.clone();
        async move {
            let page = query::invoices(&pool, fx.tenant_a, &filter, MAX_PAGE, None).await?;
            anyhow::Ok(
                page.items
                    .iter()
                    .map(|r| r.invoice_id)
                    .collect::<BTreeSet<_>>(),
            )
        }
    };
    let one = |id: Uuid| BTreeSet::from([id]);
    let status = |s: &str| InvoiceFilter {
        status: Some(s.to_owned()),
        ..InvoiceFilter::default()
    };
    assert_eq!(ids(status("authorized")).await?, one(authorized));
    assert_eq!(ids(status("rejected")).await?, one(rejected));
    let factura_b_type = InvoiceFilter {
        voucher_type: Some(6),
        ..InvoiceFilter::default()
    };
    assert_eq!(ids(factura_b_type).await?, one(to_consumer));
    let by_name = InvoiceFilter {
        receiver_name: Some("cLIENTE s".to_owned()),
        ..InvoiceFilter::default()
    };
    assert_eq!(ids(by_name).await?, BTreeSet::from([authorized, rejected]));
    let wildcard_is_literal = InvoiceFilter {
        receiver_name: Some("%".to_owned()),
        ..InvoiceFilter::default()
    };
    assert!(ids(wildcard_is_literal).await?.is_empty());
    let by_document = InvoiceFilter {
        receiver_doc_number: Some(30_000_000_007),
        status: Some("authorized".to_owned()),
        ..InvoiceFilter::default()
    };
    assert_eq!(ids(by_document).await?, one(authorized));
    let amounts = |min, max| InvoiceFilter {
        total_min: min,
        total_max: max,
        ..InvoiceFilter::default()
    };
    assert_eq!(
        ids(amounts(Some(dec!(1210)), Some(dec!(1210))))
            .await?
            .len(),
        3
    );
    assert!(ids(amounts(Some(dec!(1210.01)), None)).await?.is_empty());
    assert!(ids(amounts(None, Some(dec!(1209.99)))).await?.is_empty());
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn one_invoice_has_its_lines_and_a_qr_url_once_authorized(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    let authorized = fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let pending = fx.invoice(fx.tenant_a, Lifecycle::Numbered).await?;
    drain(&runner(&pool, InvoicesProjector::new()), fx.last()).await?;

    let row = query::invoice(&pool, fx.tenant_a, authorized)
        .await?
        .ok_or_else(|| anyhow::anyhow!("authorized invoice not found"))?;
    assert_eq!(row.items.len(), 1);
    assert_eq!(row.items[0].net, dec!(1000.00));
    assert_eq!(
        row.iva_lines
            .iter()
            .map(|l| (l.rate.as_str(), l.base, l.amount))
            .collect::<Vec<_>>(),
        vec![("21", dec!(1000.00), dec!(210.00))]
    );
    let qr = row.qr_url().unwrap_or_default();
    assert!(qr.starts_with("https://www.afip.gob.ar/fe/qr/?p="), "{qr}");

    let numbered = query::invoice(&pool, fx.tenant_a, pending).await?;
    assert_eq!(
        numbered.map(|r| (r.status.clone(), r.qr_url())),
        Some(("numbered".into(), None))
    );
    assert_eq!(query::invoice(&pool, fx.tenant_b, authorized).await?, None);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn caught_up_answers_once_the_projection_reaches_a_position(
    pool: PgPool,
) -> anyhow::Result<()> {
    let fx = Fixture::new(&pool);
    fx.invoice(fx.tenant_a, Lifecycle::Authorized).await?;
    let target = fx.last();
    let quick = query::caught_up(&pool, "invoices", target, Duration::ZERO).await?;
    assert!(!quick, "nothing was projected yet");

    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { query::caught_up(&pool, "invoices", target, Duration::from_secs(30)).await }
    });
    drain(&runner(&pool, InvoicesProjector::new()), target).await?;
    assert!(waiting.await??);
    Ok(())
}

//! Reads of the read models, always within one tenant (invariant 7): one invoice with its items
//! and IVA lines, pages of invoices under the dashboard's filters, an invoice's exchanges with
//! ARCA, the webhook subscriptions and delivery log, and the wait that gives a client
//! read-your-writes after a command.

mod deliveries;
mod evidence;
mod filter;
mod qr;
mod receivers;
mod row;
mod subscriptions;

use std::collections::HashMap;
use std::time::Duration;

use domain::{GlobalPosition, TenantId};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{ProjectionError, checkpoint};

pub use deliveries::{
    AttemptRow, DELIVERY_COLUMNS, DELIVERY_STATUSES, DeliveryFilter, DeliveryRow, attempts,
    deliveries, delivery,
};
pub use evidence::{ExchangeRow, evidence};
pub use filter::{Cursor, InvoiceFilter};
pub use qr::{BASE as QR_BASE, QrData, url as qr_url, url_with_base as qr_url_with_base};
pub use receivers::{KnownReceiverRow, known_receivers};
pub use row::{InvoiceRow, ItemRow, IvaRow};
pub use subscriptions::{SubscriptionRow, subscription, subscription_count, subscriptions};

/// The largest page a list returns.
pub const MAX_PAGE: u32 = 100;

const COLUMNS: &str = "select invoice_id, tenant_id, issuer_cuit, point_of_sale, voucher_type, \
     letter, number, concept, issue_date, receiver_doc_type, receiver_doc_number, receiver_name, \
     receiver_iva_condition, receiver_email, receiver_address, currency, exchange_rate, net, not_taxed, exempt, tributes, iva, \
     total, status, waiting_reason, cae, cae_due_date, rejection_errors, observations, service_from, service_to, \
     payment_due_date, tributes_detail, associated_vouchers, associated_period, requested_at, \
     submitted_at, authorized_at, rejected_at, updated_at, stream_version, document_sha256, \
     document_key, document_bytes, document_template from rm.invoices";

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// The invoice `id` of `tenant`, or `None` (also when it belongs to another tenant).
///
/// # Errors
/// Database failures.
pub async fn invoice(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<InvoiceRow>, ProjectionError> {
    let sql = format!("{COLUMNS} where tenant_id = $1 and invoice_id = $2");
    let row = sqlx::query_as::<_, InvoiceRow>(&sql)
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(with_lines(pool, tenant, vec![row]).await?.pop())
}

/// Up to `first` (1..=[`MAX_PAGE`]) invoices of `tenant` matching `filter`, newest first, after
/// `after` (a cursor from an earlier page).
///
/// # Errors
/// Database failures.
pub async fn invoices(
    pool: &PgPool,
    tenant: TenantId,
    filter: &InvoiceFilter,
    first: u32,
    after: Option<&Cursor>,
) -> Result<Page<InvoiceRow>, ProjectionError> {
    let first = first.clamp(1, MAX_PAGE);
    let mut sql = QueryBuilder::<Postgres>::new(COLUMNS);
    sql.push(" where tenant_id = ").push_bind(tenant.as_uuid());
    filter.push(&mut sql);
    if let Some(cursor) = after {
        cursor.push(&mut sql);
    }
    sql.push(" order by requested_at desc, invoice_id desc limit ")
        .push_bind(i64::from(first) + 1);
    let mut rows: Vec<InvoiceRow> = sql.build_query_as().fetch_all(pool).await?;
    let more = rows.len() > first as usize;
    rows.truncate(first as usize);
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| Cursor::after(last.requested_at, last.invoice_id));
    Ok(Page {
        items: with_lines(pool, tenant, rows).await?,
        next,
    })
}

/// Fills the items and IVA lines of `rows` with one query each.
async fn with_lines(
    pool: &PgPool,
    tenant: TenantId,
    mut rows: Vec<InvoiceRow>,
) -> Result<Vec<InvoiceRow>, ProjectionError> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.invoice_id).collect();
    let items: Vec<ItemRow> = sqlx::query_as(
        "select invoice_id, line_no, description, quantity, unit_price, discount, iva, net \
         from rm.invoice_items where tenant_id = $1 and invoice_id = any($2) \
         order by invoice_id, line_no",
    )
    .bind(tenant.as_uuid())
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let iva: Vec<IvaRow> = sqlx::query_as(
        "select invoice_id, rate, base, amount from rm.invoice_iva \
         where tenant_id = $1 and invoice_id = any($2) order by invoice_id, rate::numeric",
    )
    .bind(tenant.as_uuid())
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut items = group(items, |i| i.invoice_id);
    let mut iva = group(iva, |i| i.invoice_id);
    for row in &mut rows {
        row.items = items.remove(&row.invoice_id).unwrap_or_default();
        row.iva_lines = iva.remove(&row.invoice_id).unwrap_or_default();
    }
    Ok(rows)
}

/// `rows` by invoice, keeping their order.
fn group<T>(rows: Vec<T>, invoice: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut by_invoice: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        by_invoice.entry(invoice(&row)).or_default().push(row);
    }
    by_invoice
}

/// Waits until the serving generation of `projection` has applied the log up to `target`, at most
/// `within`; answers whether it got there. Polls the checkpoint, from every 5 ms up to every 50 ms,
/// holding a connection only for each look (so waiting readers do not drain the pool).
///
/// # Errors
/// Database failures.
pub async fn caught_up(
    pool: &PgPool,
    projection: &'static str,
    target: GlobalPosition,
    within: Duration,
) -> Result<bool, ProjectionError> {
    let deadline = tokio::time::Instant::now() + within;
    let polls = infra::Backoff::new(Duration::from_millis(5), Duration::from_millis(50));
    let mut looks = 0;
    loop {
        looks += 1;
        let mut conn = pool.acquire().await?;
        let current =
            checkpoint::load_checkpoint(&mut conn, projection, crate::SERVING_GENERATION).await?;
        drop(conn);
        if current.position >= target {
            return Ok(true);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(polls.delay(looks).min(deadline - now)).await;
    }
}

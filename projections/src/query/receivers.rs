//! The receivers a tenant has invoiced by name: what the draft parser matches a name in a text
//! against ("Factura para Juan Pérez …" → his CUIT and IVA condition).

use domain::TenantId;
use sqlx::PgPool;

use crate::ProjectionError;

/// Invoices looked at, newest first: a tenant's usual receivers are among its recent ones.
const RECENT_INVOICES: i64 = 2000;

/// A receiver named on one of the tenant's invoices, with a document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KnownReceiverRow {
    /// The name as written on the invoice.
    pub name: String,
    /// ARCA document type (never 99, "sin identificar").
    pub doc_type: i32,
    /// Document number.
    pub doc_number: i64,
    /// `CondicionIVAReceptorId`.
    pub iva_condition: i32,
}

/// The distinct named, identified receivers of the tenant's most recent invoices (the latest
/// document and condition for each name, names compared without case), at most `limit`.
///
/// # Errors
/// Database failures.
pub async fn known_receivers(
    pool: &PgPool,
    tenant: TenantId,
    limit: i64,
) -> Result<Vec<KnownReceiverRow>, ProjectionError> {
    let rows = sqlx::query_as::<_, KnownReceiverRow>(
        "select distinct on (lower(name)) name, doc_type, doc_number, iva_condition \
         from (select receiver_name as name, receiver_doc_type as doc_type, \
                      receiver_doc_number as doc_number, \
                      receiver_iva_condition as iva_condition, requested_at \
               from rm.invoices where tenant_id = $1 \
               order by requested_at desc limit $2) recent \
         where name is not null and btrim(name) <> '' and doc_type <> 99 \
         order by lower(name), requested_at desc \
         limit $3",
    )
    .bind(tenant.as_uuid())
    .bind(RECENT_INVOICES)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

//! Verification before a switch: per table and tenant, the row count and a checksum of every
//! row on both sides, at the same log position.
//!
//! The checksum sums the 128-bit `md5` of each row's text (as two 64-bit halves), so it needs no
//! sort and no large aggregate, and every column counts: projectors derive all of them from
//! events, so a replay of the same events must reproduce them exactly. Both sides render rows
//! alike: a build's tables are `like` the serving ones, columns in the same order, and both are
//! read in one session. (`r::text` costs about a quarter of `to_jsonb(r)::text`.)

use sqlx::PgConnection;
use uuid::Uuid;

use crate::schema::SERVING_SCHEMA;

/// Rows and tenants of one table on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table.
    pub table: String,
    /// Tenants with rows on either side.
    pub tenants: usize,
    /// Rows serving before the switch.
    pub serving_rows: i64,
    /// Rows the rebuild produced.
    pub rebuilt_rows: i64,
}

/// A tenant whose rows of a table differ between the serving and the rebuilt generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantDifference {
    /// The table.
    pub table: String,
    /// The tenant.
    pub tenant_id: Uuid,
    /// Its rows serving.
    pub serving_rows: i64,
    /// Its rows rebuilt.
    pub rebuilt_rows: i64,
}

/// Per tenant of `{s}.{t}`: rows and the two summed halves of the rows' md5.
fn sums(schema: &str, table: &str) -> String {
    format!(
        "select tenant_id, count(*) as n, \
           sum(('x' || substr(h, 1, 16))::bit(64)::bigint) as hi, \
           sum(('x' || substr(h, 17, 16))::bit(64)::bigint) as lo \
         from (select r.tenant_id, md5(r::text) as h from {schema}.{table} r) rows \
         group by tenant_id"
    )
}

/// Every tenant with rows in `rm.{table}` or `{build}.{table}`: its rows on both sides and
/// whether the checksums agree.
fn compare_sql(build: &str, table: &str) -> String {
    format!(
        "with s as ({}), b as ({}) \
         select coalesce(s.tenant_id, b.tenant_id), coalesce(s.n, 0), coalesce(b.n, 0), \
           (s.n, s.hi, s.lo) is not distinct from (b.n, b.hi, b.lo) \
         from s full join b on s.tenant_id = b.tenant_id",
        sums(SERVING_SCHEMA, table),
        sums(build, table)
    )
}

/// Compares every table of the projection between `rm` and `build`.
///
/// # Errors
/// Database failures.
pub(super) async fn compare(
    conn: &mut PgConnection,
    tables: &[&str],
    build: &str,
) -> Result<(Vec<TableCheck>, Vec<TenantDifference>), sqlx::Error> {
    let mut checks = Vec::with_capacity(tables.len());
    let mut differences = Vec::new();
    for table in tables {
        let tenants: Vec<(Uuid, i64, i64, bool)> = sqlx::query_as(&compare_sql(build, table))
            .fetch_all(&mut *conn)
            .await?;
        checks.push(TableCheck {
            table: (*table).to_owned(),
            tenants: tenants.len(),
            serving_rows: tenants.iter().map(|t| t.1).sum(),
            rebuilt_rows: tenants.iter().map(|t| t.2).sum(),
        });
        differences.extend(tenants.into_iter().filter(|t| !t.3).map(
            |(tenant_id, serving_rows, rebuilt_rows, _)| TenantDifference {
                table: (*table).to_owned(),
                tenant_id,
                serving_rows,
                rebuilt_rows,
            },
        ));
    }
    Ok((checks, differences))
}

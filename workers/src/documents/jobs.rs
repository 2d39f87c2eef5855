//! `documents.jobs`, the renderer's side: claim what is due (a lease), finish, or put off with the
//! reason. The intake inserts; this module is the only other one with SQL on the table.

use std::time::Duration;

use infra::Backoff;
use sqlx::PgPool;
use uuid::Uuid;

/// How long a claim holds a job: a renderer that dies leaves it to be claimed again after this.
pub const LEASE: Duration = Duration::from_secs(300);

/// A claimed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    /// The invoice owed a PDF.
    pub invoice_id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// Attempts made, this one included.
    pub attempts: i32,
}

/// Most tenants one claim serves.
const TENANTS_PER_CLAIM: i64 = 256;

/// Claims up to `limit` due jobs, skipping those another renderer holds, shared out between the
/// tenants that have jobs due (each gets up to `limit / tenants`, oldest due first), so one
/// tenant's flood of invoices never holds back another tenant's documents.
///
/// # Errors
/// Postgres failures.
pub async fn claim(pool: &PgPool, limit: usize) -> Result<Vec<Job>, sqlx::Error> {
    // The tenants with jobs due, one index probe each (a loose scan of `jobs_tenant_due`).
    let tenants: Vec<Uuid> = sqlx::query_scalar(
        "with recursive due(tenant_id) as ( \
             (select tenant_id from documents.jobs where due_at <= now() \
              order by tenant_id limit 1) \
             union all \
             select (select j.tenant_id from documents.jobs j \
                     where j.tenant_id > due.tenant_id and j.due_at <= now() \
                     order by j.tenant_id limit 1) \
             from due where due.tenant_id is not null) \
         select tenant_id from due where tenant_id is not null limit $1",
    )
    .bind(TENANTS_PER_CLAIM)
    .fetch_all(pool)
    .await?;
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let each = limit.div_ceil(tenants.len()).max(1);
    sqlx::query_as(
        "update documents.jobs j \
         set due_at = now() + make_interval(secs => $3), attempts = j.attempts + 1 \
         from (select mine.invoice_id from unnest($1::uuid[]) as t(tenant_id) \
               cross join lateral (select invoice_id from documents.jobs \
                   where tenant_id = t.tenant_id and due_at <= now() \
                   order by due_at limit $2 for update skip locked) mine) due \
         where j.invoice_id = due.invoice_id \
         returning j.invoice_id, j.tenant_id, j.attempts",
    )
    .bind(&tenants)
    .bind(i64::try_from(each).unwrap_or(i64::MAX))
    .bind(LEASE.as_secs_f64())
    .fetch_all(pool)
    .await
}

/// Removes the jobs whose PDFs are stored and recorded.
///
/// # Errors
/// Postgres failures.
pub async fn finish(pool: &PgPool, invoices: &[Uuid]) -> Result<(), sqlx::Error> {
    if invoices.is_empty() {
        return Ok(());
    }
    sqlx::query("delete from documents.jobs where invoice_id = any($1)")
        .bind(invoices)
        .execute(pool)
        .await?;
    Ok(())
}

/// Puts a job off until `after` from now, keeping why it failed.
///
/// # Errors
/// Postgres failures.
pub async fn put_off(
    pool: &PgPool,
    invoice: Uuid,
    after: Duration,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update documents.jobs set due_at = now() + make_interval(secs => $2), last_error = $3 \
         where invoice_id = $1",
    )
    .bind(invoice)
    .bind(after.as_secs_f64())
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

/// When to try again after failed attempts: 1 s doubling up to an hour, ±20 %.
pub const RETRY: Backoff =
    Backoff::new(Duration::from_secs(1), Duration::from_secs(3600)).jittered(0.8, 1.2);

/// Jobs waiting and the age of the oldest, in seconds.
///
/// # Errors
/// Postgres failures.
pub async fn depth(pool: &PgPool) -> Result<(i64, f64), sqlx::Error> {
    sqlx::query_as(
        "select count(*), coalesce(extract(epoch from now() - min(enqueued_at)), 0)::float8 \
         from documents.jobs",
    )
    .fetch_one(pool)
    .await
}

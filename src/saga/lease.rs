//! Who drives a series: the holder of its Postgres advisory lock (session level, on a connection
//! held for the drive). A process that dies loses its connection and so its leases.

use domain::series::SeriesKey;
use sqlx::PgPool;
use sqlx::pool::PoolConnection;

/// Takes series leases in one database.
#[derive(Debug, Clone)]
pub struct SeriesLeases {
    pool: PgPool,
}

/// A held lease; [`Lease::release`] gives it back (dropping the connection does too).
pub struct Lease {
    conn: PoolConnection<sqlx::Postgres>,
    key: i64,
}

/// Separates series leases from the other advisory locks of the database (relay, broker).
const NAMESPACE: &str = "arca.series:";

impl SeriesLeases {
    /// Leases in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The lease of `key`, or `None` when another session holds it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn try_lead(&self, key: &SeriesKey) -> Result<Option<Lease>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let name = format!("{NAMESPACE}{}", key.stream_id());
        let lock: i64 = sqlx::query_scalar("select hashtextextended($1, 0)")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await?;
        let held: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(lock)
            .fetch_one(&mut *conn)
            .await?;
        Ok(held.then_some(Lease { conn, key: lock }))
    }
}

impl Lease {
    /// Gives the lease back; on failure the connection is closed, which releases it too.
    pub async fn release(mut self) {
        let unlocked = sqlx::query("select pg_advisory_unlock($1)")
            .bind(self.key)
            .execute(&mut *self.conn)
            .await;
        if unlocked.is_err() {
            drop(self.conn.detach());
        }
    }
}

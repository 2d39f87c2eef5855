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

/// A held lease; [`Lease::release`] gives it back. A lease dropped without it (a drive cancelled
/// mid-way) closes its connection rather than returning it to the pool still holding the lock,
/// which would keep the series from every instance until the process stopped.
pub struct Lease {
    conn: Option<PoolConnection<sqlx::Postgres>>,
    key: i64,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
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
        self.try_lead_named(&format!("{NAMESPACE}{}", key.stream_id()))
            .await
    }

    /// The lease called `name`, or `None` when another session holds it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn try_lead_named(&self, name: &str) -> Result<Option<Lease>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let lock: i64 = sqlx::query_scalar("select hashtextextended($1, 0)")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
        let held: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(lock)
            .fetch_one(&mut *conn)
            .await?;
        if !held {
            // Back to the pool: this session holds nothing. (A `Lease` built here and dropped
            // would close the connection, a new backend for every lease found taken.)
            return Ok(None);
        }
        Ok(Some(Lease {
            conn: Some(conn),
            key: lock,
        }))
    }
}

impl Lease {
    /// Whether the lease's connection still answers (a lease dies with its connection).
    pub async fn alive(&mut self) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        sqlx::query("select 1").execute(&mut **conn).await.is_ok()
    }

    /// Gives the lease back; on failure the connection is closed, which releases it too.
    pub async fn release(mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let unlocked = sqlx::query("select pg_advisory_unlock($1)")
            .bind(self.key)
            .execute(&mut **conn)
            .await;
        if unlocked.is_ok() {
            // Unlocked: the connection may go back to the pool. Otherwise (or if this future is
            // dropped before it gets here) `Drop` closes it.
            drop(self.conn.take());
        }
    }
}

//! Leader election: the session advisory lock `infra::LockSpace::Relay` held on a connection of
//! the relay's own, detached from the pool (so it must be a direct connection, not one through a
//! transaction pooler). The lock lives as long as that session: when the process dies or the connection
//! breaks, Postgres releases it and a waiting relay takes it at its next attempt.
//!
//! The ledger is written on that same connection, so a relay that lost its session cannot
//! commit; the checkpoint's compare-and-set in [`super::ledger::commit`] fences the rest.

use infra::LockSpace;
use sqlx::PgConnection;
use sqlx::PgPool;

/// A connection that holds, or tries to hold, the relay lock.
#[derive(Debug)]
pub(crate) struct Election {
    conn: Option<PgConnection>,
    leading: bool,
}

impl Election {
    pub(crate) fn new() -> Self {
        Self {
            conn: None,
            leading: false,
        }
    }

    pub(crate) fn is_leader(&self) -> bool {
        self.leading
    }

    /// Takes the lock when it is free; returns the connection that holds it, or `None` while
    /// another relay leads.
    pub(crate) async fn lead(
        &mut self,
        pool: &PgPool,
    ) -> Result<Option<&mut PgConnection>, sqlx::Error> {
        if !self.leading {
            if self.conn.is_none() {
                self.conn = Some(pool.acquire().await?.detach());
            }
            let Some(conn) = self.conn.as_mut() else {
                return Ok(None);
            };
            // One relay per database: `LockSpace::Relay`.
            match infra::lease::try_lock(conn, LockSpace::Relay, "").await {
                Ok(true) => {
                    tracing::info!("relay leadership acquired");
                    self.leading = true;
                }
                Ok(false) => return Ok(None),
                Err(error) => {
                    self.conn = None;
                    return Err(error);
                }
            }
        }
        Ok(self.conn.as_mut())
    }

    /// Forgets the connection after it failed: the session (and so the lock) may be gone.
    pub(crate) fn lost(&mut self) {
        if self.leading {
            tracing::warn!("relay leadership lost with its connection");
        }
        self.conn = None;
        self.leading = false;
    }

    /// Ends the session, releasing the lock at once.
    pub(crate) async fn resign(&mut self) {
        self.leading = false;
        if let Some(conn) = self.conn.take() {
            let _closed = sqlx::Connection::close(conn).await;
        }
    }
}

//! Postgres advisory locks: the one table of the system's lock namespaces ([`LockSpace`]), the
//! try-lock and unlock of a session lock on a connection the caller holds ([`try_lock`],
//! [`unlock`]), and leases held on pooled connections ([`Leases`], [`Lease`]).
//!
//! A session lock lives as long as its session: when a process dies or its connection breaks,
//! Postgres releases it, and another instance takes it at its next try. So leases need direct
//! connections or a pooler in session mode, never one that pools transactions.
//!
//! Each namespace's key is written once, here, as the SQL that computes it from the lock's name
//! (`$1`); the keys are the ones the system has always taken, so instances of an older build and
//! a newer one still exclude each other. Locks of the one-`bigint` form and of the two-`int4` form
//! never collide (Postgres tags them apart), and the two-`int4` namespaces differ in their first
//! key (a test checks it).

use sqlx::PgConnection;
use sqlx::PgPool;
use sqlx::pool::PoolConnection;

/// The advisory locks of the system. Those marked "(SQL)" or "(arca-ws)" are taken by the event
/// store's functions and by the ticket broker with these same keys; the rest through this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockSpace {
    /// One stream's appends, transaction-scoped (SQL: `es.append`, `es.append_many`):
    /// `(hashtext('es.streams'), hashtext(stream))`.
    StreamAppends,
    /// The relay's leadership, one per database, on the relay's own connection:
    /// `(hashtext('es.relay'), 0)`.
    Relay,
    /// One rebuild per projection, on the rebuild's own connection:
    /// `(hashtext('rm.rebuild'), hashtext(projection))`.
    Rebuild,
    /// Who drives a saga series: `hashtextextended('arca.series:' || stream, 0)`.
    Series,
    /// Who runs the saga's intake: `hashtextextended('arca.saga.intake', 0)`.
    SagaIntake,
    /// Who renews a WSAA ticket per certificate, service and environment, transaction-scoped
    /// (arca-ws broker): `(0x41524341, first 4 bytes of SHA-256(fingerprint|service|env))`.
    ArcaTicket,
}

impl LockSpace {
    /// Every namespace, for the checks that they stay apart.
    pub const ALL: [Self; 6] = [
        Self::StreamAppends,
        Self::Relay,
        Self::Rebuild,
        Self::Series,
        Self::SagaIntake,
        Self::ArcaTicket,
    ];

    /// The lock's key as the arguments of `pg_*advisory*lock(…)`, computed from the lock's name
    /// bound as `$1` (`$2` for the broker's second key).
    pub const fn key_sql(self) -> &'static str {
        match self {
            Self::StreamAppends => "hashtext('es.streams'), hashtext($1)",
            Self::Relay => "hashtext('es.relay'), 0",
            Self::Rebuild => "hashtext('rm.rebuild'), hashtext($1)",
            Self::Series => "hashtextextended('arca.series:' || $1, 0)",
            Self::SagaIntake => "hashtextextended('arca.saga.intake', 0)",
            Self::ArcaTicket => "1095910209, $2",
        }
    }

    /// Whether the key is of the two-`int4` form (and its first key names the namespace).
    pub const fn is_pair(self) -> bool {
        matches!(
            self,
            Self::StreamAppends | Self::Relay | Self::Rebuild | Self::ArcaTicket
        )
    }

    /// Whether the lock is taken through this module (session-scoped): the others are
    /// transaction-scoped locks taken where their transaction runs.
    const fn is_session(self) -> bool {
        matches!(
            self,
            Self::Relay | Self::Rebuild | Self::Series | Self::SagaIntake
        )
    }
}

/// Takes the session lock `name` of `space` on `conn` when it is free; answers whether it did.
/// Taking a lock the session holds already succeeds again (and must be unlocked once more).
///
/// # Errors
/// Database failures; a transaction-scoped namespace is refused as a configuration error.
pub async fn try_lock(conn: &mut PgConnection, space: LockSpace, name: &str) -> sqlx::Result<bool> {
    session_only(space)?;
    sqlx::query_scalar(&format!("select pg_try_advisory_lock({})", space.key_sql()))
        .bind(name)
        .fetch_one(conn)
        .await
}

/// Gives back the session lock `name` of `space` held on `conn`; answers whether it was held.
///
/// # Errors
/// Database failures; a transaction-scoped namespace is refused as a configuration error.
pub async fn unlock(conn: &mut PgConnection, space: LockSpace, name: &str) -> sqlx::Result<bool> {
    session_only(space)?;
    sqlx::query_scalar(&format!("select pg_advisory_unlock({})", space.key_sql()))
        .bind(name)
        .fetch_one(conn)
        .await
}

fn session_only(space: LockSpace) -> sqlx::Result<()> {
    if space.is_session() {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("{space:?} locks are transaction-scoped, not leases").into(),
        ))
    }
}

/// Takes leases in one database, each on a connection of the pool held for as long as the lease.
#[derive(Debug, Clone)]
pub struct Leases {
    pool: PgPool,
}

/// A held lease; [`Lease::release`] gives it back. A lease dropped without it (a drive cancelled
/// mid-way) closes its connection rather than returning it to the pool still holding the lock,
/// which would keep the lease from every instance until the process stopped.
pub struct Lease {
    conn: Option<PoolConnection<sqlx::Postgres>>,
    space: LockSpace,
    name: String,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("space", &self.space)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

impl Leases {
    /// Leases in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The lease `name` of `space`, or `None` when another session holds it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn try_lead(&self, space: LockSpace, name: &str) -> sqlx::Result<Option<Lease>> {
        let mut conn = self.pool.acquire().await?;
        if !try_lock(&mut conn, space, name).await? {
            // Back to the pool: this session holds nothing. (A `Lease` built here and dropped
            // would close the connection, a new backend for every lease found taken.)
            return Ok(None);
        }
        Ok(Some(Lease {
            conn: Some(conn),
            space,
            name: name.to_owned(),
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
        if unlock(conn, self.space, &self.name).await.is_ok() {
            // Unlocked: the connection may go back to the pool. Otherwise (or if this future is
            // dropped before it gets here) `Drop` closes it.
            drop(self.conn.take());
        }
    }
}

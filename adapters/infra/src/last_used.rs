//! When each API key was last used (`api_access.last_used`): written in batches, read by id.

use anyhow::Context as _;
use sqlx::{
    PgPool,
    types::{Uuid, time::OffsetDateTime},
};

/// The last-use stamps of API keys.
#[derive(Debug, Clone)]
pub struct PgLastUsed {
    pool: PgPool,
}

impl PgLastUsed {
    /// The stamps in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Moves each key's stamp forward to its instant (never back).
    ///
    /// # Errors
    /// The database failed or is unreachable.
    pub async fn record(&self, uses: &[(Uuid, OffsetDateTime)]) -> anyhow::Result<()> {
        let (ids, ats): (Vec<Uuid>, Vec<OffsetDateTime>) = uses.iter().copied().unzip();
        sqlx::query(
            "insert into api_access.last_used (key_id, at) \
             select * from unnest($1::uuid[], $2::timestamptz[]) \
             on conflict (key_id) do update set at = greatest(last_used.at, excluded.at)",
        )
        .bind(ids)
        .bind(ats)
        .execute(&self.pool)
        .await
        .context("recording API key use")?;
        Ok(())
    }

    /// The stamps of those of `keys` that were ever used.
    ///
    /// # Errors
    /// The database failed or is unreachable.
    pub async fn read(&self, keys: &[Uuid]) -> anyhow::Result<Vec<(Uuid, OffsetDateTime)>> {
        sqlx::query_as("select key_id, at from api_access.last_used where key_id = any($1)")
            .bind(keys)
            .fetch_all(&self.pool)
            .await
            .context("reading API key use")
    }
}

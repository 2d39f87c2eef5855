//! The retired schemas a switch leaves behind: `rm_retired_<projection>_<stamp>`, holding the
//! tables the old generation served from, kept until dropped.

use sqlx::PgPool;

use crate::ProjectionError;
use crate::schema;

/// The schemas holding the retired tables of `projection`, oldest first.
///
/// # Errors
/// Database failures, or `projection` is not a plain name.
pub async fn retired_schemas(
    pool: &PgPool,
    projection: &str,
) -> Result<Vec<String>, ProjectionError> {
    let prefix = format!("rm_retired_{}_", schema::plain(projection)?);
    let names: Vec<String> =
        sqlx::query_scalar("select nspname::text from pg_namespace order by nspname")
            .fetch_all(pool)
            .await?;
    Ok(names
        .into_iter()
        .filter(|name| name.starts_with(&prefix) && schema::is_plain(name))
        .collect())
}

/// Drops every retired schema of `projection` (the tables old generations served from);
/// returns their names.
///
/// # Errors
/// Database failures, or `projection` is not a plain name.
pub async fn drop_retired(pool: &PgPool, projection: &str) -> Result<Vec<String>, ProjectionError> {
    let schemas = retired_schemas(pool, projection).await?;
    for schema in &schemas {
        sqlx::query(&format!("drop schema {schema} cascade"))
            .execute(pool)
            .await?;
    }
    Ok(schemas)
}

//! Generation schemas: the serving read models live in `rm`; a rebuild writes the same tables,
//! shaped `like rm.<table> including all`, into a schema of its own.

use sqlx::PgConnection;

use crate::ProjectionError;

/// The schema readers query.
pub const SERVING_SCHEMA: &str = "rm";

/// Whether `name` is a plain lower-case SQL identifier, safe to splice into statements.
pub(crate) fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 64
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `name`, or a configuration error when it is not a plain identifier.
pub(crate) fn plain(name: &str) -> Result<&str, ProjectionError> {
    if is_plain(name) {
        Ok(name)
    } else {
        Err(ProjectionError::Config(format!(
            "`{name}` is not a plain lower-case identifier"
        )))
    }
}

/// Creates `schema` and, for each of `tables`, an empty table shaped like the serving one
/// (columns, defaults, constraints and indexes), when they do not exist yet. A no-op on `rm`.
///
/// # Errors
/// A name is not a plain identifier, or the database failed.
pub async fn create_like_serving(
    conn: &mut PgConnection,
    schema: &str,
    tables: &[&str],
) -> Result<(), ProjectionError> {
    let schema = plain(schema)?;
    if schema == SERVING_SCHEMA {
        return Ok(());
    }
    sqlx::query(&format!("create schema if not exists {schema}"))
        .execute(&mut *conn)
        .await?;
    for table in tables {
        let table = plain(table)?;
        sqlx::query(&format!(
            "create table if not exists {schema}.{table} \
             (like {SERVING_SCHEMA}.{table} including all)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

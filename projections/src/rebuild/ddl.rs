//! The statements of the switch that touch the catalog: checks on the serving tables, the retired
//! schema's name, and the index names carried over.

use sqlx::PgConnection;
use time::OffsetDateTime;

use super::RebuildError;
use crate::schema::SERVING_SCHEMA;

/// `rm_retired_<projection>_<utc stamp>`, with a suffix when a rebuild in the same second took
/// that name already (rebuilds of one projection run one at a time).
pub(super) async fn retired_schema(
    conn: &mut PgConnection,
    projection: &str,
) -> Result<String, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let stamp = format!(
        "rm_retired_{projection}_{:04}{:02}{:02}_{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let taken: Vec<String> = sqlx::query_scalar(
        "select nspname::text from pg_namespace where starts_with(nspname::text, $1)",
    )
    .bind(&stamp)
    .fetch_all(conn)
    .await?;
    Ok((1..)
        .map(|n| match n {
            1 => stamp.clone(),
            n => format!("{stamp}_{n}"),
        })
        .find(|name| !taken.contains(name))
        .unwrap_or(stamp))
}

/// Refuses tables carrying what would stay behind on the old tables: views over them (they would keep reading the
/// retired tables), triggers, row-level security and grants (a `like` copy has none of them).
const PREFLIGHT: &str = "select \
       exists (select 1 from pg_depend d join pg_rewrite r on r.oid = d.objid \
               where d.classid = 'pg_rewrite'::regclass and d.refobjid = c.oid \
                 and r.ev_class <> c.oid), \
       exists (select 1 from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal), \
       c.relrowsecurity, c.relacl is not null \
     from pg_class c where c.oid = $1::regclass";

pub(super) async fn preflight(
    conn: &mut PgConnection,
    tables: &[&str],
) -> Result<(), RebuildError> {
    for table in tables {
        let qualified = format!("{SERVING_SCHEMA}.{table}");
        let (views, triggers, policies, grants): (bool, bool, bool, bool) =
            sqlx::query_as(PREFLIGHT)
                .bind(&qualified)
                .fetch_one(&mut *conn)
                .await?;
        let reason = [
            (views, "views depend on it"),
            (triggers, "it has triggers"),
            (policies, "it has row-level security"),
            (grants, "it has grants"),
        ]
        .into_iter()
        .find_map(|(found, reason)| found.then_some(reason));
        if let Some(reason) = reason {
            return Err(RebuildError::Unswitchable {
                table: qualified,
                reason: format!("{reason}, which the rebuilt table would not carry"),
            });
        }
    }
    Ok(())
}

/// Index names (and the constraints they back), with each index's definition past its name.
const INDEXES: &str = "select c.relname::text, i.indisunique, \
       split_part(pg_get_indexdef(i.indexrelid), ' USING ', 2) \
     from pg_index i join pg_class c on c.oid = i.indexrelid \
     where i.indrelid = $1::regclass order by c.relname";

/// Gives the moved-in table's indexes the names the retired table's had (a `like` copy gets
/// generated names), so later migrations can keep naming them.
pub(super) async fn restore_index_names(
    conn: &mut PgConnection,
    retired: &str,
    table: &str,
) -> Result<(), sqlx::Error> {
    let old: Vec<(String, bool, String)> = sqlx::query_as(INDEXES)
        .bind(format!("{retired}.{table}"))
        .fetch_all(&mut *conn)
        .await?;
    let mut new: Vec<(String, bool, String)> = sqlx::query_as(INDEXES)
        .bind(format!("{SERVING_SCHEMA}.{table}"))
        .fetch_all(&mut *conn)
        .await?;
    let mut renames = Vec::new();
    for (name, unique, definition) in old {
        let found = new
            .iter()
            .position(|(_, u, d)| *u == unique && *d == definition);
        if let Some((current, ..)) = found.map(|at| new.swap_remove(at))
            && current != name
        {
            renames.push((current, name));
        }
    }
    // Through temporary names, so no rename collides with a name still to be freed.
    for (n, (current, _)) in renames.iter().enumerate() {
        let temporary = format!("rm_rebuild_index_{n}");
        rename_index(conn, current, &temporary).await?;
    }
    for (n, (_, wanted)) in renames.iter().enumerate() {
        rename_index(conn, &format!("rm_rebuild_index_{n}"), wanted).await?;
    }
    Ok(())
}

async fn rename_index(conn: &mut PgConnection, from: &str, to: &str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "alter index {SERVING_SCHEMA}.{} rename to {}",
        quote(from),
        quote(to)
    ))
    .execute(conn)
    .await?;
    Ok(())
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

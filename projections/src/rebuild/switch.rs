//! The switch: one transaction that brings both generations to the same position, verifies
//! them, and swaps the build's tables into `rm`.

use std::time::{Duration, Instant};

use domain::GlobalPosition;
use sqlx::{Connection as _, PgConnection};
use time::OffsetDateTime;

use super::verify::{self, TableCheck, TenantDifference};
use super::{Progress, RebuildError, RebuildOptions, SERVING_GENERATION};
use crate::schema::SERVING_SCHEMA;
use crate::{GlobalLog, ProjectionError, Projector, apply_in, checkpoint};

/// SQLSTATEs of a switch that lost a lock race: `lock_not_available` (lock timeout) and
/// `deadlock_detected`. The transaction rolled back; trying again is safe.
const RETRIED: [&str; 2] = ["55P03", "40P01"];

/// A prepared switch from the serving tables to the build's.
pub(super) struct Switch<'a, P, L> {
    pub serving: &'a P,
    pub build: &'a P,
    pub generation: i32,
    pub log: &'a L,
    pub options: &'a RebuildOptions,
}

/// What a committed switch did.
pub(super) struct Switched {
    pub position: GlobalPosition,
    pub tables: Vec<TableCheck>,
    pub differences: Vec<TenantDifference>,
    pub retired_schema: String,
    pub paused: Duration,
}

impl<P: Projector, L: GlobalLog> Switch<'_, P, L> {
    /// Runs the switch on `conn`, trying again after a lost lock race.
    pub(super) async fn run(
        &self,
        conn: &mut PgConnection,
        progress: &mut (impl FnMut(Progress) + Send),
    ) -> Result<Switched, RebuildError> {
        let mut attempt = 1;
        loop {
            match self.attempt(conn).await {
                Err(RebuildError::Projection(ProjectionError::Database(error)))
                    if attempt < self.options.switch_attempts && lost_lock_race(&error) =>
                {
                    progress(Progress::Retrying {
                        attempt,
                        reason: error.to_string(),
                    });
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                outcome => return outcome,
            }
        }
    }

    async fn attempt(&self, conn: &mut PgConnection) -> Result<Switched, RebuildError> {
        let name = self.serving.name();
        let tables = self.serving.tables();
        let mut tx = conn.begin().await?;
        // The live feed locks this row for every batch: it waits until the switch is over.
        let serving = checkpoint::lock(&mut tx, name, SERVING_GENERATION).await?;
        let locked = Instant::now();
        let build = checkpoint::lock(&mut tx, name, self.generation).await?;
        let position = serving.position.max(build.position);
        self.bring_to(
            &mut tx,
            self.serving,
            SERVING_GENERATION,
            serving.position,
            position,
        )
        .await?;
        self.bring_to(
            &mut tx,
            self.build,
            self.generation,
            build.position,
            position,
        )
        .await?;
        let build_schema = self.build.schema();
        let (checks, differences) = verify::compare(&mut tx, tables, build_schema).await?;
        if !differences.is_empty() && !self.options.accept_differences {
            tx.rollback().await?;
            return Err(RebuildError::Differs {
                projection: name.to_owned(),
                differences,
            });
        }
        preflight(&mut tx, tables).await?;
        let millis = self.options.lock_timeout.as_millis().max(1);
        sqlx::query(&format!("set local lock_timeout = {millis}"))
            .execute(&mut *tx)
            .await?;
        let retired = retired_schema(&mut tx, name).await?;
        sqlx::query(&format!("create schema {retired}"))
            .execute(&mut *tx)
            .await?;
        for table in tables {
            sqlx::query(&format!(
                "alter table {SERVING_SCHEMA}.{table} set schema {retired}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        for table in tables {
            sqlx::query(&format!(
                "alter table {build_schema}.{table} set schema {SERVING_SCHEMA}"
            ))
            .execute(&mut *tx)
            .await?;
            restore_index_names(&mut tx, &retired, table).await?;
        }
        // The serving checkpoint stands at `position`, which the moved-in tables now match.
        sqlx::query("delete from rm.checkpoints where projection = $1 and generation = $2")
            .bind(name)
            .bind(self.generation)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("drop schema {build_schema}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Switched {
            position,
            tables: checks,
            differences,
            retired_schema: retired,
            paused: locked.elapsed(),
        })
    }

    /// Applies the log's events after `from` up to exactly `to` to `projector`'s generation,
    /// inside the switch's transaction.
    async fn bring_to(
        &self,
        conn: &mut PgConnection,
        projector: &P,
        generation: i32,
        from: GlobalPosition,
        to: GlobalPosition,
    ) -> Result<(), ProjectionError> {
        let mut at = from;
        while at < to {
            let batch = self.log.read_after(at, self.options.batch_size).await?;
            let upto = &batch[..batch.partition_point(|e| e.position <= to)];
            let Some(last) = upto.last().map(|e| e.position) else {
                return Err(ProjectionError::Log(format!(
                    "the log shows nothing after {at:?} though a generation stands at {to:?}"
                )));
            };
            apply_in(conn, projector, generation, upto).await?;
            at = last;
        }
        Ok(())
    }
}

fn lost_lock_race(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| RETRIED.contains(&code.as_ref()))
}

/// `rm_retired_<projection>_<utc stamp>`, with a suffix when a rebuild in the same second took
/// that name already (rebuilds of one projection run one at a time).
async fn retired_schema(conn: &mut PgConnection, projection: &str) -> Result<String, sqlx::Error> {
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
async fn restore_index_names(
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

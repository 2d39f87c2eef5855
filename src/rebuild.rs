//! `arca projections rebuild NAME` (a blue/green rebuild, see [`projections::rebuild`]) and
//! `arca projections drop-retired NAME`: the command line around the library, printing progress
//! on stderr and a summary, then one JSON line, on stdout.

use anyhow::{Context as _, bail};
use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use eventstore::{PgEventStore, readings};
use projections::rebuild::{Progress, RebuildReport, TenantDifference, drop_retired};
use projections::{GlobalLog, InvoicesProjector, ProjectionError, RebuildError, RebuildOptions};
use secrecy::ExposeSecret as _;
use serde_json::json;
use sqlx::PgPool;

use crate::settings::Settings;
use workers::feeds::StoreLog;

/// Connections: the build's reader and writer, the log's head, and a spare.
const POOL: u32 = 4;
/// Differences listed before "… and N more".
const LISTED: usize = 20;

/// Options of `arca projections rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    /// The projection (`invoices`).
    pub name: String,
    /// Switch even when the rebuilt rows differ from the serving ones (per-tenant counts or
    /// checksums). Expected after a projector fix, whose whole point is different rows; without
    /// it a difference aborts the rebuild and nothing is switched.
    #[arg(long)]
    pub accept_differences: bool,
    /// Events read and applied per batch.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
}

/// Options of `arca projections drop-retired`.
#[derive(Debug, clap::Args)]
pub struct DropRetiredArgs {
    /// The projection (`invoices`).
    pub name: String,
}

/// The global log of the store, telling its head for progress.
struct HeadedLog {
    log: StoreLog,
    pool: PgPool,
}

#[async_trait]
impl GlobalLog for HeadedLog {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.log.read_after(after, limit).await
    }

    async fn head(&self) -> Result<Option<GlobalPosition>, ProjectionError> {
        Ok(Some(readings::log_head(&self.pool).await?))
    }
}

async fn connect(settings: &Settings) -> anyhow::Result<PgEventStore> {
    PgEventStore::connect(settings.database_url.expose_secret(), POOL)
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")
}

/// The serving projector called `name`.
fn projector(name: &str) -> anyhow::Result<InvoicesProjector> {
    match name {
        "invoices" => Ok(InvoicesProjector::new()),
        other => bail!("unknown projection `{other}` (known: invoices)"),
    }
}

/// Runs `arca projections rebuild`.
///
/// # Errors
/// Another rebuild running, differences found (not accepted), or a database failure; nothing
/// was switched in any of these cases.
pub async fn run(settings: &Settings, args: RebuildArgs) -> anyhow::Result<()> {
    if args.batch == 0 {
        bail!("--batch must be positive");
    }
    let serving = projector(&args.name)?;
    let store = connect(settings).await?;
    let pool = store.pool().clone();
    let log = HeadedLog {
        log: StoreLog(store),
        pool: pool.clone(),
    };
    let options = RebuildOptions {
        batch_size: args.batch,
        accept_differences: args.accept_differences,
        ..RebuildOptions::default()
    };
    let name = args.name.as_str();
    let outcome = projections::rebuild(&pool, &serving, &log, &options, |p| show(name, &p)).await;
    pool.close().await;
    match outcome {
        Ok(report) => {
            summary(&report);
            Ok(())
        }
        Err(RebuildError::Differs {
            projection,
            differences,
        }) => {
            list(&differences);
            eprintln!(
                "rebuild {projection}: the build stays for inspection (schemas rm_build_{projection}_*; \
                 the next rebuild drops it)"
            );
            bail!(
                "verification failed for {} table/tenant pair(s); nothing was switched. If the \
                 projector changed on purpose, rerun with --accept-differences",
                differences.len()
            )
        }
        Err(error) => Err(error).context(format!("rebuilding {name}")),
    }
}

fn position(p: GlobalPosition) -> String {
    format!("({}, {})", p.tx_id, p.position)
}

fn show(name: &str, progress: &Progress) {
    match progress {
        Progress::DroppedStale { generation } => {
            eprintln!(
                "rebuild {name}: dropped the unfinished generation {generation} of an earlier rebuild"
            );
        }
        Progress::Started { generation, schema } => {
            eprintln!("rebuild {name}: building generation {generation} in schema {schema}");
        }
        Progress::CatchingUp {
            applied,
            position: at,
            head,
            events_per_s,
        } => {
            let head = head.map_or_else(String::new, |h| {
                let done = if h.position > 0 {
                    (at.position as f64 / h.position as f64 * 100.0).min(100.0)
                } else {
                    100.0
                };
                format!(" of head {} (~{done:.0}%)", position(h))
            });
            eprintln!(
                "rebuild {name}: {applied} events applied, {events_per_s} events/s, at {}{head}",
                position(*at)
            );
        }
        Progress::CaughtUp {
            applied,
            position: at,
            elapsed,
        } => {
            let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
            eprintln!(
                "rebuild {name}: caught up at {}: {applied} events in {seconds:.1}s ({:.0} events/s); \
                 verifying",
                position(*at),
                *applied as f64 / seconds
            );
        }
        Progress::Verified {
            position: at,
            differences: 0,
        } => {
            eprintln!(
                "rebuild {name}: both generations match at {}; switching",
                position(*at)
            );
        }
        Progress::Verified {
            position: at,
            differences,
        } => {
            eprintln!(
                "rebuild {name}: compared at {}: {differences} table/tenant pair(s) differ, \
                 accepted; switching",
                position(*at)
            );
        }
        Progress::Retrying { attempt, reason } => {
            eprintln!(
                "rebuild {name}: switch attempt {attempt} lost a lock race ({reason}); retrying"
            );
        }
    }
}

fn list(differences: &[TenantDifference]) {
    eprintln!(
        "{:<16} {:<36} {:>12} {:>12}",
        "table", "tenant", "serving", "rebuilt"
    );
    for d in differences.iter().take(LISTED) {
        eprintln!(
            "{:<16} {:<36} {:>12} {:>12}",
            d.table, d.tenant_id, d.serving_rows, d.rebuilt_rows
        );
    }
    if differences.len() > LISTED {
        eprintln!("… and {} more", differences.len() - LISTED);
    }
}

fn summary(report: &RebuildReport) {
    let name = report.projection;
    if !report.differences.is_empty() {
        list(&report.differences);
        println!(
            "rebuild {name}: {} table/tenant pair(s) differed and were accepted",
            report.differences.len()
        );
    }
    println!(
        "rebuild {name}: switched to generation {} at {} (live feed paused {:.3}s)",
        report.generation,
        position(report.switched_at),
        report.live_feed_paused.as_secs_f64()
    );
    println!(
        "{:<16} {:>8} {:>12} {:>12}",
        "table", "tenants", "serving", "rebuilt"
    );
    for t in &report.tables {
        println!(
            "{:<16} {:>8} {:>12} {:>12}",
            t.table, t.tenants, t.serving_rows, t.rebuilt_rows
        );
    }
    println!(
        "rebuild {name}: the old tables stay in schema {}; drop them with \
         `arca projections drop-retired {name}`",
        report.retired_schema
    );
    let seconds = report.catch_up.as_secs_f64();
    let tables: Vec<_> = report
        .tables
        .iter()
        .map(|t| json!({ "table": t.table, "tenants": t.tenants, "serving_rows": t.serving_rows, "rebuilt_rows": t.rebuilt_rows }))
        .collect();
    println!(
        "{}",
        json!({
            "rebuild": name,
            "generation": report.generation,
            "events": report.applied,
            "catch_up_seconds": (seconds * 1000.0).round() / 1000.0,
            "events_per_s": (report.applied as f64 / seconds.max(f64::EPSILON)).round(),
            "verified_at": report.verified_at,
            "switched_at": report.switched_at,
            "tables": tables,
            "differences": report.differences.len(),
            "live_feed_paused_seconds": (report.live_feed_paused.as_secs_f64() * 1000.0).round() / 1000.0,
            "retired_schema": report.retired_schema,
        })
    );
}

/// Runs `arca projections drop-retired`.
///
/// # Errors
/// Unknown projection or a database failure.
pub async fn drop_retired_command(
    settings: &Settings,
    args: DropRetiredArgs,
) -> anyhow::Result<()> {
    projector(&args.name)?;
    let store = connect(settings).await?;
    let dropped = drop_retired(store.pool(), &args.name).await?;
    if dropped.is_empty() {
        println!("no retired tables of {}", args.name);
    }
    for schema in &dropped {
        println!("dropped schema {schema}");
    }
    println!("{}", json!({ "dropped": dropped }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::projector;
    use crate::cli::{Cli, Cmd, ProjectionsCmd};

    #[test]
    fn the_command_line_takes_a_projection_and_the_accept_differences_switch() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "arca",
            "projections",
            "rebuild",
            "invoices",
            "--accept-differences",
            "--batch",
            "100",
        ]);
        let Ok(Cli {
            command: Cmd::Projections(ProjectionsCmd::Rebuild(args)),
            ..
        }) = cli
        else {
            panic!("not parsed as a rebuild: {cli:?}");
        };
        assert_eq!(
            (args.name.as_str(), args.accept_differences, args.batch),
            ("invoices", true, 100)
        );
        let defaults = Cli::try_parse_from(["arca", "projections", "rebuild", "invoices"]);
        assert!(matches!(
            defaults,
            Ok(Cli { command: Cmd::Projections(ProjectionsCmd::Rebuild(args)), .. })
                if !args.accept_differences && args.batch == 5_000
        ));
    }

    #[test]
    fn an_unknown_projection_is_refused_by_name() {
        let error = projector("orders").map(|_| ()).unwrap_err().to_string();
        assert!(error.contains("unknown projection `orders`"), "{error}");
        assert!(projector("invoices").is_ok());
    }
}

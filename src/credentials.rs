//! `arca credentials …`: the operator's tools for the keys sealing secrets at rest.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use secrecy::ExposeSecret as _;
use serde_json::json;
use workers::reseal::{ResealOptions, ResealReport, reseal};

use crate::settings::Settings;

/// The sealing keys.
#[derive(Debug, Subcommand)]
pub enum CredentialsCmd {
    /// Re-seal every sealed row (issuers' private keys, webhook signing secrets, WSAA tickets)
    /// that another key than the current one sealed, in small batches of one transaction each.
    ///
    /// Safe while the system runs (keep the old key configured until it is done) and resumable:
    /// run it again to continue. Prints counts per table, then a one-line JSON summary; exits
    /// non-zero while rows are left.
    Reseal(ResealArgs),
}

/// `arca credentials reseal`.
#[derive(Debug, Args)]
pub struct ResealArgs {
    /// Rows re-sealed per transaction.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
    pub batch_size: i64,
    /// Stop after this many batches (run it again to continue).
    #[arg(long)]
    pub max_batches: Option<u64>,
}

/// Runs an `arca credentials` command.
///
/// # Errors
/// Postgres unreachable, a row sealed by a key that is not configured (named), or rows left.
pub async fn run(settings: &Settings, cmd: CredentialsCmd) -> anyhow::Result<()> {
    match cmd {
        CredentialsCmd::Reseal(args) => reseal_command(settings, &args).await,
    }
}

async fn reseal_command(settings: &Settings, args: &ResealArgs) -> anyhow::Result<()> {
    let keyring = settings.keyring()?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(settings.database_url.expose_secret())
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?;
    let options = ResealOptions {
        batch_size: args.batch_size,
        max_batches: args.max_batches,
    };
    let report = reseal(&pool, &keyring, options).await?;
    for line in lines(&report) {
        println!("{line}");
    }
    anyhow::ensure!(
        report.complete(),
        "rows are still sealed by other keys than `{}` (stopped after --max-batches, or locked \
         meanwhile): run `arca credentials reseal` again before removing an old key",
        report.current_key
    );
    Ok(())
}

/// What a run printed: a line per table, then the JSON summary.
pub fn lines(report: &ResealReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .tables
        .iter()
        .map(|t| {
            format!(
                "{:<24} re-sealed {:>8}   still under other keys {:>8}",
                t.table, t.resealed, t.remaining
            )
        })
        .collect();
    let tables: serde_json::Map<String, serde_json::Value> = report
        .tables
        .iter()
        .map(|t| {
            (
                t.table.to_owned(),
                json!({"resealed": t.resealed, "remaining": t.remaining}),
            )
        })
        .collect();
    lines.push(
        json!({
            "current_key": report.current_key,
            "batches": report.batches,
            "complete": report.complete(),
            "tables": tables,
        })
        .to_string(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use workers::reseal::TableCount;

    use super::*;

    #[test]
    fn a_run_prints_a_line_per_table_then_a_json_summary() {
        let report = ResealReport {
            current_key: "k2".into(),
            tables: vec![
                TableCount {
                    table: "arca_ws.issuer_keys",
                    resealed: 3,
                    remaining: 0,
                },
                TableCount {
                    table: "arca_ws.tickets",
                    resealed: 1,
                    remaining: 2,
                },
            ],
            batches: 4,
        };
        let lines = lines(&report);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("arca_ws.issuer_keys") && lines[0].contains(" 3 "));
        let summary: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(summary["current_key"], "k2");
        assert_eq!(summary["complete"], false);
        assert_eq!(summary["tables"]["arca_ws.tickets"]["remaining"], 2);
    }
}

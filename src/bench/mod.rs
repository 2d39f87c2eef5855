//! `arca bench …`: load generators against the real services. Each prints progress to stderr and
//! one JSON object with its figures as the last line of stdout. Never run from tests.

mod commands;
mod documents;
mod drafts;
mod lag;
mod rebuild;
mod saga;
mod stats;
mod webhooks;

use clap::Subcommand;

use crate::settings::Settings;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Drive `POST /v1/invoices` over HTTP against a running server.
    Commands(commands::Args),
    /// The ARCA client against an in-process simulator on loopback: tickets/s, FECAESolicitar
    /// invoices/s with batches of 1, 10 and 250, p99 of one call.
    Arca(arca_ws::cli::BenchArcaArgs),
    /// Append → visible in `rm.invoices` at a steady rate, with the invoices projection running
    /// in-process on the live polling feed.
    Lag(lag::Args),
    /// Invoices through the REST API to their CAE with the ARCA saga against the in-process
    /// simulator (several instances, optional faults), on a scratch database.
    Saga(saga::Args),
    /// Seed a scratch database, then time a rebuild of the invoices projection into a new
    /// generation schema.
    Rebuild(rebuild::Args),
    /// Signed webhook deliveries to a receiver this command starts, through the fan-out and
    /// dispatchers, on a scratch database: deliveries/s and event→delivery p50/p99.
    Webhooks(webhooks::Args),
    /// Authorized invoices rendered, stored and recorded by the documents engine on a scratch
    /// database: PDFs/s, p50/p99 of one PDF, resident memory.
    Documents(documents::Args),
    /// The Spanish invoice-draft parser over its corpus: exact-match rate per field (all cases
    /// and the held-out ones) and drafts/s; no database.
    Drafts(drafts::Args),
}

/// Runs one benchmark.
///
/// # Errors
/// Set-up failures (server unreachable, tenant creation).
pub async fn run(settings: &Settings, cmd: BenchCmd) -> anyhow::Result<()> {
    match cmd {
        BenchCmd::Commands(args) => commands::run(settings, args).await,
        BenchCmd::Arca(args) => arca_ws::cli::run_bench(args).await,
        BenchCmd::Lag(args) => lag::run(settings, args).await,
        BenchCmd::Rebuild(args) => rebuild::run(settings, args).await,
        BenchCmd::Saga(args) => saga::run(settings, args).await,
        BenchCmd::Webhooks(args) => webhooks::run(settings, args).await,
        BenchCmd::Documents(args) => documents::run(settings, args).await,
        BenchCmd::Drafts(args) => drafts::run(&args),
    }
}

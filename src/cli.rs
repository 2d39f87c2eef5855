//! The command line: `serve`, `migrate`, `tenant …`, `credentials …`, `bench …`.

use std::{path::PathBuf, sync::Arc};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use commands::{ports::Clock, ports::SystemClock, tenants as commands_tenants};
use domain::aggregate::Context;
use eventstore::EventStore;
use tokio::net::TcpListener;

use crate::{
    bench, config, credentials, metrics::Metrics, rebuild, server, settings::Settings, status,
    telemetry, tenants,
};

/// ARCA electronic invoicing backend.
#[derive(Debug, Parser)]
#[command(name = "arca", version, about)]
pub struct Cli {
    /// Configuration file (TOML); defaults to ./arca.toml when present.
    #[arg(long, global = true, env = "ARCA_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the system (HTTP API, the relay to JetStream and the projections; later sagas).
    Serve {
        /// Which parts this instance runs.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage tenants: `create`, `keys create|list|revoke`, `limits set|clear`.
    #[command(subcommand)]
    Tenant(crate::tenants::TenantCmd),
    /// The keys sealing secrets at rest: `reseal`.
    #[command(subcommand)]
    Credentials(credentials::CredentialsCmd),
    /// Benchmarks that print one JSON object on their last line.
    #[command(subcommand)]
    Bench(bench::BenchCmd),
    /// Audits of the event log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Read-side tools.
    #[command(subcommand)]
    Projections(ProjectionsCmd),
    /// Numbering series.
    #[command(subcommand)]
    Series(SeriesCmd),
    /// Invoice documents (PDFs): `verify`.
    #[command(subcommand)]
    Documents(crate::documents::DocumentsCmd),
    /// ARCA tools: `sim`, `certs csr|dev`, `wsaa login`, `wsfe dummy|last|get|params|authorize`.
    #[command(flatten)]
    Arca(arca_ws::cli::ArcaCommand),
}

/// Roles an instance can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// HTTP API only.
    Api,
    /// Background workers only (relay, projections, sagas).
    Workers,
    /// Everything.
    All,
}

/// Audits of the event log.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the ledger against the JetStream stream and the hash chain end to end; prints the
    /// first break and a one-line JSON summary, and exits non-zero on a break.
    Verify,
}

/// Read-side tools.
#[derive(Debug, Subcommand)]
pub enum ProjectionsCmd {
    /// Per projection generation: checkpoint, log head, lag in events and events/s over a ~1 s
    /// sample; a table, then one JSON line.
    Status,
    /// Rebuild a projection blue/green while it keeps serving.
    ///
    /// Replays the store into a new generation while the serving one keeps serving, verifies both
    /// at the same position (per-tenant row counts and checksums), then switches readers over in
    /// one transaction. Side effects never re-run (projectors only write rows). The old tables are
    /// kept in a retired schema (see `drop-retired`).
    Rebuild(rebuild::RebuildArgs),
    /// Drop the retired tables that rebuilds of a projection kept.
    DropRetired(rebuild::DropRetiredArgs),
}

/// Numbering series.
#[derive(Debug, Subcommand)]
pub enum SeriesCmd {
    /// Ask the saga to resume a halted series of a tenant after ARCA's last authorized number
    /// (the same as `POST /v1/taxpayers/{cuit}/series/{pos}/{type}/resume`).
    Resume {
        /// The tenant the series belongs to.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// The issuer's CUIT.
        #[arg(long)]
        cuit: String,
        /// Point of sale.
        #[arg(long)]
        point_of_sale: u32,
        /// ARCA voucher type code (1 Factura A, 6 Factura B, 11 Factura C …).
        #[arg(long)]
        voucher_type: u16,
    },
}

/// Runs a parsed command line.
///
/// # Errors
/// Whatever the command failed at, with context.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format);
    match cli.command {
        Cmd::Serve { role } => {
            let shutdown = infra::Shutdown::on_signal();
            let metrics = Metrics::new()?;
            let workers = async {
                match role {
                    Role::Api => Ok(()),
                    Role::Workers | Role::All => {
                        let config = config::workers_config(&settings)?;
                        workers::run(&config, metrics.workers(), &shutdown).await
                    }
                }
            };
            let api = async {
                if role == Role::Workers {
                    return Ok(());
                }
                let listener = TcpListener::bind(settings.http_addr)
                    .await
                    .with_context(|| format!("binding {}", settings.http_addr))?;
                server::serve(&settings, &metrics, listener, shutdown.wait()).await
            };
            tokio::try_join!(api, workers).map(|_| ())
        }
        Cmd::Migrate => {
            server::migrate(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Cmd::Tenant(cmd) => tenants::run(&settings, cmd).await,
        Cmd::Credentials(cmd) => credentials::run(&settings, cmd).await,
        Cmd::Bench(cmd) => bench::run(&settings, cmd).await,
        Cmd::Audit(AuditCmd::Verify) => audit(&settings).await,
        Cmd::Projections(ProjectionsCmd::Status) => status::status(&settings).await,
        Cmd::Projections(ProjectionsCmd::Rebuild(args)) => rebuild::run(&settings, args).await,
        Cmd::Projections(ProjectionsCmd::DropRetired(args)) => {
            rebuild::drop_retired_command(&settings, args).await
        }
        Cmd::Series(SeriesCmd::Resume {
            tenant,
            cuit,
            point_of_sale,
            voucher_type,
        }) => {
            let key = domain::series::SeriesKey {
                environment: settings.environment(),
                cuit: domain::values::Cuit::parse(&cuit).context("--cuit")?,
                point_of_sale,
                voucher_type: domain::values::VoucherType::from_code(voucher_type)
                    .context("--voucher-type")?,
            };
            resume_series(&settings, domain::TenantId(tenant), &key).await
        }
        Cmd::Documents(cmd) => crate::documents::run(&settings, cmd).await,
        Cmd::Arca(cmd) => arca_ws::cli::run(cmd).await,
    }
}

/// `arca series resume`: records an operator's request to resume the halted series.
///
/// # Errors
/// No such series, a series that is not halted, store failures.
async fn resume_series(
    settings: &Settings,
    tenant: domain::TenantId,
    key: &domain::series::SeriesKey,
) -> anyhow::Result<()> {
    let store: Arc<dyn EventStore> = Arc::new(server::connect_store(settings).await?);
    let ctx = Context {
        now: SystemClock.now(),
        policy: config::policy(settings)?,
    };
    let metadata = domain::EventMetadata {
        actor: Some("cli".to_owned()),
        ..domain::EventMetadata::for_tenant(tenant)
    };
    let metrics = commands::CommandMetrics::detached();
    let executed = commands::series::request_resume(&store, &metrics, &ctx, metadata, key)
        .await
        .context("asking to resume the series")?
        .with_context(|| format!("no such series: {}", key.stream_for(tenant)))?;
    println!(
        "resume requested for {} (the saga resumes it after ARCA's last authorized number)",
        key.stream_id()
    );
    if executed.events.is_empty() {
        eprintln!("it had been requested already");
    }
    Ok(())
}

/// Creates a tenant straight in the event store and returns its first key.
///
/// # Errors
/// Store failures.
pub async fn create_tenant(
    settings: &Settings,
    name: &str,
) -> anyhow::Result<commands_tenants::IssuedKey> {
    let store: Arc<dyn EventStore> = Arc::new(server::connect_store(settings).await?);
    let ctx = Context {
        now: SystemClock.now(),
        policy: config::policy(settings)?,
    };
    commands_tenants::create_tenant(&store, &ctx, name)
        .await
        .context("creating the tenant")
}

/// `arca audit verify`: prints the audit's outcome (the first break, then a one-line JSON
/// summary) and fails when it found a break.
///
/// # Errors
/// A break, or the audit could not run.
async fn audit(settings: &Settings) -> anyhow::Result<()> {
    let report =
        workers::relay::audit_verify(&settings.database_url, &config::bus_config(settings)).await?;
    if let Some(found) = &report.first_break {
        println!("first break at sequence {}: {}", found.seq, found.what);
    }
    println!("{}", serde_json::to_string(&report)?);
    anyhow::ensure!(report.ok, "the ledger does not verify");
    Ok(())
}

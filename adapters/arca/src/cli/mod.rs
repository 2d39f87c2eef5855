//! Command-line pieces for the root binary: `arca sim`, `arca certs csr|dev`,
//! `arca wsaa login`, `arca wsfe dummy|last|get|params|authorize`, and `arca bench arca`.
//! Every command prints JSON on stdout.

mod bench;
mod certs;
mod conn;
pub mod demo;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

pub use bench::{BenchArcaArgs, BenchReport, measure as bench_measure, run_bench};
pub use certs::{CertsCommand, run as certs_json};
pub use conn::{ConnArgs, Env};

use crate::sim::{SimConfig, Simulator, VatConditionRule};
use crate::wsfe::ParamTable;

/// The ARCA subcommands (flatten into the root CLI).
#[derive(Debug, clap::Subcommand)]
pub enum ArcaCommand {
    /// Run the offline ARCA (WSAA + WSFEv1) until interrupted.
    Sim(Box<SimArgs>),
    /// Certificates: a CSR for ARCA, or a development CA and certificate.
    #[command(subcommand)]
    Certs(Box<CertsCommand>),
    /// WSAA: log in and print the ticket (token and sign redacted).
    #[command(subcommand)]
    Wsaa(Box<WsaaCommand>),
    /// WSFEv1 operations.
    #[command(subcommand)]
    Wsfe(Box<WsfeCommand>),
}

/// `arca sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    #[arg(long, env = "ARCA_SIM_ADDR", default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
    /// CA certificate(s) whose certificates may log in (PEM).
    #[arg(long, required_unless_present = "ca_dir")]
    pub trust: Vec<PathBuf>,
    /// Also trust the development CA in this folder (`ca.pem`, `ca-key.pem`), made there when
    /// the folder holds none: saga workers given the same folder (`sim_ca_dir`) sign in with it.
    #[arg(long, env = "ARCA_SIM_CA_DIR")]
    pub ca_dir: Option<PathBuf>,
    /// Ledger journal (JSON lines); kept across restarts.
    #[arg(long, env = "ARCA_SIM_LEDGER")]
    pub ledger: Option<PathBuf>,
    /// CondicionIVAReceptorId rule: off, optional (Obs 10245) or mandatory (10246).
    #[arg(long, default_value = "mandatory")]
    pub vat_condition: String,
    /// The web-service points of sale (e.g. `1,2`); others get 10005. Default: any.
    #[arg(long, value_delimiter = ',')]
    pub points_of_sale: Vec<u32>,
}

/// `arca wsaa …`.
#[derive(Debug, clap::Subcommand)]
pub enum WsaaCommand {
    Login {
        #[command(flatten)]
        conn: ConnArgs,
        /// Ignore the cached ticket.
        #[arg(long)]
        force: bool,
    },
}

/// Parameter tables for `arca wsfe params`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ParamName {
    TiposCbte,
    TiposConcepto,
    TiposDoc,
    TiposIva,
    Monedas,
    Opcionales,
    Tributos,
    PtosVenta,
    Cotizacion,
    CondicionIvaReceptor,
    MaxBatch,
}

/// `arca wsfe …`.
#[derive(Debug, clap::Subcommand)]
pub enum WsfeCommand {
    /// FEDummy: are the application, database and authentication servers up?
    Dummy {
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// FECompUltimoAutorizado.
    Last {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(long)]
        pto_vta: u32,
        #[arg(long)]
        tipo: u16,
    },
    /// FECompConsultar.
    Get {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(long)]
        pto_vta: u32,
        #[arg(long)]
        tipo: u16,
        #[arg(long)]
        numero: u64,
    },
    /// FEParamGet* and FECompTotXRequest.
    Params {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(value_enum)]
        table: ParamName,
        #[arg(long, default_value = "DOL")]
        moneda: String,
        #[arg(long)]
        clase: Option<String>,
    },
    /// FECAESolicitar: a JSON CaeRequest from --file, or --count demo Facturas B numbered next.
    Authorize {
        #[command(flatten)]
        conn: ConnArgs,
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        pto_vta: u32,
        #[arg(long, default_value_t = 1)]
        count: u64,
    },
}

fn print(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Runs one ARCA subcommand.
pub async fn run(cmd: ArcaCommand) -> anyhow::Result<()> {
    match cmd {
        ArcaCommand::Sim(a) => run_sim(*a).await,
        ArcaCommand::Certs(c) => print(&certs::run(*c)?),
        ArcaCommand::Wsaa(w) => {
            let WsaaCommand::Login { conn, force } = *w;
            let t = conn.ticket(force).await?;
            print(&serde_json::json!({
                "service": t.service, "generation_time": crate::wsaa::tra::format_ar_millis(t.generation_time),
                "expiration_time": crate::wsaa::tra::format_ar_millis(t.expiration_time), "destination": t.destination,
                "relations": t.relations, "token": "<redacted>", "sign": "<redacted>",
            }))
        }
        ArcaCommand::Wsfe(w) => run_wsfe(*w).await,
    }
}

async fn run_sim(a: SimArgs) -> anyhow::Result<()> {
    let mut trust = Vec::new();
    for p in &a.trust {
        let pem = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        trust.push(crate::certs::load_cert_pem(&pem)?);
    }
    if let Some(dir) = &a.ca_dir {
        trust.push(crate::certs::load_or_create_dev_ca(dir)?.cert);
    }
    let vat_condition = match a.vat_condition.as_str() {
        "off" => VatConditionRule::Off,
        "optional" => VatConditionRule::Optional,
        "mandatory" => VatConditionRule::Mandatory,
        other => anyhow::bail!("--vat-condition must be off, optional or mandatory, not {other}"),
    };
    let mut cfg = SimConfig {
        trust,
        ledger_path: a.ledger,
        vat_condition,
        ..SimConfig::default()
    };
    if !a.points_of_sale.is_empty() {
        cfg.points_of_sale = a.points_of_sale;
        cfg.enforce_points_of_sale = true;
    }
    let running = Simulator::new(cfg)?.start(a.addr).await?;
    print(
        &serde_json::json!({ "wsaa": running.wsaa_url(), "wsfe": running.wsfe_url(), "admin": format!("http://{}/admin/ledger", running.addr) }),
    )?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}

async fn run_wsfe(w: WsfeCommand) -> anyhow::Result<()> {
    match w {
        WsfeCommand::Dummy { conn } => print(&conn.wsfe()?.dummy().await?),
        WsfeCommand::Last {
            conn,
            pto_vta,
            tipo,
        } => print(
            &conn
                .wsfe()?
                .last_authorized(&conn.auth().await?, pto_vta, tipo)
                .await?,
        ),
        WsfeCommand::Get {
            conn,
            pto_vta,
            tipo,
            numero,
        } => print(
            &conn
                .wsfe()?
                .query(&conn.auth().await?, pto_vta, tipo, numero)
                .await?,
        ),
        WsfeCommand::Params {
            conn,
            table,
            moneda,
            clase,
        } => {
            let (c, auth) = (conn.wsfe()?, conn.auth().await?);
            let t = |t: ParamTable| t;
            match table {
                ParamName::TiposCbte => print(&c.param(&auth, t(ParamTable::VoucherTypes)).await?),
                ParamName::TiposConcepto => print(&c.param(&auth, ParamTable::Concepts).await?),
                ParamName::TiposDoc => print(&c.param(&auth, ParamTable::DocumentTypes).await?),
                ParamName::TiposIva => print(&c.param(&auth, ParamTable::VatRates).await?),
                ParamName::Monedas => print(&c.param(&auth, ParamTable::Currencies).await?),
                ParamName::Opcionales => print(&c.param(&auth, ParamTable::Optionals).await?),
                ParamName::Tributos => print(&c.param(&auth, ParamTable::OtherTaxes).await?),
                ParamName::PtosVenta => print(&c.points_of_sale(&auth).await?),
                ParamName::Cotizacion => print(&c.exchange_rate(&auth, &moneda, None).await?),
                ParamName::CondicionIvaReceptor => {
                    print(&c.receiver_vat_conditions(&auth, clase.as_deref()).await?)
                }
                ParamName::MaxBatch => print(&c.max_batch(&auth).await?),
            }
        }
        WsfeCommand::Authorize {
            conn,
            file,
            pto_vta,
            count,
        } => {
            let (c, auth) = (conn.wsfe()?, conn.auth().await?);
            let req = match file {
                Some(f) => serde_json::from_str(
                    &std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?,
                )?,
                None => {
                    let last = c.last_authorized(&auth, pto_vta, 6).await?;
                    let next = last.data.map(|l| l.number).unwrap_or(0) + 1;
                    demo::consumer_batch(pto_vta, next, count)
                }
            };
            print(&c.authorize(&auth, &req).await?)
        }
    }
}

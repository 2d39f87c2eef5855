//! The offline ARCA: WSAA at `/ws/services/LoginCms` and WSFEv1 at `/wsfev1/service.asmx`,
//! in-process for tests (port 0) or as `arca sim`. Admin endpoints under `/admin/` set faults,
//! the clock and seeds, and expose the ledger.

mod admin;
pub mod clock;
pub mod cms_verify;
pub mod faults;
pub mod ledger;
pub mod tables;
pub mod token;
mod wsaa;
mod wsfe;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, atomic::AtomicU64};

use rust_decimal::Decimal;
use time::OffsetDateTime;
use x509_cert::Certificate;

pub use clock::Clock;
pub use faults::{FaultMode, FaultSpec, Faults};
pub use ledger::{Ledger, SeriesKey, SeriesReport};

/// How the simulator treats `CondicionIVAReceptorId` (RG 5616).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VatConditionRule {
    /// Not checked (behaviour before April 2025, as in the 2021 recordings).
    Off,
    /// Missing → approved with Obs 10245.
    Optional,
    /// Missing → rejected with 10246 (production since mid-2025).
    Mandatory,
}

/// Everything that shapes the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// CAs whose certificates may log in.
    pub trust: Vec<Certificate>,
    /// Journal file for the ledger (`None`: memory only).
    pub ledger_path: Option<PathBuf>,
    pub vat_condition: VatConditionRule,
    /// Class B vouchers at or above this `ImpTotal × MonCotiz` must identify the buyer.
    pub consumer_threshold: Decimal,
    /// Receivers that are monotributistas: class A vouchers to them get Obs 10217.
    pub monotributistas: HashSet<u64>,
    /// After this long a certificate may get a new ticket while the old one is valid
    /// (`None`: only once the old one expires, the strict reading).
    pub reissue_after: Option<time::Duration>,
    /// (token, sign) pairs issued by another WSAA that the WSFEv1 side accepts (recordings).
    pub trusted_tickets: Vec<(String, String)>,
    /// Exchange rates served by FEParamGetCotizacion and used for 10119.
    pub rates: HashMap<String, Decimal>,
    /// The issuer's web-service (RECE) points of sale, served by FEParamGetPtosVenta.
    pub points_of_sale: Vec<u32>,
    /// Reject FECAESolicitar on a `PtoVta` outside `points_of_sale` with Err 10005. Off by
    /// default: any point of sale counts as registered (the recordings use many).
    pub enforce_points_of_sale: bool,
    /// `FEHeaderInfo/ambiente`.
    pub environment_label: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            trust: Vec::new(),
            ledger_path: None,
            vat_condition: VatConditionRule::Mandatory,
            consumer_threshold: Decimal::from(10_000_000),
            monotributistas: HashSet::from([30_000_000_007]),
            reissue_after: None,
            trusted_tickets: Vec::new(),
            rates: HashMap::from([
                ("DOL".to_owned(), Decimal::new(1_450_500, 3)),
                ("060".to_owned(), Decimal::new(1_690_250, 3)),
            ]),
            points_of_sale: vec![1, 2, 3, 4, 5],
            enforce_points_of_sale: false,
            environment_label: "Simulador - arca-ws".to_owned(),
        }
    }
}

/// A ticket the WSAA side issued: who, for what, until when.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Shared state behind every handler.
#[derive(Debug)]
pub struct SimState {
    pub config: SimConfig,
    pub clock: Clock,
    pub faults: Faults,
    pub(crate) ledger: Mutex<Ledger>,
    pub(crate) token_key: [u8; 32],
    pub(crate) issued: Mutex<HashMap<(String, String), Issued>>,
    pub(crate) caeas: Mutex<HashMap<(u64, u32, u8), String>>,
    pub(crate) cae_seq: AtomicU64,
    /// Successful `loginCms` calls so far.
    pub logins: AtomicU64,
    /// WSFEv1 requests received so far, per operation, faulted ones included.
    pub(crate) calls: Mutex<HashMap<String, u64>>,
}

/// A simulator: build its router, or start it on an address.
#[derive(Debug, Clone)]
pub struct Simulator {
    pub state: Arc<SimState>,
}

/// A simulator serving on a socket.
#[derive(Debug)]
pub struct RunningSim {
    pub sim: Simulator,
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    pub fn wsaa_url(&self) -> String {
        format!("http://{}/ws/services/LoginCms", self.addr)
    }

    pub fn wsfe_url(&self) -> String {
        format!("http://{}/wsfev1/service.asmx", self.addr)
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Simulator {
    pub fn new(config: SimConfig) -> std::io::Result<Self> {
        let ledger = Ledger::open(config.ledger_path.as_deref())?;
        Ok(Self {
            state: Arc::new(SimState {
                config,
                clock: Clock::default(),
                faults: Faults::default(),
                ledger: Mutex::new(ledger),
                token_key: rand::random(),
                issued: Mutex::new(HashMap::new()),
                caeas: Mutex::new(HashMap::new()),
                cae_seq: AtomicU64::new(rand::random::<u32>().into()),
                logins: AtomicU64::new(0),
                calls: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The HTTP routes.
    pub fn router(&self) -> axum::Router {
        use axum::routing::post;
        axum::Router::new()
            .route("/ws/services/LoginCms", post(wsaa::login_cms))
            .route("/wsfev1/service.asmx", post(wsfe::handle))
            .merge(admin::routes())
            .with_state(self.state.clone())
    }

    /// Serves on `addr` (port 0 picks a free port) in a background task.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<RunningSim> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        Ok(RunningSim {
            sim: self,
            addr,
            task,
        })
    }

    /// Per-series ledger figures.
    pub fn ledger_report(&self) -> Vec<SeriesReport> {
        self.state.lock_ledger().report()
    }

    /// Every voucher authorized so far, by series and number.
    pub fn vouchers(&self) -> Vec<ledger::StoredVoucher> {
        self.state.lock_ledger().vouchers()
    }

    /// Seeds a series' history.
    pub fn seed(
        &self,
        key: SeriesKey,
        last: u64,
        last_date: Option<time::Date>,
    ) -> std::io::Result<()> {
        self.state.lock_ledger().seed(key, last, last_date)
    }

    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// WSFEv1 requests of `operation` received so far (faulted ones included); `*` for all.
    pub fn call_count(&self, operation: &str) -> u64 {
        let calls = self
            .state
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if operation == "*" {
            calls.values().sum()
        } else {
            calls.get(operation).copied().unwrap_or_default()
        }
    }

    /// Successful logins so far.
    pub fn login_count(&self) -> u64 {
        self.state.logins.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl SimState {
    /// Counts one WSFEv1 request of `operation`.
    pub(crate) fn count_call(&self, operation: &str) {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *calls.entry(operation.to_owned()).or_default() += 1;
    }

    pub(crate) fn lock_ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Waits forever: used to "never answer".
pub(crate) async fn hang() {
    std::future::pending::<()>().await;
}

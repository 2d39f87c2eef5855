//! The end-of-run audit of a saga run, shared by `arca bench saga` and the end-to-end tests:
//! every requested invoice has exactly one `invoice.cae_granted` or one `invoice.rejected` with
//! ARCA's reason; the simulator's ledger has no gap and no duplicate in any series and holds
//! exactly one voucher per authorized invoice, with its number, CAE and amounts; the invoices
//! read model agrees with the event store on status, number and CAE.

use std::collections::{HashMap, HashSet};
use std::str::FromStr as _;

use arca_ws::sim::Simulator;
use arca_ws::sim::ledger::StoredVoucher;
use eventstore::readings;
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Problems listed at most (the count is always complete).
const LISTED: usize = 20;

/// What the audit found.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// Invoices requested.
    pub invoices: usize,
    /// With a CAE.
    pub authorized: usize,
    /// Rejected by ARCA.
    pub rejected: usize,
    /// Series in the simulator's ledger.
    pub series: usize,
    /// Vouchers in the simulator's ledger.
    pub ledger_vouchers: usize,
    /// Everything wrong, counted.
    pub problem_count: usize,
    /// The first problems, one line each.
    pub problems: Vec<String>,
}

impl Audit {
    /// `ok` when nothing is wrong, else `mismatch`.
    pub fn verdict(&self) -> &'static str {
        if self.problem_count == 0 {
            "ok"
        } else {
            "mismatch"
        }
    }

    fn problem(&mut self, what: String) {
        self.problem_count += 1;
        if self.problems.len() < LISTED {
            self.problems.push(what);
        }
    }
}

/// One requested invoice as the event store tells it.
struct Requested {
    id: Uuid,
    series: (u64, u32, u16),
    totals: Value,
    granted: Vec<Value>,
    rejected: Vec<Value>,
}

/// Audits the run in `pool`'s database against `sim`'s ledger.
///
/// # Errors
/// Postgres failures, or events that do not parse.
pub async fn audit(pool: &PgPool, sim: &Simulator) -> anyhow::Result<Audit> {
    let requested = requested(pool).await?;
    let mut audit = Audit {
        invoices: requested.len(),
        ..Audit::default()
    };
    check_ledger(&mut audit, sim);
    let vouchers = sim.vouchers();
    audit.ledger_vouchers = vouchers.len();
    let mut ledger: HashMap<(u64, u32, u16, u64), &StoredVoucher> = HashMap::new();
    for v in &vouchers {
        if v.detail.number_from != v.detail.number_to {
            audit.problem(format!("ledger voucher {v:?} spans several numbers"));
        }
        ledger.insert(
            (
                v.cuit,
                v.point_of_sale,
                v.voucher_type,
                v.detail.number_from,
            ),
            v,
        );
    }
    let read_model = read_model(pool).await?;
    let mut matched = HashSet::new();
    for invoice in &requested {
        let outcome = check_outcome(&mut audit, invoice, &ledger, &mut matched);
        check_read_model(&mut audit, invoice, &outcome, read_model.get(&invoice.id));
    }
    if matched.len() != vouchers.len() {
        audit.problem(format!(
            "{} ledger vouchers belong to no authorized invoice",
            vouchers.len() - matched.len()
        ));
    }
    Ok(audit)
}

/// No gap and no duplicate in any series.
fn check_ledger(audit: &mut Audit, sim: &Simulator) {
    let report = sim.ledger_report();
    audit.series = report.len();
    for series in report {
        if !series.gaps.is_empty() || !series.duplicates.is_empty() {
            audit.problem(format!("ledger series {series:?}"));
        }
    }
}

/// What the event store says became of an invoice: `Some((number, cae))` when authorized.
type Outcome = Option<(u64, String)>;

fn check_outcome(
    audit: &mut Audit,
    invoice: &Requested,
    ledger: &HashMap<(u64, u32, u16, u64), &StoredVoucher>,
    matched: &mut HashSet<(u64, u32, u16, u64)>,
) -> Outcome {
    let id = invoice.id;
    match (invoice.granted.as_slice(), invoice.rejected.as_slice()) {
        ([granted], []) => {
            audit.authorized += 1;
            let number = granted["number"].as_u64().unwrap_or_default();
            let cae = granted["cae"].as_str().unwrap_or_default().to_owned();
            let (cuit, pos, kind) = invoice.series;
            let key = (cuit, pos, kind, number);
            match ledger.get(&key) {
                None => audit.problem(format!("{id}: number {number} is not in the ledger")),
                Some(voucher) => {
                    if !matched.insert(key) {
                        audit.problem(format!("{id}: number {number} granted twice"));
                    }
                    if voucher.cae != cae {
                        audit.problem(format!("{id}: CAE {cae}, ledger {}", voucher.cae));
                    }
                    if let Some(what) = amounts_differ(&invoice.totals, voucher) {
                        audit.problem(format!("{id}: {what}"));
                    }
                }
            }
            Some((number, cae))
        }
        ([], [rejected]) => {
            audit.rejected += 1;
            let reasons = |k: &str| rejected[k].as_array().map_or(0, Vec::len);
            if reasons("errors") + reasons("observations") == 0 {
                audit.problem(format!("{id}: rejected without ARCA's reason"));
            }
            None
        }
        (granted, rejected) => {
            audit.problem(format!(
                "{id}: {} CAEs and {} rejections",
                granted.len(),
                rejected.len()
            ));
            None
        }
    }
}

/// The first amount of the request that differs from the ledger's voucher.
fn amounts_differ(totals: &Value, voucher: &StoredVoucher) -> Option<String> {
    let d = &voucher.detail;
    let pairs = [
        ("total", d.total),
        ("net", d.net),
        ("iva", d.vat_total),
        ("exempt", d.exempt),
        ("not_taxed", d.untaxed),
        ("tributes", d.other_taxes_total),
    ];
    pairs.into_iter().find_map(|(name, ledger)| {
        let ours = totals[name]
            .as_str()
            .and_then(|s| Decimal::from_str(s).ok());
        (ours != Some(ledger)).then(|| format!("{name} {ours:?}, ledger {ledger}"))
    })
}

/// The read model's row: status, number, CAE.
type Row = (String, Option<i64>, Option<String>);

fn check_read_model(audit: &mut Audit, invoice: &Requested, outcome: &Outcome, row: Option<&Row>) {
    let id = invoice.id;
    let Some((status, number, cae)) = row else {
        audit.problem(format!("{id}: not in the read model"));
        return;
    };
    let agrees = match (outcome, invoice.rejected.is_empty()) {
        (Some((n, c)), _) => {
            status == "authorized"
                && number.and_then(|x| u64::try_from(x).ok()) == Some(*n)
                && cae.as_deref() == Some(c.as_str())
        }
        (None, false) => status == "rejected" && cae.is_none(),
        (None, true) => true,
    };
    if !agrees {
        audit.problem(format!(
            "{id}: read model {status} {number:?} {cae:?}, events {outcome:?}"
        ));
    }
}

/// Every requested invoice with its grants and rejections, in the order they were requested.
async fn requested(pool: &PgPool) -> anyhow::Result<Vec<Requested>> {
    const TYPES: [&str; 3] = [
        "invoice.requested",
        "invoice.cae_granted",
        "invoice.rejected",
    ];
    let events = readings::events_of_types(pool, &TYPES).await?;
    let mut order = Vec::new();
    let mut by_stream: HashMap<&str, (Value, Vec<Value>, Vec<Value>)> = HashMap::new();
    for event in &events {
        let entry = by_stream
            .entry(event.stream_id.as_str())
            .or_insert_with(|| (Value::Null, Vec::new(), Vec::new()));
        match event.event_type.as_str() {
            "invoice.requested" => {
                order.push(event.stream_id.as_str());
                entry.0 = event.data.clone();
            }
            "invoice.cae_granted" => entry.1.push(event.data.clone()),
            _ => entry.2.push(event.data.clone()),
        }
    }
    order
        .into_iter()
        .filter_map(|stream| by_stream.remove(stream))
        .map(|(data, granted, rejected)| {
            let field = |k: &str| {
                data[k]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| data[k].as_u64().map(|n| n.to_string()))
                    .ok_or_else(|| anyhow::anyhow!("invoice.requested without {k}"))
            };
            Ok(Requested {
                id: Uuid::parse_str(&field("invoice_id")?)?,
                series: (
                    field("issuer_cuit")?.parse()?,
                    field("point_of_sale")?.parse()?,
                    field("voucher_type")?.parse()?,
                ),
                totals: data["totals"].clone(),
                granted,
                rejected,
            })
        })
        .collect()
}

async fn read_model(pool: &PgPool) -> anyhow::Result<HashMap<Uuid, Row>> {
    let rows: Vec<(Uuid, String, Option<i64>, Option<String>)> =
        sqlx::query_as("select invoice_id, status, number, cae from rm.invoices")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, status, number, cae)| (id, (status, number, cae)))
        .collect())
}

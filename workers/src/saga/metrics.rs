//! The saga's metrics: ARCA call latency by operation and outcome, what the saga did (submissions,
//! invoices authorized, rejected and recovered, reconciliations), and — read from Postgres at
//! scrape time — invoices in flight per state and series blocked or halted. No label carries an
//! id or a CUIT.

use eventstore::readings;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
};
use sqlx::PgPool;

use commands::saga::Drive;
use domain::series::ParkReason;

use super::gateway::Phase;

/// Invoices on their way to ARCA, per state (the read model's partial index serves it).
const IN_FLIGHT: &str = "select status, count(*) from rm.invoices \
     where status not in ('authorized', 'rejected') group by status";

/// Series with invoices waiting, per reason (the read model's partial index serves it).
const PARKED: &str = "select waiting_reason, count(*) from (select distinct tenant_id, \
     issuer_cuit, point_of_sale, voucher_type, waiting_reason from rm.invoices \
     where waiting_reason is not null) s group by waiting_reason";

/// The series events that set its status (`submission_*` recur, so the walk back is short).
const STATUS_MARKS: &[&str] = &[
    "series.opened",
    "series.submission_started",
    "series.submission_completed",
    "series.blocked",
    "series.unblocked",
    "series.halted",
    "series.stalled",
    "series.resumed",
];

/// The status a series is in after `event_type`, when it is blocked or halted.
fn status_of(event_type: &str) -> Option<&'static str> {
    match event_type {
        "series.blocked" => Some("blocked"),
        "series.halted" | "series.stalled" => Some("halted"),
        _ => None,
    }
}

/// The saga's instruments; cheap to clone.
#[derive(Clone)]
pub struct SagaMetrics {
    calls: HistogramVec,
    done: IntCounterVec,
    in_flight: IntGaugeVec,
    series: IntGaugeVec,
    parked: IntGaugeVec,
    circuit: IntGaugeVec,
    transitions: IntCounterVec,
    evidence_lost: IntCounter,
}

impl SagaMetrics {
    /// Registers the saga's metrics in `registry`.
    ///
    /// # Errors
    /// Already registered.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let calls = HistogramVec::new(
            HistogramOpts::new(
                "arca_call_duration_seconds",
                "Calls to ARCA's WSFEv1, by operation and outcome (ok, not_sent, uncertain, failed)",
            )
            .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["operation", "outcome"],
        )?;
        let done = IntCounterVec::new(
            Opts::new(
                "saga_total",
                "What the ARCA saga did: submissions, authorized, rejected, recovered, reconciliations",
            ),
            &["what"],
        )?;
        let in_flight = IntGaugeVec::new(
            Opts::new(
                "saga_invoices_in_flight",
                "Invoices not yet authorized or rejected, by state",
            ),
            &["status"],
        )?;
        let series = IntGaugeVec::new(
            Opts::new(
                "saga_series_stuck",
                "Series blocked (reconciling) or halted (a conflict, or submissions failing too \
                 often in a row: waiting for an operator)",
            ),
            &["state"],
        )?;
        let parked = IntGaugeVec::new(
            Opts::new(
                "saga_series_parked",
                "Series whose invoices wait, by reason (waiting_for_certificate, \
                 certificate_refused, series_halted)",
            ),
            &["reason"],
        )?;
        let circuit = IntGaugeVec::new(
            Opts::new(
                "arca_circuit_state",
                "ARCA's circuit breaker per environment: 0 closed, 1 half-open, 2 open",
            ),
            &["environment"],
        )?;
        let transitions = IntCounterVec::new(
            Opts::new(
                "arca_circuit_transitions_total",
                "ARCA circuit breaker transitions, by environment and new state",
            ),
            &["environment", "to"],
        )?;
        let evidence_lost = IntCounter::new(
            "arca_exchanges_unrecorded_total",
            "ARCA exchanges (request and response XML) that could not be stored",
        )?;
        for metric in [
            Box::new(calls.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(done.clone()),
            Box::new(in_flight.clone()),
            Box::new(series.clone()),
            Box::new(parked.clone()),
            Box::new(circuit.clone()),
            Box::new(transitions.clone()),
            Box::new(evidence_lost.clone()),
        ] {
            registry.register(metric)?;
        }
        Ok(Self {
            calls,
            done,
            in_flight,
            series,
            parked,
            circuit,
            transitions,
            evidence_lost,
        })
    }

    /// One call to ARCA took `seconds` and ended in `outcome`.
    pub fn call(&self, operation: &str, outcome: &str, seconds: f64) {
        self.calls
            .with_label_values(&[operation, outcome])
            .observe(seconds);
    }

    /// The circuit of `environment` is in `phase`.
    pub fn circuit_state(&self, environment: &str, phase: Phase) {
        self.circuit
            .with_label_values(&[environment])
            .set(phase.gauge());
    }

    /// The circuit of `environment` moved to `to`.
    pub fn circuit_moved(&self, environment: &str, to: Phase) {
        self.transitions
            .with_label_values(&[environment, to.label()])
            .inc();
    }

    /// An exchange could not be stored.
    pub fn evidence_lost(&self) {
        self.evidence_lost.inc();
    }

    /// Adds up a step's report.
    pub fn drove(&self, drive: &Drive) {
        for (what, n) in [
            ("submissions", drive.submissions),
            ("authorized", drive.authorized),
            ("rejected", drive.rejected),
            ("recovered", drive.recovered),
            ("reconciliations", drive.reconciliations),
        ] {
            self.done.with_label_values(&[what]).inc_by(u64::from(n));
        }
    }

    /// Registers the saga's metrics in `exporter`, its gauges read from `pool` at scrape time.
    ///
    /// # Errors
    /// Already registered.
    pub fn observe(exporter: &infra::Exporter, pool: PgPool) -> anyhow::Result<Self> {
        let saga = Self::register(exporter.registry())?;
        let gauges = saga.clone();
        exporter.on_scrape_async(move || {
            let (pool, gauges) = (pool.clone(), gauges.clone());
            Box::pin(async move { gauges.refresh(&pool).await })
        });
        Ok(saga)
    }

    /// Reads the in-flight and stuck gauges from Postgres.
    ///
    /// # Errors
    /// Database failures.
    pub async fn refresh(&self, pool: &PgPool) -> anyhow::Result<()> {
        let in_flight: Vec<(String, i64)> = sqlx::query_as(IN_FLIGHT).fetch_all(pool).await?;
        for status in ["requested", "numbered", "submitted", "outcome_unknown"] {
            let n = in_flight
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            self.in_flight.with_label_values(&[status]).set(n);
        }
        // Series whose latest change of status blocks or halts them.
        let stuck = readings::streams_last_marked(pool, "series", STATUS_MARKS).await?;
        for state in ["blocked", "halted"] {
            let n = stuck
                .iter()
                .filter(|(e, _)| status_of(e) == Some(state))
                .map(|(_, n)| *n)
                .sum();
            self.series.with_label_values(&[state]).set(n);
        }
        let parked: Vec<(String, i64)> = sqlx::query_as(PARKED).fetch_all(pool).await?;
        for reason in ParkReason::ALL {
            let n = parked
                .iter()
                .find(|(r, _)| r == reason.as_str())
                .map_or(0, |(_, n)| *n);
            self.parked.with_label_values(&[reason.as_str()]).set(n);
        }
        Ok(())
    }
}

//! The delivery engine's metrics: `webhook_deliveries_total{outcome}` (delivered, failed,
//! exhausted, gone, skipped), `webhook_attempt_duration_seconds{result}` (2xx, 3xx, 4xx, 5xx or the
//! error class), and — read from Postgres at scrape time — `webhook_queue_depth{state}`
//! (deliveries pending for an active, paused or disabled subscription, and skipped ones) and
//! `webhook_oldest_pending_seconds{state}`. No label carries an id.

use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
};
use sqlx::PgPool;

/// Pending deliveries per state of their subscription, with the age of the oldest; and skipped.
const QUEUE: &str = "select case when d.status = 'skipped' then 'skipped' \
         else coalesce(s.status, 'deleted') end as state, count(*), \
         coalesce(extract(epoch from now() - min(d.created_at)), 0)::float8 \
     from webhooks.deliveries d left join webhooks.subscriptions s using (subscription_id) \
     where d.status in ('pending', 'skipped') group by 1";
const STATES: [&str; 5] = ["active", "paused", "disabled", "deleted", "skipped"];

/// The engine's instruments; cheap to clone.
#[derive(Clone)]
pub struct DeliveryMetrics {
    deliveries: IntCounterVec,
    attempts: HistogramVec,
    depth: IntGaugeVec,
    oldest: GaugeVec,
}

impl DeliveryMetrics {
    /// Registers the metrics in `exporter`; the queue gauges are read from `pool` at scrape time.
    ///
    /// # Errors
    /// Already registered.
    pub fn observe(exporter: &infra::Exporter, pool: PgPool) -> anyhow::Result<Self> {
        let webhooks = Self::register(exporter.registry())?;
        let gauges = webhooks.clone();
        exporter.on_scrape_async(move || {
            let (pool, gauges) = (pool.clone(), gauges.clone());
            Box::pin(async move { gauges.refresh(&pool).await })
        });
        Ok(webhooks)
    }

    /// Registers the metrics in `registry`.
    ///
    /// # Errors
    /// Already registered.
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let deliveries = IntCounterVec::new(
            Opts::new(
                "webhook_deliveries_total",
                "Webhook deliveries finished, by outcome (delivered, failed, exhausted, gone, skipped)",
            ),
            &["outcome"],
        )?;
        let attempts = HistogramVec::new(
            HistogramOpts::new(
                "webhook_attempt_duration_seconds",
                "Webhook attempts, by result (2xx, 3xx, 4xx, 5xx or why no answer came back)",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
            ]),
            &["result"],
        )?;
        let depth = IntGaugeVec::new(
            Opts::new(
                "webhook_queue_depth",
                "Deliveries waiting, by the state of their subscription (skipped: kept to recover)",
            ),
            &["state"],
        )?;
        let oldest = GaugeVec::new(
            Opts::new(
                "webhook_oldest_pending_seconds",
                "Age of the oldest waiting delivery, by the state of its subscription",
            ),
            &["state"],
        )?;
        for metric in [
            Box::new(deliveries.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(attempts.clone()),
            Box::new(depth.clone()),
            Box::new(oldest.clone()),
        ] {
            registry.register(metric)?;
        }
        Ok(Self {
            deliveries,
            attempts,
            depth,
            oldest,
        })
    }

    /// One delivery finished with `outcome`.
    pub fn finished(&self, outcome: &str) {
        self.deliveries.with_label_values(&[outcome]).inc();
    }

    /// One attempt took `seconds`; `status` is the HTTP status or `None` with the error class.
    pub fn attempt(&self, status: Option<u16>, error: Option<&str>, seconds: f64) {
        let result = match status {
            Some(200..=299) => "2xx",
            Some(300..=399) => "3xx",
            Some(400..=499) => "4xx",
            Some(_) => "5xx",
            None => error.unwrap_or("other"),
        };
        self.attempts.with_label_values(&[result]).observe(seconds);
    }

    /// Reads the queue gauges from Postgres.
    ///
    /// # Errors
    /// Database failures.
    pub async fn refresh(&self, pool: &PgPool) -> anyhow::Result<()> {
        let rows: Vec<(String, i64, f64)> = sqlx::query_as(QUEUE).fetch_all(pool).await?;
        for state in STATES {
            let (n, age) = rows
                .iter()
                .find(|(s, _, _)| s == state)
                .map_or((0, 0.0), |(_, n, age)| (*n, *age));
            self.depth.with_label_values(&[state]).set(n);
            self.oldest.with_label_values(&[state]).set(age);
        }
        Ok(())
    }
}

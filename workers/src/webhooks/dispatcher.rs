//! The dispatcher: takes due deliveries (`for update skip locked`, so any number of instances
//! share the table), leases them for longer than an attempt can take, and runs each attempt in
//! a task of its own: at most `per_endpoint` requests at once per subscription (its slot is let go
//! when the endpoint answers) and `max_in_flight` attempts in all.
//!
//! A dispatcher killed mid-attempt loses nothing: its leases run out and another instance (or
//! the restarted one) sends those deliveries again, under the same `webhook-id`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::task::JoinSet;
use uuid::Uuid;
use webhooks::{RetrySchedule, WebhookClient};

use super::attempt::{self, Entry, Recorded};
use super::batch::{Batcher, relaxed};
use super::bodies::BodyCache;
use super::followup::{Followups, SubscriptionControl};
use super::keys::SigningKeys;
use super::metrics::DeliveryMetrics;

/// Attempts recorded in one transaction at most.
const RECORD_BATCH: usize = 256;

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Requests in flight at once per subscription, in this instance (an attempt's slot is let
    /// go when its endpoint answers, before the attempt is recorded).
    pub per_endpoint: usize,
    /// Attempts in flight at once in this instance.
    pub max_in_flight: usize,
    /// How long a taken delivery is reserved: longer than the client's timeout, so a live attempt
    /// is never taken twice; a dead instance's deliveries become due again after it.
    pub lease: Duration,
    /// A subscription with no 2xx for this long while attempts fail is disabled.
    pub disable_after: Duration,
    /// Pause between looks when nothing was due.
    pub idle: Duration,
}

impl DispatchConfig {
    /// 8 per endpoint, 256 in all, lease = `timeout` + 30 s, disable after 120 h, idle 20 ms.
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        Self {
            per_endpoint: 8,
            max_in_flight: 256,
            lease: timeout + Duration::from_secs(30),
            disable_after: Duration::from_secs(120 * 3600),
            idle: Duration::from_millis(20),
        }
    }
}

/// A delivery taken for one attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Claimed {
    pub delivery_id: Uuid,
    pub tenant_id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub stream_id: String,
    pub event_tx_id: i64,
    pub event_position: i64,
    pub occurred_at: OffsetDateTime,
    pub payload: Option<Vec<u8>>,
    pub attempts: i32,
    pub round_start: i32,
    pub manual: bool,
    pub url: Option<String>,
    pub subscription_status: Option<String>,
    /// The subscription's current signing key id.
    pub key_id: Option<Uuid>,
}

const DUE: &str = "select d.delivery_id, d.tenant_id, d.subscription_id, d.event_id, \
         d.event_type, d.stream_id, d.event_tx_id, d.event_position, d.occurred_at, \
         coalesce(d.payload, b.payload) as payload, \
         d.attempts, d.round_start, d.manual, s.url, s.status as subscription_status, s.key_id \
     from webhooks.deliveries d left join webhooks.subscriptions s using (subscription_id) \
         left join webhooks.bodies b on b.event_id = d.event_id \
     where d.status = 'pending' and d.next_attempt_at <= now() \
         and (d.leased_until is null or d.leased_until <= now()) \
     order by d.next_attempt_at limit $1 for update of d skip locked";

/// What a dispatcher shares with its attempt tasks.
pub(super) struct Shared {
    pub pool: PgPool,
    pub client: WebhookClient,
    pub schedule: RetrySchedule,
    pub keys: Arc<dyn SigningKeys>,
    pub followups: Followups,
    /// Writes finished attempts in batches.
    pub recorder: Batcher<Entry, Recorded>,
    /// Bodies built here, per event.
    pub bodies: BodyCache,
    /// Stores first-built bodies (event, tenant, bytes) in batches.
    pub body_store: Batcher<(Uuid, Uuid, Vec<u8>), anyhow::Result<Vec<u8>>>,
    pub config: DispatchConfig,
    pub metrics: Option<DeliveryMetrics>,
    in_flight: Mutex<HashMap<Uuid, usize>>,
}

/// Releases a subscription's slot when its attempt ends, however it ends.
struct Slot {
    shared: Arc<Shared>,
    subscription: Uuid,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .shared
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.subscription) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.subscription);
            }
        }
    }
}

/// Sends due deliveries. Cheap to clone (clones share their slots).
#[derive(Clone)]
pub struct Dispatcher {
    shared: Arc<Shared>,
}

/// What a dispatcher is made of.
pub struct DispatcherParts {
    /// The deliveries' database (and the read model's, for invoice payloads).
    pub pool: PgPool,
    /// The SSRF-safe client.
    pub client: WebhookClient,
    /// When to try again.
    pub schedule: RetrySchedule,
    /// Subscriptions' signing keys.
    pub keys: Arc<dyn SigningKeys>,
    /// Appends outcome events and disables subscriptions.
    pub control: Arc<dyn SubscriptionControl>,
    /// Pacing.
    pub config: DispatchConfig,
    /// Where to count, if anywhere.
    pub metrics: Option<DeliveryMetrics>,
}

impl Dispatcher {
    /// A dispatcher over `parts.pool`'s deliveries. Starts its writer tasks: call within a Tokio
    /// runtime.
    #[must_use]
    pub fn new(parts: DispatcherParts) -> Self {
        let followups = Followups::new(parts.pool.clone(), parts.control);
        let pool = parts.pool.clone();
        let recorder = Batcher::spawn(RECORD_BATCH, move |entries| {
            let pool = pool.clone();
            async move { attempt::record_batch(&pool, entries).await }
        });
        let pool = parts.pool.clone();
        let body_store = Batcher::spawn(RECORD_BATCH, move |bodies| {
            let pool = pool.clone();
            async move { attempt::store_bodies(&pool, bodies).await }
        });
        Self {
            shared: Arc::new(Shared {
                pool: parts.pool,
                client: parts.client,
                schedule: parts.schedule,
                keys: parts.keys,
                followups,
                recorder,
                bodies: BodyCache::default(),
                body_store,
                config: parts.config,
                metrics: parts.metrics,
                in_flight: Mutex::default(),
            }),
        }
    }

    /// Takes what is due now (within the free slots), sends it, and waits for those attempts;
    /// then appends the outcome events still due. Returns how many attempts ran.
    ///
    /// # Errors
    /// Database failures while taking deliveries.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let claimed = self.claim().await?;
        let count = claimed.len();
        let mut tasks = JoinSet::new();
        for (row, slot) in claimed {
            let shared = self.shared.clone();
            tasks.spawn(async move {
                attempt::run(&shared, row, slot).await;
            });
        }
        while tasks.join_next().await.is_some() {}
        self.shared.followups.sweep().await?;
        Ok(count)
    }

    /// Sends deliveries as they fall due until `shutdown` resolves; attempts already running are
    /// abandoned at shutdown (their leases make them due again).
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let mut tasks = JoinSet::new();
        let mut sweep_at = tokio::time::Instant::now();
        loop {
            while tasks.try_join_next().is_some() {}
            // Endpoints' slots are let go when they answer; attempts still being recorded count
            // here, so a slow database holds new claims back.
            let full = tasks.len() >= self.shared.config.max_in_flight;
            let claimed = if full {
                Vec::new()
            } else {
                match self.claim().await {
                    Ok(claimed) => claimed,
                    Err(error) => {
                        tracing::warn!(
                            error = format!("{error:#}"),
                            "taking due webhook deliveries failed; retrying"
                        );
                        Vec::new()
                    }
                }
            };
            let busy = full || !claimed.is_empty();
            for (row, slot) in claimed {
                let shared = self.shared.clone();
                tasks.spawn(async move {
                    attempt::run(&shared, row, slot).await;
                });
            }
            if tokio::time::Instant::now() >= sweep_at {
                if let Err(error) = self.shared.followups.sweep().await {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "appending webhook outcome events failed; retrying"
                    );
                }
                sweep_at = tokio::time::Instant::now() + Duration::from_secs(1);
            }
            let pause = if busy {
                Duration::ZERO
            } else {
                self.shared.config.idle
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                _ = tasks.join_next(), if busy && !tasks.is_empty() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Takes due deliveries within the free slots and leases them. The lease is a column no
    /// index covers, so it is written on the row's own page (a HOT update) when there is room.
    async fn claim(&self) -> anyhow::Result<Vec<(Claimed, Slot)>> {
        let shared = &self.shared;
        let free = {
            let map = shared
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shared
                .config
                .max_in_flight
                .saturating_sub(map.values().sum::<usize>())
        };
        if free == 0 {
            return Ok(Vec::new());
        }
        let mut tx = relaxed(&shared.pool).await?;
        let due: Vec<Claimed> = sqlx::query_as(DUE)
            .bind(i64::try_from(free).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await?;
        let taken = self.within_endpoint_limits(due);
        if taken.is_empty() {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = taken.iter().map(|(row, _)| row.delivery_id).collect();
        sqlx::query(
            "update webhooks.deliveries set leased_until = now() + make_interval(secs => $2), \
                 updated_at = now() where delivery_id = any($1)",
        )
        .bind(&ids)
        .bind(shared.config.lease.as_secs_f64())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Keeps the rows whose subscription has a free slot, taking the slots.
    fn within_endpoint_limits(&self, due: Vec<Claimed>) -> Vec<(Claimed, Slot)> {
        let shared = &self.shared;
        let mut map = shared
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut taken = Vec::with_capacity(due.len());
        for row in due {
            let n = map.entry(row.subscription_id).or_insert(0);
            if *n >= shared.config.per_endpoint {
                continue;
            }
            *n += 1;
            let slot = Slot {
                shared: shared.clone(),
                subscription: row.subscription_id,
            };
            taken.push((row, slot));
        }
        taken
    }
}

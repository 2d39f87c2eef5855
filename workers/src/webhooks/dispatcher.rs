//! The dispatcher: takes due deliveries (`for update skip locked`, so any number of instances
//! share the table), leases them for longer than an attempt can take, and runs each attempt in
//! a task of its own: at most `per_endpoint` requests at once per subscription and `per_host` per
//! destination host (a slot is let go when the endpoint answers), `per_tenant` attempts per
//! tenant and `max_in_flight` in all.
//!
//! Tenants share the slots fairly: every claim takes each tenant's oldest due deliveries in turn
//! (its first, then everyone's second, …), so a tenant with a backlog or slow endpoints never
//! holds another's deliveries behind its own.
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
use super::payload::InvoiceShape;

/// Attempts recorded in one transaction at most.
const RECORD_BATCH: usize = 256;

/// How the dispatcher paces itself.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Requests in flight at once per subscription, in this instance (an attempt's slot is let
    /// go when its endpoint answers, before the attempt is recorded).
    pub per_endpoint: usize,
    /// Requests in flight at once per destination host (and port), whoever's subscriptions
    /// point there, in this instance.
    pub per_host: usize,
    /// Attempts in flight at once per tenant, in this instance, while other tenants have
    /// deliveries due or in flight (a tenant alone may use every slot).
    pub per_tenant: usize,
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
    /// 8 per endpoint, 32 per host, 64 per tenant, 256 in all, lease = `timeout` + 30 s, disable
    /// after 120 h, idle 20 ms.
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        Self {
            per_endpoint: 8,
            per_host: 32,
            per_tenant: 64,
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

/// Due deliveries, each tenant's oldest first and the tenants in turn: the tenants with pending
/// deliveries are walked on the `deliveries_pending_by_tenant` index (one probe each), each gives
/// at most `$2` of its due ones, and `$1` are taken in rounds (every tenant's first, then their
/// second, …), oldest first within a round. (A tenant alone could be served by the plain scan by
/// due time; this costs it one more index probe per claim.)
const DUE: &str = "with recursive tenants(id) as ( \
         (select tenant_id from webhooks.deliveries where status = 'pending' \
          order by tenant_id limit 1) \
       union all \
         select (select d.tenant_id from webhooks.deliveries d \
                 where d.status = 'pending' and d.tenant_id > t.id \
                 order by d.tenant_id limit 1) \
         from tenants t where t.id is not null), \
     turns as ( \
         select x.delivery_id from tenants t cross join lateral ( \
             select d.delivery_id, d.next_attempt_at, \
                    row_number() over (order by d.next_attempt_at) as turn \
             from webhooks.deliveries d \
             where d.tenant_id = t.id and d.status = 'pending' and d.next_attempt_at <= now() \
               and (d.leased_until is null or d.leased_until <= now()) \
             order by d.next_attempt_at limit $2) x \
         where t.id is not null \
         order by x.turn, x.next_attempt_at limit $1) \
     select d.delivery_id, d.tenant_id, d.subscription_id, d.event_id, \
         d.event_type, d.stream_id, d.event_tx_id, d.event_position, d.occurred_at, \
         coalesce(d.payload, b.payload) as payload, \
         d.attempts, d.round_start, d.manual, s.url, s.status as subscription_status, s.key_id \
     from webhooks.deliveries d left join webhooks.subscriptions s using (subscription_id) \
         left join webhooks.bodies b on b.event_id = d.event_id \
     where d.delivery_id in (select delivery_id from turns) and d.status = 'pending' \
         and (d.leased_until is null or d.leased_until <= now()) \
     order by d.next_attempt_at for update of d skip locked";

/// What a dispatcher shares with its attempt tasks.
pub(super) struct Shared {
    pub pool: PgPool,
    pub client: WebhookClient,
    pub schedule: RetrySchedule,
    pub keys: Arc<dyn SigningKeys>,
    pub invoice_shape: InvoiceShape,
    pub followups: Followups,
    /// Writes finished attempts in batches.
    pub recorder: Batcher<Entry, Recorded>,
    /// Bodies built here, per event.
    pub bodies: BodyCache,
    /// Stores first-built bodies (event, tenant, bytes) in batches.
    pub body_store: Batcher<(Uuid, Uuid, Vec<u8>), anyhow::Result<Vec<u8>>>,
    pub config: DispatchConfig,
    pub metrics: Option<DeliveryMetrics>,
    in_flight: Mutex<InFlight>,
}

/// Attempts in flight in this instance, per subscription, destination host and tenant.
#[derive(Debug, Default)]
struct InFlight {
    subscriptions: HashMap<Uuid, usize>,
    hosts: HashMap<String, usize>,
    tenants: HashMap<Uuid, usize>,
}

impl InFlight {
    fn total(&self) -> usize {
        self.tenants.values().sum()
    }
}

/// What `map` counts at `key`.
fn count_of<K: std::hash::Hash + Eq>(map: &HashMap<K, usize>, key: &K) -> usize {
    map.get(key).copied().unwrap_or(0)
}

/// Counts one more in `map` at `key`.
fn count_in<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) {
    *map.entry(key).or_insert(0) += 1;
}

/// Counts one fewer in `map` at `key`, forgetting it at zero.
fn count_out<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(key);
        }
    }
}

/// Releases an attempt's slots (its subscription's, host's and tenant's) when it ends, however it
/// ends.
struct Slot {
    shared: Arc<Shared>,
    subscription: Uuid,
    host: String,
    tenant: Uuid,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .shared
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        count_out(&mut counts.subscriptions, &self.subscription);
        count_out(&mut counts.hosts, &self.host);
        count_out(&mut counts.tenants, &self.tenant);
    }
}

/// The host (and port) an endpoint URL points at, lower-cased; the whole URL when it has none.
fn host_of(url: Option<&str>) -> String {
    let url = url.unwrap_or_default();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.to_ascii_lowercase()
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
    /// How an invoice reads in the payloads of its events.
    pub invoice_shape: InvoiceShape,
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
                invoice_shape: parts.invoice_shape,
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
            let counts = shared
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shared.config.max_in_flight.saturating_sub(counts.total())
        };
        if free == 0 {
            return Ok(Vec::new());
        }
        let mut tx = relaxed(&shared.pool).await?;
        let due: Vec<Claimed> = sqlx::query_as(DUE)
            .bind(i64::try_from(free).unwrap_or(i64::MAX))
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

    /// Keeps the rows whose subscription, host and tenant have a free slot, taking the slots. A
    /// tenant alone (no other tenant's deliveries due or in flight) may use every slot.
    fn within_endpoint_limits(&self, due: Vec<Claimed>) -> Vec<(Claimed, Slot)> {
        let shared = &self.shared;
        let config = &shared.config;
        let mut counts = shared
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let alone = due.first().map(|first| first.tenant_id).filter(|only| {
            due.iter().all(|row| row.tenant_id == *only)
                && counts.tenants.keys().all(|tenant| tenant == only)
        });
        let per_tenant = if alone.is_some() {
            config.max_in_flight
        } else {
            config.per_tenant
        };
        let mut taken = Vec::with_capacity(due.len());
        for row in due {
            let host = host_of(row.url.as_deref());
            if count_of(&counts.subscriptions, &row.subscription_id) >= config.per_endpoint
                || count_of(&counts.hosts, &host) >= config.per_host
                || count_of(&counts.tenants, &row.tenant_id) >= per_tenant
            {
                continue;
            }
            count_in(&mut counts.subscriptions, row.subscription_id);
            count_in(&mut counts.hosts, host.clone());
            count_in(&mut counts.tenants, row.tenant_id);
            let slot = Slot {
                shared: shared.clone(),
                subscription: row.subscription_id,
                host,
                tenant: row.tenant_id,
            };
            taken.push((row, slot));
        }
        taken
    }
}

//! Fixtures: a local receiver that answers from a script and records what it got, subscriptions
//! (their stream and their row), events appended through the real store, the fan-out and the
//! invoices projection drained from the store's log, and a dispatcher drained until nothing is
//! due.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, ensure};
use arca::harness::scratch;
use axum::{Router, body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use commands::handler::{Command, EventIds, execute};
use domain::testing::{factura_a, requested};
use domain::webhook::{CreateSubscription, Subscription, SubscriptionCommand};
use domain::{
    Context, DomainEvent, EventMetadata, InvoiceId, NewEvent, SubscriptionId, TenantId,
    invoice::{Invoice, RequestInvoice},
};
use eventstore::{EventStore, ExpectedVersion, PgEventStore};
use projections::{InvoicesProjector, Runner};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;
use uuid::Uuid;
use webhooks::{AddressPolicy, ClientSettings, RetrySchedule, Secret, WebhookClient};
use workers::feeds::StoreLog;
use workers::webhooks::{
    DispatchConfig, Dispatcher, DispatcherParts, FanOut, MemoryKeys, StoreControl,
};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A receiver on loopback answering each request with the next scripted status (200 once the
/// script runs out), after `delay`.
#[derive(Clone, Default)]
pub struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    pub got: Arc<Mutex<Vec<Received>>>,
    delay: Duration,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start(script: &[u16], delay: Duration) -> anyhow::Result<(SocketAddr, Self)> {
        let receiver = Self {
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            got: Arc::default(),
            delay,
            in_flight: Arc::default(),
            peak: Arc::default(),
        };
        let app = Router::new()
            .route("/hook", post(answer))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok((addr, receiver))
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// The most requests it was answering at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

async fn answer(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now = receiver.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    receiver.peak.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(receiver.delay).await;
    receiver.in_flight.fetch_sub(1, Ordering::SeqCst);
    receiver
        .got
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    let status = receiver
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

/// Creates an active subscription of `tenant` to `url` (its stream and its row).
pub async fn subscribe(
    pool: &PgPool,
    tenant: TenantId,
    url: &str,
    event_types: &[&str],
) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let store: Arc<dyn EventStore> = Arc::new(PgEventStore::new(pool.clone()));
    let command = Command::<Subscription> {
        stream: Subscription::stream_id(SubscriptionId(id)),
        command: SubscriptionCommand::Create(CreateSubscription {
            subscription_id: SubscriptionId(id),
            url: url.to_owned(),
            event_types: event_types.iter().map(|t| (*t).to_owned()).collect(),
            description: None,
            key_id: Uuid::new_v4(),
        }),
        metadata: EventMetadata::for_tenant(tenant),
        expected: None,
        fresh_stream: true,
        event_ids: EventIds::Fresh,
    };
    let ctx = Context::new(OffsetDateTime::now_utc());
    execute(&store, &commands::CommandMetrics::detached(), &ctx, command).await?;
    // The subscriptions projection's row, written here directly.
    sqlx::query(
        "insert into webhooks.subscriptions (subscription_id, tenant_id, url, event_types, status, \
             version, created_at, updated_at, key_id) \
         values ($1, $2, $3, $4, 'active', 0, now(), now(), gen_random_uuid())",
    )
    .bind(id)
    .bind(tenant.as_uuid())
    .bind(url)
    .bind(
        event_types
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<Vec<_>>(),
    )
    .execute(pool)
    .await?;
    Ok(id)
}

/// Appends a requested invoice of `tenant`; returns its id.
pub async fn invoice(pool: &PgPool, tenant: TenantId) -> anyhow::Result<InvoiceId> {
    let id = InvoiceId(Uuid::new_v4());
    let events = requested(RequestInvoice {
        invoice_id: id,
        ..factura_a()
    });
    append(pool, tenant, &Invoice::stream_id(id), &events).await?;
    Ok(id)
}

/// Appends `events` to `stream`.
pub async fn append<E: DomainEvent>(
    pool: &PgPool,
    tenant: TenantId,
    stream: &domain::StreamId,
    events: &[E],
) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    let new: Vec<NewEvent> = events
        .iter()
        .map(|event| NewEvent {
            event_id: Uuid::new_v4(),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata: EventMetadata::for_tenant(tenant),
        })
        .collect();
    store.append(stream, ExpectedVersion::Any, &new).await?;
    Ok(())
}

/// Appends one event of any type (ARCA availability, made by another part).
pub async fn append_raw(
    pool: &PgPool,
    tenant: TenantId,
    stream: &str,
    event_type: &str,
    data: serde_json::Value,
) -> anyhow::Result<()> {
    let new = NewEvent {
        event_id: Uuid::new_v4(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        data,
        metadata: EventMetadata::for_tenant(tenant),
    };
    PgEventStore::new(pool.clone())
        .append(&domain::StreamId::new(stream), ExpectedVersion::Any, &[new])
        .await?;
    Ok(())
}

/// Applies the whole log to the fan-out and to the invoices read model (waiting while other
/// tests' open transactions hold the log's watermark back).
pub async fn fan_out(pool: &PgPool) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    let fan = Runner::new(pool.clone(), FanOut::default(), StoreLog(store.clone()));
    let invoices = Runner::new(pool.clone(), InvoicesProjector::new(), StoreLog(store))
        .generation(projections::SERVING_GENERATION);
    scratch::run_to_head(pool, &fan).await?;
    scratch::run_to_head(pool, &invoices).await
}

/// A dispatcher sending to loopback (`allow_loopback`) or to public addresses only, retrying on
/// `schedule`, signing with `keys`.
pub fn dispatcher(
    pool: &PgPool,
    allow_loopback: bool,
    schedule: &str,
    keys: &MemoryKeys,
) -> anyhow::Result<Dispatcher> {
    leased_dispatcher(
        pool,
        allow_loopback,
        schedule,
        keys,
        Duration::from_secs(35),
    )
}

/// [`dispatcher`] whose taken deliveries are reserved for `lease` only.
pub fn leased_dispatcher(
    pool: &PgPool,
    allow_loopback: bool,
    schedule: &str,
    keys: &MemoryKeys,
    lease: Duration,
) -> anyhow::Result<Dispatcher> {
    let mut config = DispatchConfig::new(Duration::from_secs(5));
    config.lease = lease;
    configured_dispatcher(pool, allow_loopback, schedule, keys, config)
}

/// [`dispatcher`] paced by `config` (its idle pause made short).
pub fn configured_dispatcher(
    pool: &PgPool,
    allow_loopback: bool,
    schedule: &str,
    keys: &MemoryKeys,
    mut config: DispatchConfig,
) -> anyhow::Result<Dispatcher> {
    let policy = if allow_loopback {
        AddressPolicy::with_allow_list(&["127.0.0.0/8"])?
    } else {
        AddressPolicy::public_only()
    };
    let client = WebhookClient::new(&ClientSettings {
        policy,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    })?;
    let store: Arc<dyn EventStore> = Arc::new(PgEventStore::new(pool.clone()));
    config.idle = Duration::from_millis(5);
    Ok(Dispatcher::new(DispatcherParts {
        pool: pool.clone(),
        client,
        schedule: RetrySchedule::parse(schedule)?.without_jitter(),
        keys: Arc::new(keys.clone()),
        invoice_shape: api::invoices::rows::invoice_json,
        control: Arc::new(StoreControl::new(
            store,
            commands::CommandMetrics::detached(),
        )),
        config,
        metrics: None,
    }))
}

/// Runs `dispatcher` until no delivery is pending (waiting out retry delays), at most 20 s.
pub async fn drain(pool: &PgPool, dispatcher: &Dispatcher) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        dispatcher.run_once().await?;
        let (pending, followups): (i64, i64) = sqlx::query_as(
            "select (select count(*) from webhooks.deliveries where status = 'pending'), \
                    (select count(*) from webhooks.outcomes_due)",
        )
        .fetch_one(pool)
        .await?;
        if pending == 0 && followups == 0 {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{pending} deliveries still pending"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Keys for `subscription`: a fresh secret.
pub fn keys_for(subscription: Uuid) -> (MemoryKeys, Secret) {
    let keys = MemoryKeys::default();
    let secret = Secret::generate();
    keys.set(subscription, vec![secret.clone()]);
    (keys, secret)
}

/// The event types on `stream`, in order.
pub async fn stream_types(
    pool: &PgPool,
    stream: &str,
) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "select event_type, data from es.events where stream_id = $1 order by stream_version",
    )
    .bind(stream)
    .fetch_all(pool)
    .await
    .context("reading a stream")?;
    Ok(rows)
}

/// Verifies a received request with the PyPI `standardwebhooks` package, when installed
/// (required when `ARCA_REQUIRE_PY_VERIFIER=1`).
pub fn reference_verify(secret: &Secret, got: &Received) -> anyhow::Result<bool> {
    use secrecy::ExposeSecret as _;
    let python =
        std::env::var("ARCA_WEBHOOK_VERIFIER_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let present = std::process::Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        ensure!(
            std::env::var("ARCA_REQUIRE_PY_VERIFIER").as_deref() != Ok("1"),
            "ARCA_REQUIRE_PY_VERIFIER=1 but {python} cannot import standardwebhooks"
        );
        return Ok(false);
    }
    let header = |name: &str| {
        got.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let script = "import sys\nfrom standardwebhooks.webhooks import Webhook\n\
        s, i, t, sig, body = sys.argv[1:6]\n\
        Webhook(s).verify(bytes.fromhex(body), {'webhook-id': i, 'webhook-timestamp': t, \
        'webhook-signature': sig})\nprint('verified')";
    let out = std::process::Command::new(&python)
        .args(["-c", script, secret.encode().expose_secret()])
        .args([
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
        ])
        .arg(hex::encode(&got.body))
        .output()?;
    ensure!(
        out.status.success(),
        "standardwebhooks refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(true)
}

/// One connection to the test's database: the statistics it reports are flushed on demand
/// (`pg_stat_force_next_flush`), where other sessions' may take seconds to show.
pub async fn one_session(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("the test database answers")
}

/// A table's counters as `pg_stat_user_tables` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct TableStats {
    pub n_dead_tup: i64,
    pub vacuum_count: i64,
    pub analyze_count: i64,
    pub n_tup_upd: i64,
    pub n_tup_hot_upd: i64,
}

/// `schema.table`'s counters, with what `session` did flushed first (see [`one_session`]).
pub async fn table_stats(session: &PgPool, schema: &str, table: &str) -> TableStats {
    sqlx::query("select pg_stat_force_next_flush()")
        .execute(session)
        .await
        .expect("the test database answers");
    sqlx::query_as(
        "select n_dead_tup, vacuum_count, analyze_count, n_tup_upd, n_tup_hot_upd \
         from pg_stat_user_tables where schemaname = $1 and relname = $2",
    )
    .bind(schema)
    .bind(table)
    .fetch_one(session)
    .await
    .expect("the test database answers")
}

/// One endpoint at a receiver answering 200 at once, subscribed to every type by a new tenant,
/// with that many of the tenant's invoices requested and fanned out.
pub struct OneEndpoint {
    pub receiver: Receiver,
    pub subscription: Uuid,
    pub invoices: Vec<InvoiceId>,
}

impl OneEndpoint {
    pub async fn with_invoices(pool: &PgPool, invoices: usize) -> anyhow::Result<Self> {
        let (addr, receiver) = Receiver::start(&[], Duration::ZERO).await?;
        let tenant = TenantId(Uuid::new_v4());
        let subscription = subscribe(pool, tenant, &format!("http://{addr}/hook"), &[]).await?;
        let mut made = Vec::with_capacity(invoices);
        for _ in 0..invoices {
            made.push(invoice(pool, tenant).await?);
        }
        fan_out(pool).await?;
        Ok(Self {
            receiver,
            subscription,
            invoices: made,
        })
    }
}

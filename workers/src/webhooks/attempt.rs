//! One attempt of one delivery: the body (built once), the signatures of this attempt, the POST,
//! and — in one transaction, shared with the attempts that finished meanwhile — the attempt's
//! record, the delivery's next state, the subscription's health and, for a final outcome, its
//! place in `webhooks.outcomes_due`; then what follows a final outcome.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use domain::GlobalPosition;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;
use webhooks::{BODY_KEPT, Outcome, classify, sign};

use super::batch::relaxed;
use super::dispatcher::{Claimed, Shared};
use super::fanout::webhook_id;
use super::payload::{self, About};
use domain::webhook::DisableReason;

/// What an attempt got back.
struct Answer {
    status: Option<u16>,
    error: Option<&'static str>,
    body: Vec<u8>,
    retry_after: Option<Duration>,
    duration: Duration,
}

/// The delivery's state after an attempt.
#[derive(Debug, Clone, Copy)]
struct Next {
    status: &'static str,
    delay: Option<Duration>,
    exhausted: bool,
}

/// Runs one attempt; failures to record it are logged (the lease makes it due again).
/// `slot` is the endpoint's: let go as soon as the endpoint answered, so recording the attempt
/// does not count against the endpoint's limit.
pub(super) async fn run<S>(shared: &Shared, row: Claimed, slot: S) {
    if let Err(error) = attempt(shared, &row, slot).await {
        tracing::warn!(
            delivery = %row.delivery_id,
            error = format!("{error:#}"),
            "webhook attempt not recorded; it runs again when its lease ends"
        );
    }
}

async fn attempt<S>(shared: &Shared, row: &Claimed, slot: S) -> anyhow::Result<()> {
    if row.subscription_status.as_deref() != Some("active") {
        return skip(shared, row).await;
    }
    let body = body(shared, row).await?;
    let started = OffsetDateTime::now_utc();
    let keys = shared
        .keys
        .active(row.subscription_id, row.key_id, started)
        .await?;
    let headers = sign(
        &keys,
        &webhook_id(row.delivery_id),
        &row.event_type,
        started.unix_timestamp(),
        &body,
    );
    let url = row.url.as_deref().unwrap_or_default();
    let answer = match headers {
        Some(headers) => match shared.client.post(url, &headers, Bytes::from(body)).await {
            Ok(r) => Answer {
                status: Some(r.status),
                error: None,
                body: r.body,
                retry_after: r.retry_after,
                duration: r.duration,
            },
            Err(e) => Answer {
                status: None,
                error: Some(e.class.as_str()),
                body: e.message.into_bytes().into_iter().take(BODY_KEPT).collect(),
                retry_after: None,
                duration: e.duration,
            },
        },
        None => Answer {
            status: None,
            error: Some("no_signing_key"),
            body: Vec::new(),
            retry_after: None,
            duration: Duration::ZERO,
        },
    };
    drop(slot);
    let outcome = classify(answer.status, answer.error == Some("blocked_ip"));
    let next = next_state(shared, row, outcome, &answer);
    let Some(failing_since) = record(shared, row, started, &answer, next).await? else {
        return Ok(());
    };
    if let Some(metrics) = &shared.metrics {
        metrics.attempt(answer.status, answer.error, answer.duration.as_secs_f64());
        if next.status != "pending" {
            let label = match (outcome, next.exhausted) {
                (Outcome::Success, _) => "delivered",
                (Outcome::Gone, _) => "gone",
                (_, true) => "exhausted",
                _ => "failed",
            };
            metrics.finished(label);
        }
    }
    let tenant = domain::TenantId(row.tenant_id);
    if outcome == Outcome::Gone {
        shared
            .followups
            .disable(tenant, row.subscription_id, DisableReason::Gone410, started)
            .await;
    } else if let Some(since) = failing_since
        && started - since >= shared.config.disable_after
    {
        shared
            .followups
            .disable(
                tenant,
                row.subscription_id,
                DisableReason::FailingSince,
                since,
            )
            .await;
    }
    if next.status != "pending" {
        shared.followups.settle(row.delivery_id).await;
    }
    Ok(())
}

fn next_state(shared: &Shared, row: &Claimed, outcome: Outcome, answer: &Answer) -> Next {
    let done = |status| Next {
        status,
        delay: None,
        exhausted: false,
    };
    match outcome {
        Outcome::Success => done("delivered"),
        Outcome::Final | Outcome::Gone => done("failed"),
        Outcome::Retry => {
            let made = u32::try_from(row.attempts + 1 - row.round_start).unwrap_or(u32::MAX);
            match shared.schedule.next_delay(made, answer.retry_after) {
                Some(delay) => Next {
                    status: "pending",
                    delay: Some(delay),
                    exhausted: false,
                },
                None => Next {
                    status: "failed",
                    delay: None,
                    exhausted: true,
                },
            }
        }
    }
}

/// The stored body; or, once per event in this process, the event's built now and stored in a
/// batch with the other bodies stored meanwhile (the first builder's bytes win, and are kept).
async fn body(shared: &Shared, row: &Claimed) -> anyhow::Result<Vec<u8>> {
    if let Some(body) = &row.payload {
        return Ok(body.clone());
    }
    let stored = shared
        .bodies
        .get_or_build(row.event_id, || async {
            let built = build(shared, row).await?;
            shared
                .body_store
                .submit((row.event_id, row.tenant_id, built))
                .await
                .unwrap_or_else(|| Err(anyhow::anyhow!("the body store stopped")))
        })
        .await?;
    Ok(stored.to_vec())
}

/// The envelope of the row's event, with the invoice as the read model shows it.
async fn build(shared: &Shared, row: &Claimed) -> anyhow::Result<Vec<u8>> {
    let about = About {
        event_id: row.event_id,
        event_type: &row.event_type,
        occurred_at: row.occurred_at,
        tenant_id: row.tenant_id,
    };
    let data = match payload::invoice_of(&row.stream_id) {
        Some(invoice) => {
            let position = GlobalPosition {
                tx_id: u64::try_from(row.event_tx_id).unwrap_or(0),
                position: row.event_position,
            };
            let shape = shared.invoice_shape;
            payload::invoice_data(&shared.pool, shape, row.tenant_id, invoice, position).await?
        }
        None => serde_json::json!({}),
    };
    Ok(payload::envelope(&about, &data))
}

/// Stores each event's body unless it has one already; answers the stored bytes, in order.
pub(super) async fn store_bodies(
    pool: &PgPool,
    bodies: Vec<(Uuid, Uuid, Vec<u8>)>,
) -> Vec<anyhow::Result<Vec<u8>>> {
    let ids: Vec<Uuid> = bodies.iter().map(|(event, ..)| *event).collect();
    match insert_bodies(pool, bodies).await {
        Ok(stored) => ids
            .iter()
            .map(|id| {
                stored
                    .get(id)
                    .cloned()
                    .with_context(|| format!("the body of event {id} is gone"))
            })
            .collect(),
        Err(error) => {
            let text = error.to_string();
            ids.iter()
                .map(|_| Err(anyhow::anyhow!("storing the webhook body: {text}")))
                .collect()
        }
    }
}

/// Inserts the bodies of events that have none (the first of a batch per event), then reads
/// every event's stored body: a statement of its own, so bodies another process committed
/// meanwhile are seen.
async fn insert_bodies(
    pool: &PgPool,
    bodies: Vec<(Uuid, Uuid, Vec<u8>)>,
) -> Result<HashMap<Uuid, Vec<u8>>, sqlx::Error> {
    let mut events = Vec::with_capacity(bodies.len());
    let mut tenants = Vec::with_capacity(bodies.len());
    let mut bytes = Vec::with_capacity(bodies.len());
    for (event, tenant, body) in bodies {
        events.push(event);
        tenants.push(tenant);
        bytes.push(body);
    }
    sqlx::query(
        "insert into webhooks.bodies (event_id, tenant_id, payload) \
         select * from unnest($1::uuid[], $2::uuid[], $3::bytea[]) \
         on conflict (event_id) do nothing",
    )
    .bind(&events)
    .bind(&tenants)
    .bind(&bytes)
    .execute(pool)
    .await?;
    let stored: Vec<(Uuid, Vec<u8>)> =
        sqlx::query_as("select event_id, payload from webhooks.bodies where event_id = any($1)")
            .bind(&events)
            .fetch_all(pool)
            .await?;
    Ok(stored.into_iter().collect())
}

/// A delivery whose subscription is not active is kept as `skipped`, to recover later.
async fn skip(shared: &Shared, row: &Claimed) -> anyhow::Result<()> {
    sqlx::query(
        "update webhooks.deliveries set status = 'skipped', next_attempt_at = null, \
             updated_at = now() where delivery_id = $1 and status = 'pending'",
    )
    .bind(row.delivery_id)
    .execute(&shared.pool)
    .await?;
    if let Some(metrics) = &shared.metrics {
        metrics.finished("skipped");
    }
    Ok(())
}

/// One attempt's record, queued for the recorder.
#[derive(Debug)]
pub(super) struct Entry {
    delivery_id: Uuid,
    subscription_id: Uuid,
    tenant_id: Uuid,
    attempt: i32,
    trigger: &'static str,
    started_at: OffsetDateTime,
    duration_ms: i32,
    status_code: Option<i32>,
    error_class: Option<&'static str>,
    response_body: Vec<u8>,
    /// Seconds until the next attempt, when there is one.
    delay: Option<f64>,
    status: &'static str,
    exhausted: bool,
    ok: bool,
}

/// What the recorder answers for one entry: `None` when another instance recorded this attempt
/// first (its lease had run out), else since when the subscription has been failing (`None`
/// inside: healthy).
pub(super) type Recorded = anyhow::Result<Option<Option<OffsetDateTime>>>;

/// Records the attempt, moves the delivery on and updates the subscription's health — in one
/// transaction with the other attempts that finished meanwhile.
async fn record(
    shared: &Shared,
    row: &Claimed,
    started: OffsetDateTime,
    answer: &Answer,
    next: Next,
) -> anyhow::Result<Option<Option<OffsetDateTime>>> {
    let entry = Entry {
        delivery_id: row.delivery_id,
        subscription_id: row.subscription_id,
        tenant_id: row.tenant_id,
        attempt: row.attempts + 1,
        trigger: if row.manual { "manual" } else { "scheduled" },
        started_at: started,
        duration_ms: i32::try_from(answer.duration.as_millis()).unwrap_or(i32::MAX),
        status_code: answer.status.map(i32::from),
        error_class: answer.error,
        response_body: answer.body.clone(),
        delay: next.delay.map(|d| d.as_secs_f64()),
        status: next.status,
        exhausted: next.exhausted,
        ok: answer.status.is_some_and(|s| (200..300).contains(&s)),
    };
    shared
        .recorder
        .submit(entry)
        .await
        .unwrap_or_else(|| Err(anyhow::anyhow!("the attempt recorder stopped")))
}

/// Writes a batch of attempts in one transaction; one answer per entry, in order. Subscriptions'
/// health rows are taken in id order, so concurrent dispatchers never deadlock on them.
pub(super) async fn record_batch(pool: &PgPool, entries: Vec<Entry>) -> Vec<Recorded> {
    match write_batch(pool, &entries).await {
        Ok(answers) => answers.into_iter().map(Ok).collect(),
        Err(error) => {
            let text = format!("{error:#}");
            entries
                .iter()
                .map(|_| Err(anyhow::anyhow!("recording the attempt: {text}")))
                .collect()
        }
    }
}

async fn write_batch(
    pool: &PgPool,
    entries: &[Entry],
) -> anyhow::Result<Vec<Option<Option<OffsetDateTime>>>> {
    let column = |f: &dyn Fn(&Entry) -> Uuid| entries.iter().map(f).collect::<Vec<Uuid>>();
    let mut tx = relaxed(pool).await?;
    let inserted: Vec<Uuid> = sqlx::query_scalar(
        "insert into webhooks.attempts (delivery_id, attempt, tenant_id, trigger, started_at, \
             duration_ms, status_code, error_class, response_body, next_attempt_at) \
         select d, a, t, tr, st, du, sc, ec, rb, now() + make_interval(secs => nx) \
         from unnest($1::uuid[], $2::int4[], $3::uuid[], $4::text[], $5::timestamptz[], \
             $6::int4[], $7::int4[], $8::text[], $9::bytea[], $10::float8[]) \
             as u(d, a, t, tr, st, du, sc, ec, rb, nx) \
         on conflict do nothing \
         returning delivery_id",
    )
    .bind(column(&|e| e.delivery_id))
    .bind(entries.iter().map(|e| e.attempt).collect::<Vec<_>>())
    .bind(column(&|e| e.tenant_id))
    .bind(entries.iter().map(|e| e.trigger).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.started_at).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.duration_ms).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.status_code).collect::<Vec<_>>())
    .bind(entries.iter().map(|e| e.error_class).collect::<Vec<_>>())
    .bind(
        entries
            .iter()
            .map(|e| e.response_body.clone())
            .collect::<Vec<_>>(),
    )
    .bind(entries.iter().map(|e| e.delay).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    let inserted: HashSet<Uuid> = inserted.into_iter().collect();
    let kept: Vec<&Entry> = entries
        .iter()
        .filter(|e| inserted.contains(&e.delivery_id))
        .collect();
    if kept.is_empty() {
        tx.rollback().await?;
        return Ok(entries.iter().map(|_| None).collect());
    }
    // Each final outcome is queued for its events in the same statement.
    sqlx::query(
        "with moved as ( \
             update webhooks.deliveries d set attempts = u.a, manual = false, status = u.st, \
                 next_attempt_at = now() + make_interval(secs => u.nx), last_status = u.sc, \
                 last_error = u.ec, exhausted = u.ex, updated_at = now(), \
                 finished_at = case when u.st = 'pending' then null else now() end, \
                 leased_until = null \
             from unnest($1::uuid[], $2::int4[], $3::text[], $4::float8[], $5::int4[], \
                 $6::text[], $7::bool[]) as u(id, a, st, nx, sc, ec, ex) \
             where d.delivery_id = u.id \
             returning d.delivery_id, d.status) \
         insert into webhooks.outcomes_due (delivery_id) \
         select delivery_id from moved where status <> 'pending' \
         on conflict do nothing",
    )
    .bind(kept.iter().map(|e| e.delivery_id).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.attempt).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.status).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.delay).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.status_code).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.error_class).collect::<Vec<_>>())
    .bind(kept.iter().map(|e| e.exhausted).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    // Per subscription, the batch's attempts in order: healthy after a last success; failing
    // since now after a success then a failure; else failing since whenever it started.
    let mut health: BTreeMap<Uuid, (bool, bool)> = BTreeMap::new();
    for e in &kept {
        let (last_ok, any_ok) = health.entry(e.subscription_id).or_default();
        *last_ok = e.ok;
        *any_ok |= e.ok;
    }
    let subscriptions: Vec<Uuid> = health.keys().copied().collect();
    let failing: Vec<(Uuid, Option<OffsetDateTime>)> = sqlx::query_as(
        "insert into webhooks.endpoint_health as h (subscription_id, failing_since, \
             last_success_at) \
         select s, case when lo then null else now() end, case when ao then now() end \
         from unnest($1::uuid[], $2::bool[], $3::bool[]) as u(s, lo, ao) order by s \
         on conflict (subscription_id) do update set \
             failing_since = case \
                 when excluded.failing_since is null then null \
                 when excluded.last_success_at is not null then now() \
                 else coalesce(h.failing_since, now()) end, \
             last_success_at = coalesce(excluded.last_success_at, h.last_success_at) \
         returning subscription_id, failing_since",
    )
    .bind(&subscriptions)
    .bind(health.values().map(|(last, _)| *last).collect::<Vec<_>>())
    .bind(health.values().map(|(_, any)| *any).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let failing: HashMap<Uuid, Option<OffsetDateTime>> = failing.into_iter().collect();
    Ok(entries
        .iter()
        .map(|e| {
            inserted
                .contains(&e.delivery_id)
                .then(|| failing.get(&e.subscription_id).copied().flatten())
        })
        .collect())
}

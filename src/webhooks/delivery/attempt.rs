//! One attempt of one delivery: the body (built once), the signatures of this attempt, the POST,
//! and — in one transaction — the attempt's record, the delivery's next state and the
//! subscription's health; then what follows a final outcome.

use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use domain::GlobalPosition;
use time::OffsetDateTime;
use webhooks::{Outcome, classify, sign};

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
pub(super) async fn run(shared: &Shared, row: Claimed) {
    if let Err(error) = attempt(shared, &row).await {
        tracing::warn!(
            delivery = %row.delivery_id,
            error = format!("{error:#}"),
            "webhook attempt not recorded; it runs again when its lease ends"
        );
    }
}

async fn attempt(shared: &Shared, row: &Claimed) -> anyhow::Result<()> {
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
                body: e.message.into_bytes().into_iter().take(1024).collect(),
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

/// The stored body, or the invoice's built now and stored (the first builder's bytes win).
async fn body(shared: &Shared, row: &Claimed) -> anyhow::Result<Vec<u8>> {
    if let Some(body) = &row.payload {
        return Ok(body.clone());
    }
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
            payload::invoice_data(&shared.pool, row.tenant_id, invoice, position).await?
        }
        None => serde_json::json!({}),
    };
    let built = payload::envelope(&about, &data);
    let stored: (Vec<u8>,) = sqlx::query_as(
        "update webhooks.deliveries set payload = coalesce(payload, $2) where delivery_id = $1 \
         returning payload",
    )
    .bind(row.delivery_id)
    .bind(&built)
    .fetch_one(&shared.pool)
    .await
    .context("storing the webhook body")?;
    Ok(stored.0)
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

/// Records the attempt, moves the delivery on and updates the subscription's health, in one
/// transaction. Returns `None` when another instance recorded this attempt first (its lease had
/// run out), else since when the subscription has been failing (`None` inside: healthy).
async fn record(
    shared: &Shared,
    row: &Claimed,
    started: OffsetDateTime,
    answer: &Answer,
    next: Next,
) -> anyhow::Result<Option<Option<OffsetDateTime>>> {
    let mut tx = shared.pool.begin().await?;
    let attempt = row.attempts + 1;
    let delay = next.delay.map(|d| d.as_secs_f64());
    let inserted = sqlx::query(
        "insert into webhooks.attempts (delivery_id, attempt, tenant_id, trigger, started_at, \
             duration_ms, status_code, error_class, response_body, next_attempt_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             now() + make_interval(secs => $10::float8)) \
         on conflict do nothing",
    )
    .bind(row.delivery_id)
    .bind(attempt)
    .bind(row.tenant_id)
    .bind(if row.manual { "manual" } else { "scheduled" })
    .bind(started)
    .bind(i32::try_from(answer.duration.as_millis()).unwrap_or(i32::MAX))
    .bind(answer.status.map(i32::from))
    .bind(answer.error)
    .bind(&answer.body)
    .bind(delay)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    sqlx::query(
        "update webhooks.deliveries set attempts = $2, manual = false, status = $3, \
             next_attempt_at = now() + make_interval(secs => $4::float8), last_status = $5, \
             last_error = $6, exhausted = $7, updated_at = now(), \
             finished_at = case when $3 = 'pending' then null else now() end, \
             followup_due = $3 <> 'pending' \
         where delivery_id = $1",
    )
    .bind(row.delivery_id)
    .bind(attempt)
    .bind(next.status)
    .bind(delay)
    .bind(answer.status.map(i32::from))
    .bind(answer.error)
    .bind(next.exhausted)
    .execute(&mut *tx)
    .await?;
    let ok = answer.status.is_some_and(|s| (200..300).contains(&s));
    let failing_since: (Option<OffsetDateTime>,) = sqlx::query_as(
        "insert into webhooks.endpoint_health as h (subscription_id, failing_since, \
             last_success_at) \
         values ($1, case when $2 then null else now() end, case when $2 then now() end) \
         on conflict (subscription_id) do update set \
             failing_since = case when $2 then null else coalesce(h.failing_since, now()) end, \
             last_success_at = case when $2 then now() else h.last_success_at end \
         returning failing_since",
    )
    .bind(row.subscription_id)
    .bind(ok)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(failing_since.0))
}

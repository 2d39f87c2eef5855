//! The fan-out: a checkpointed feed (no read model of its own) that turns each event a
//! subscription wants into one `webhooks.deliveries` row per (event, subscription), in the same
//! transaction as its checkpoint. The delivery id is derived from the event id and the
//! subscription id, so even an event applied twice creates one delivery.

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use domain::RecordedEvent;
use projections::{ProjectionError, Projector};
use sqlx::PgConnection;
use uuid::Uuid;

use super::payload::{About, envelope};

/// The checkpoint's name.
pub const FANOUT: &str = "webhook_fanout";

/// Store event type → public webhook type. Events of other types produce no delivery; webhook
/// events (`webhook.*`, `invoice.webhook_*`) never do.
const PUBLIC_TYPES: &[(&str, &str)] = &[
    ("invoice.requested", "invoice.requested"),
    ("invoice.cae_granted", "invoice.authorized"),
    ("invoice.rejected", "invoice.rejected"),
    (
        "invoice.submission_outcome_unknown",
        "invoice.outcome_unknown",
    ),
    ("invoice.document_issued", "invoice.document_issued"),
    ("invoice.emailed", "invoice.emailed"),
    ("invoice.email_failed", "invoice.email_failed"),
    ("arca.unavailable", "arca.unavailable"),
    ("arca.available", "arca.available"),
];

/// S's "send a test event": delivered as [`TEST_TYPE`] to its own subscription only.
pub const TEST_REQUESTED: &str = "webhook.test_requested";
/// The public type of a test delivery.
pub const TEST_TYPE: &str = "webhook.test";

/// The public types the mapping produces (each must be one of `domain::webhook::EVENT_TYPES`).
pub fn mapped_public_types() -> impl Iterator<Item = &'static str> {
    PUBLIC_TYPES
        .iter()
        .map(|(_, public)| *public)
        .chain([TEST_TYPE])
}

/// Whether a public type concerns every tenant (ARCA's availability).
fn is_broadcast(public: &str) -> bool {
    public.starts_with("arca.")
}

/// What an event becomes: its public type, and the one subscription it is for (test events).
fn public_type(event: &RecordedEvent) -> Option<(&'static str, Option<Uuid>)> {
    let kind = event.event_type.as_str();
    if kind == TEST_REQUESTED {
        let subscription = event.data.get("subscription_id")?.as_str()?.parse().ok()?;
        return Some((TEST_TYPE, Some(subscription)));
    }
    if kind.starts_with("webhook.") || kind.starts_with("invoice.webhook_") {
        return None;
    }
    PUBLIC_TYPES
        .iter()
        .find(|(stored, _)| *stored == kind)
        .map(|(_, public)| (*public, None))
}

/// The delivery id: a v5 UUID of (event id, subscription id), stable across retries,
/// re-deliveries of the event and redeliveries by hand.
#[must_use]
pub fn delivery_id(event_id: Uuid, subscription_id: Uuid) -> Uuid {
    const NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_0f4e_9a2b_4c7d_8e3f_a1b2_c3d4_e5f6);
    let mut name = [0_u8; 32];
    name[..16].copy_from_slice(event_id.as_bytes());
    name[16..].copy_from_slice(subscription_id.as_bytes());
    Uuid::new_v5(&NAMESPACE, &name)
}

/// The `webhook-id` of a delivery: `msg_` + its 32 hex digits (no `.`, as the spec requires).
#[must_use]
pub fn webhook_id(delivery_id: Uuid) -> String {
    format!("msg_{}", delivery_id.simple())
}

/// The delivery id of a `webhook-id` (or of the bare UUID).
#[must_use]
pub fn parse_webhook_id(text: &str) -> Option<Uuid> {
    text.strip_prefix("msg_").unwrap_or(text).parse().ok()
}

/// A subscription as the fan-out sees it.
#[derive(sqlx::FromRow)]
struct Subscription {
    subscription_id: Uuid,
    tenant_id: Uuid,
    event_types: Vec<String>,
    status: String,
}

impl Subscription {
    fn wants(&self, public: &str, only: Option<Uuid>) -> bool {
        match only {
            Some(target) => target == self.subscription_id,
            None => self.event_types.is_empty() || self.event_types.iter().any(|t| t == public),
        }
    }
}

/// The rows of one batch, as column arrays.
#[derive(Default)]
struct Rows {
    delivery_id: Vec<Uuid>,
    tenant_id: Vec<Uuid>,
    subscription_id: Vec<Uuid>,
    event_id: Vec<Uuid>,
    event_type: Vec<String>,
    stream_id: Vec<String>,
    tx_id: Vec<i64>,
    position: Vec<i64>,
    occurred_at: Vec<time::OffsetDateTime>,
    status: Vec<&'static str>,
    payload: Vec<Option<Vec<u8>>>,
}

/// The fan-out projector.
#[derive(Debug, Clone, Default)]
pub struct FanOut {
    first_delay: Duration,
}

impl FanOut {
    /// Deliveries due `first_delay` after they are made (the schedule's first entry).
    #[must_use]
    pub fn new(first_delay: Duration) -> Self {
        Self { first_delay }
    }
}

#[async_trait]
impl Projector for FanOut {
    fn name(&self) -> &'static str {
        FANOUT
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let wanted: Vec<(&RecordedEvent, &'static str, Option<Uuid>)> = batch
            .iter()
            .filter_map(|e| public_type(e).map(|(public, only)| (e, public, only)))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let tenants: BTreeSet<Uuid> = wanted
            .iter()
            .map(|(e, _, _)| e.metadata.tenant_id.as_uuid())
            .collect();
        let tenants: Vec<Uuid> = tenants.into_iter().collect();
        // ARCA's availability concerns every tenant: its events go to all subscribers.
        let broadcast = wanted.iter().any(|(_, public, _)| is_broadcast(public));
        let subscriptions: Vec<Subscription> = sqlx::query_as(
            "select subscription_id, tenant_id, event_types, status from webhooks.subscriptions \
             where (tenant_id = any($1) or $2) and status <> 'deleted'",
        )
        .bind(&tenants)
        .bind(broadcast)
        .fetch_all(&mut *conn)
        .await?;
        let mut rows = Rows::default();
        for (event, public, only) in wanted {
            let tenant = event.metadata.tenant_id.as_uuid();
            for sub in subscriptions.iter().filter(|s| {
                (s.tenant_id == tenant || is_broadcast(public)) && s.wants(public, only)
            }) {
                rows.push(event, public, sub);
            }
        }
        rows.insert(conn, self.first_delay).await
    }
}

impl Rows {
    fn push(&mut self, event: &RecordedEvent, public: &'static str, sub: &Subscription) {
        self.delivery_id
            .push(delivery_id(event.event_id, sub.subscription_id));
        self.tenant_id.push(sub.tenant_id);
        self.subscription_id.push(sub.subscription_id);
        self.event_id.push(event.event_id);
        self.event_type.push(public.to_owned());
        self.stream_id.push(event.stream_id.as_str().to_owned());
        self.tx_id
            .push(i64::try_from(event.position.tx_id).unwrap_or(i64::MAX));
        self.position.push(event.position.position);
        self.occurred_at.push(event.recorded_at);
        // An invoice's body shows the read model, built at the first attempt; others carry the
        // event's own data, built now.
        self.payload
            .push((event.stream_id.category() != "invoice").then(|| {
                let about = About {
                    event_id: event.event_id,
                    event_type: public,
                    occurred_at: event.recorded_at,
                    tenant_id: sub.tenant_id,
                };
                envelope(&about, &event.data)
            }));
        // Paused and disabled subscriptions keep a `skipped` record, to recover later.
        self.status.push(if sub.status == "active" {
            "pending"
        } else {
            "skipped"
        });
    }

    async fn insert(
        self,
        conn: &mut PgConnection,
        first_delay: Duration,
    ) -> Result<(), ProjectionError> {
        if self.delivery_id.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into webhooks.deliveries (delivery_id, tenant_id, subscription_id, event_id, \
                 event_type, stream_id, event_tx_id, event_position, occurred_at, status, \
                 payload, next_attempt_at) \
             select d, t, s, e, ty, st, tx, p, o, status, body, \
                 case when status = 'pending' \
                      then now() + make_interval(secs => $12::float8) end \
             from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], \
                         $7::int8[], $8::int8[], $9::timestamptz[], $10::text[], $11::bytea[]) \
                 as r(d, t, s, e, ty, st, tx, p, o, status, body) \
             on conflict (delivery_id) do nothing",
        )
        .bind(&self.delivery_id)
        .bind(&self.tenant_id)
        .bind(&self.subscription_id)
        .bind(&self.event_id)
        .bind(&self.event_type)
        .bind(&self.stream_id)
        .bind(&self.tx_id)
        .bind(&self.position)
        .bind(&self.occurred_at)
        .bind(&self.status)
        .bind(&self.payload)
        .bind(first_delay.as_secs_f64())
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_id_is_stable_per_event_and_subscription_and_has_no_dot() {
        let (event, a, b) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(delivery_id(event, a), delivery_id(event, a));
        assert_ne!(delivery_id(event, a), delivery_id(event, b));
        assert_ne!(delivery_id(event, a), delivery_id(a, event));
        let id = webhook_id(delivery_id(event, a));
        assert!(id.starts_with("msg_") && !id.contains('.'), "{id}");
        assert_eq!(parse_webhook_id(&id), Some(delivery_id(event, a)));
    }
}

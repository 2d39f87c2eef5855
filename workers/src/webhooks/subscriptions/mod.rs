//! The `webhook_subscriptions` projection: one row per subscription in `webhooks.subscriptions`
//! (what the delivery engine and the REST reads see), and the switch of signing keys in
//! `webhooks.signing_keys` when an event names a new one. It lives with the delivery engine
//! (it moved here from `projections`) because it writes the engine's key table: the `webhooks`
//! schema has one owner, and the read side only reads it (`projections::query`).
//!
//! A key row is written (sealed) by the command side *before* the event that names it, so a key
//! no event names is never used: the row's `key_id` column says which key is current, and a
//! rotation sets the previous key's `valid_until` from the event. Deleting a subscription
//! destroys its keys; at most [`MAX_OLD_KEYS`] rotated-away keys are kept per subscription.
//!
//! A batch costs at most five statements whatever its size: one read of the rows it touches,
//! one `unnest` upsert of their folded state, and one statement each for the keys rotated away,
//! the keys of deleted subscriptions and the pruning of old keys. Events at or below a row's
//! `version` are skipped, so a re-delivered event is a no-op even without the checkpoint.

mod fold;

use async_trait::async_trait;
use domain::{RecordedEvent, webhook::Subscription};
use sqlx::PgConnection;
use uuid::Uuid;

use fold::{Effects, Row};
use projections::{ProjectionError, Projector};

/// Rotated-away keys kept per subscription (the oldest beyond are deleted).
pub const MAX_OLD_KEYS: i64 = 10;

/// The subscriptions projector (`webhooks.subscriptions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SubscriptionsProjector;

impl SubscriptionsProjector {
    /// The projector.
    pub fn new() -> Self {
        Self
    }
}

/// The category of subscription streams.
fn category() -> String {
    Subscription::stream_id(domain::SubscriptionId(Uuid::nil()))
        .category()
        .to_owned()
}

const SELECT: &str = "select subscription_id, tenant_id, url, event_types, description, status, \
     version, created_at, updated_at, disabled_at, key_id \
     from webhooks.subscriptions where subscription_id = any($1)";

const UPSERT: &str = "insert into webhooks.subscriptions as s (subscription_id, tenant_id, url, \
     event_types, description, status, version, created_at, updated_at, disabled_at, key_id) \
     select r.id, r.tenant, r.url, coalesce(array(select jsonb_array_elements_text(r.types)), '{}'), \
            r.description, r.status, r.version, r.created_at, r.updated_at, r.disabled_at, r.key_id \
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::text[], \
                 $7::int8[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::uuid[]) \
          as r(id, tenant, url, types, description, status, version, created_at, updated_at, \
               disabled_at, key_id) \
     on conflict (subscription_id) do update set url = excluded.url, \
         event_types = excluded.event_types, description = excluded.description, \
         status = excluded.status, version = excluded.version, updated_at = excluded.updated_at, \
         disabled_at = excluded.disabled_at, key_id = excluded.key_id \
     where s.version < excluded.version";

const ROTATE_KEYS: &str = "update webhooks.signing_keys k set valid_until = r.valid_until \
     from unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) as r(subscription_id, key_id, valid_until) \
     where k.subscription_id = r.subscription_id and k.key_id = r.key_id";

const DESTROY_KEYS: &str = "delete from webhooks.signing_keys where subscription_id = any($1)";

const PRUNE_KEYS: &str = "delete from webhooks.signing_keys k using ( \
       select key_id, row_number() over (partition by subscription_id \
                                          order by valid_until desc, key_id desc) as n \
       from webhooks.signing_keys \
       where subscription_id = any($1) and valid_until is not null) old \
     where k.key_id = old.key_id and old.n > $2";

#[async_trait]
impl Projector for SubscriptionsProjector {
    fn name(&self) -> &'static str {
        "webhook_subscriptions"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let category = category();
        let events: Vec<&RecordedEvent> = batch
            .iter()
            .filter(|e| e.stream_id.category() == category)
            .collect();
        if events.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = events
            .iter()
            .filter_map(|e| fold::subscription_of(e))
            .collect();
        let known: Vec<Row> = sqlx::query_as(SELECT)
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
        let (rows, effects) = fold::fold(known, &events)?;
        write(conn, &rows, &effects).await
    }
}

async fn write(
    conn: &mut PgConnection,
    rows: &[Row],
    effects: &Effects,
) -> Result<(), ProjectionError> {
    let c = fold::Columns::of(rows);
    sqlx::query(UPSERT)
        .bind(&c.ids)
        .bind(&c.tenants)
        .bind(&c.urls)
        .bind(&c.types)
        .bind(&c.descriptions)
        .bind(&c.statuses)
        .bind(&c.versions)
        .bind(&c.created)
        .bind(&c.updated)
        .bind(&c.disabled)
        .bind(&c.keys)
        .execute(&mut *conn)
        .await?;
    if !effects.rotated.is_empty() {
        let (subs, keys, until): (Vec<Uuid>, Vec<Uuid>, Vec<_>) =
            effects
                .rotated
                .iter()
                .fold((vec![], vec![], vec![]), |(mut s, mut k, mut u), r| {
                    s.push(r.0);
                    k.push(r.1);
                    u.push(r.2);
                    (s, k, u)
                });
        sqlx::query(ROTATE_KEYS)
            .bind(&subs)
            .bind(&keys)
            .bind(&until)
            .execute(&mut *conn)
            .await?;
        sqlx::query(PRUNE_KEYS)
            .bind(&subs)
            .bind(MAX_OLD_KEYS)
            .execute(&mut *conn)
            .await?;
    }
    if !effects.deleted.is_empty() {
        sqlx::query(DESTROY_KEYS)
            .bind(&effects.deleted)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

//! Folding a batch of subscription events onto the rows they touch, in stream order.

use std::collections::HashMap;

use domain::webhook::{SubscriptionEvent, SubscriptionStatus};
use domain::{DomainEvent, RecordedEvent};
use time::OffsetDateTime;
use uuid::Uuid;

use projections::ProjectionError;

/// A row of `webhooks.subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(super) struct Row {
    pub subscription_id: Uuid,
    pub tenant_id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub status: String,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
    pub key_id: Uuid,
}

/// What a batch does to the signing keys besides the rows.
#[derive(Debug, Default)]
pub(super) struct Effects {
    /// `(subscription, previous key, valid until)` of every rotation.
    pub rotated: Vec<(Uuid, Uuid, OffsetDateTime)>,
    /// Subscriptions deleted: their keys are destroyed.
    pub deleted: Vec<Uuid>,
}

/// The subscription a stream belongs to (`webhook-subscription-{uuid}`).
pub(super) fn subscription_of(event: &RecordedEvent) -> Option<Uuid> {
    let name = event.stream_id.as_str();
    let (_, id) = name.split_at(name.len().checked_sub(36)?);
    Uuid::try_parse(id).ok()
}

/// The rows after `events` (in log order), starting from `known`; only rows that changed are
/// returned.
pub(super) fn fold(
    known: Vec<Row>,
    events: &[&RecordedEvent],
) -> Result<(Vec<Row>, Effects), ProjectionError> {
    let mut rows: HashMap<Uuid, Row> = known.into_iter().map(|r| (r.subscription_id, r)).collect();
    let mut touched: Vec<Uuid> = Vec::new();
    let mut effects = Effects::default();
    for event in events {
        let Some(id) = subscription_of(event) else {
            continue;
        };
        let version = i64::try_from(event.stream_version).unwrap_or(i64::MAX);
        if rows.get(&id).is_some_and(|r| r.version >= version) {
            continue;
        }
        let decoded =
            SubscriptionEvent::from_stored(&event.event_type, event.schema_version, &event.data)
                .map_err(|e| ProjectionError::Decode {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    message: e.to_string(),
                })?;
        let at = event.recorded_at;
        if let SubscriptionEvent::Created(e) = &decoded {
            rows.insert(id, created(event, e, at));
        } else if let Some(row) = rows.get_mut(&id) {
            apply(row, &decoded, at, &mut effects);
        } else {
            continue;
        }
        if let Some(row) = rows.get_mut(&id) {
            row.version = version;
        }
        if !touched.contains(&id) {
            touched.push(id);
        }
    }
    let changed = touched.iter().filter_map(|id| rows.remove(id)).collect();
    Ok((changed, effects))
}

fn created(
    event: &RecordedEvent,
    e: &domain::webhook::SubscriptionCreated,
    at: OffsetDateTime,
) -> Row {
    Row {
        subscription_id: e.subscription_id.as_uuid(),
        tenant_id: event.metadata.tenant_id.as_uuid(),
        url: e.url.clone(),
        event_types: e.event_types.clone(),
        description: e.description.clone(),
        status: SubscriptionStatus::Active.as_str().to_owned(),
        version: 0,
        created_at: at,
        updated_at: at,
        disabled_at: None,
        key_id: e.key_id,
    }
}

fn apply(row: &mut Row, event: &SubscriptionEvent, at: OffsetDateTime, effects: &mut Effects) {
    let status = |s: SubscriptionStatus| s.as_str().to_owned();
    match event {
        SubscriptionEvent::Created(_)
        | SubscriptionEvent::TestRequested(_)
        | SubscriptionEvent::DeliveryExhausted(_) => return,
        SubscriptionEvent::Updated(e) => {
            if let Some(url) = &e.url {
                row.url.clone_from(url);
            }
            if let Some(types) = &e.event_types {
                row.event_types.clone_from(types);
            }
            if let Some(description) = &e.description {
                row.description = Some(description.clone()).filter(|d| !d.is_empty());
            }
        }
        SubscriptionEvent::Paused(_) => row.status = status(SubscriptionStatus::Paused),
        SubscriptionEvent::Resumed(_) | SubscriptionEvent::Enabled(_) => {
            row.status = status(SubscriptionStatus::Active);
            row.disabled_at = None;
        }
        SubscriptionEvent::Disabled(_) => {
            row.status = status(SubscriptionStatus::Disabled);
            row.disabled_at = Some(at);
        }
        SubscriptionEvent::Deleted(_) => {
            row.status = status(SubscriptionStatus::Deleted);
            effects.deleted.push(row.subscription_id);
        }
        SubscriptionEvent::SecretRotated(e) => {
            row.key_id = e.key_id;
            effects.rotated.push((
                row.subscription_id,
                e.previous_key_id,
                e.previous_valid_until,
            ));
        }
    }
    row.updated_at = at;
}

/// The rows as one array per column, for `unnest`.
#[derive(Debug, Default)]
pub(super) struct Columns {
    pub ids: Vec<Uuid>,
    pub tenants: Vec<Uuid>,
    pub urls: Vec<String>,
    pub types: Vec<serde_json::Value>,
    pub descriptions: Vec<Option<String>>,
    pub statuses: Vec<String>,
    pub versions: Vec<i64>,
    pub created: Vec<OffsetDateTime>,
    pub updated: Vec<OffsetDateTime>,
    pub disabled: Vec<Option<OffsetDateTime>>,
    pub keys: Vec<Uuid>,
}

impl Columns {
    pub fn of(rows: &[Row]) -> Self {
        let mut c = Self::default();
        for r in rows {
            c.ids.push(r.subscription_id);
            c.tenants.push(r.tenant_id);
            c.urls.push(r.url.clone());
            c.types.push(serde_json::Value::from(r.event_types.clone()));
            c.descriptions.push(r.description.clone());
            c.statuses.push(r.status.clone());
            c.versions.push(r.version);
            c.created.push(r.created_at);
            c.updated.push(r.updated_at);
            c.disabled.push(r.disabled_at);
            c.keys.push(r.key_id);
        }
        c
    }
}

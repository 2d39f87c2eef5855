//! `webhookDeliveries(subscription, status, eventType, first, after)`: pages of the tenant's
//! webhook deliveries, newest first, each with its attempts (loaded for the whole page in one
//! query, and only when the query asks for them).

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use time::OffsetDateTime;
use uuid::Uuid;

use super::list::{PageInfo, page_args};
use super::{errors, scope};
use crate::query::{self, AttemptRow, DeliveryFilter, DeliveryRow};

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// It ended without a 2xx.
    Failed,
    /// Kept aside while its subscription was not active.
    Skipped,
}

impl WebhookDeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "skipped" => Self::Skipped,
            _ => Self::Pending,
        }
    }
}

/// One attempt of a delivery.
pub struct WebhookAttempt(AttemptRow);

#[Object]
impl WebhookAttempt {
    /// 1, 2, … within the delivery.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }

    /// `scheduled` (the retry schedule) or `manual` (a redelivery by hand).
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }

    /// When it started.
    async fn started_at(&self) -> OffsetDateTime {
        self.0.started_at
    }

    /// How long it took, in milliseconds.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }

    /// The HTTP status, when an answer came back.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    /// Why no answer came back (`timeout`, `connect`, `blocked_ip` …).
    async fn error_class(&self) -> Option<&str> {
        self.0.error_class.as_deref()
    }

    /// The first KiB of the response body, as text (invalid UTF-8 replaced).
    async fn response_body(&self) -> Option<String> {
        self.0
            .response_body
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// When the next attempt was due after this one, if one was.
    async fn next_attempt_at(&self) -> Option<OffsetDateTime> {
        self.0.next_attempt_at
    }
}

/// A webhook delivery: one event sent (or to be sent) to one subscription.
pub struct WebhookDelivery {
    row: DeliveryRow,
    attempts: Vec<AttemptRow>,
}

#[Object]
impl WebhookDelivery {
    /// The delivery's id; receivers see `msg_<its hex>` as `webhook-id`.
    async fn id(&self) -> Uuid {
        self.row.delivery_id
    }

    /// The subscription it goes to.
    async fn subscription_id(&self) -> Uuid {
        self.row.subscription_id
    }

    /// The event it carries.
    async fn event_id(&self) -> Uuid {
        self.row.event_id
    }

    /// The event's type (`invoice.authorized` …).
    async fn event_type(&self) -> &str {
        &self.row.event_type
    }

    /// Where it is.
    async fn status(&self) -> WebhookDeliveryStatus {
        WebhookDeliveryStatus::parse(&self.row.status)
    }

    /// Attempts made so far.
    async fn attempt_count(&self) -> i32 {
        self.row.attempts
    }

    /// Every attempt of the retry schedule failed.
    async fn exhausted(&self) -> bool {
        self.row.exhausted
    }

    /// When the next attempt is due, while pending.
    async fn next_attempt_at(&self) -> Option<OffsetDateTime> {
        self.row
            .next_attempt_at
            .filter(|_| self.row.status == "pending")
    }

    /// HTTP status of the last attempt, when an answer came back.
    async fn last_status(&self) -> Option<i32> {
        self.row.last_status
    }

    /// When the delivery was made.
    async fn created_at(&self) -> OffsetDateTime {
        self.row.created_at
    }

    /// When it finished, once it has.
    async fn finished_at(&self) -> Option<OffsetDateTime> {
        self.row.finished_at
    }

    /// Every attempt made, oldest first.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.attempts.iter().cloned().map(WebhookAttempt).collect()
    }
}

/// One page of deliveries, newest first.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPage {
    /// The deliveries of this page.
    pub nodes: Vec<WebhookDelivery>,
    /// How to get the next page.
    pub page_info: PageInfo,
}

/// `webhookDeliveries(subscription, status, eventType, first, after)`.
pub(super) async fn deliveries(
    ctx: &Context<'_>,
    subscription: Option<ID>,
    status: Option<WebhookDeliveryStatus>,
    event_type: Option<String>,
    first: i32,
    after: Option<String>,
) -> Result<WebhookDeliveryPage> {
    let (tenant, read) = scope(ctx)?;
    let (first, after) = page_args(first, after)?;
    let subscription = subscription
        .map(|id| Uuid::try_parse(id.as_str()))
        .transpose()
        .map_err(|_| errors::invalid_argument("subscription", "not a subscription id"))?;
    let filter = DeliveryFilter {
        subscription,
        status: status.map(|s| s.as_str().to_owned()),
        event_type,
    };
    let page = query::deliveries(&read.pool, tenant, &filter, first, after.as_ref())
        .await
        .map_err(|e| errors::failed(&e))?;
    let mut attempts = if ctx.look_ahead().field("nodes").field("attempts").exists() {
        let ids: Vec<Uuid> = page.items.iter().map(|r| r.delivery_id).collect();
        query::attempts(&read.pool, tenant, &ids)
            .await
            .map_err(|e| errors::failed(&e))?
    } else {
        Default::default()
    };
    Ok(WebhookDeliveryPage {
        page_info: PageInfo {
            has_next_page: page.next.is_some(),
            end_cursor: page.next.map(|c| c.encode()),
        },
        nodes: page
            .items
            .into_iter()
            .map(|row| WebhookDelivery {
                attempts: attempts.remove(&row.delivery_id).unwrap_or_default(),
                row,
            })
            .collect(),
    })
}

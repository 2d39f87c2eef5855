//! The webhook subscription aggregate: an endpoint of a tenant that receives signed POSTs for the
//! event types it lists.
//!
//! Stream `webhook-subscription-{uuid}`. The signing secret never enters an event: events carry
//! the `key_id` of a secret sealed at rest elsewhere; a rotation names the new key and how long
//! the previous one keeps signing.

mod commands;
mod error;
mod events;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{
    CreateSubscription, DeleteSubscription, DisableSubscription, EnableSubscription,
    PauseSubscription, RequestTest, ResumeSubscription, RotateSecret, SubscriptionCommand,
    UpdateSubscription,
};
pub use error::SubscriptionError;
pub use events::{
    DeliveryExhausted, DisableReason, SecretRotated, SubscriptionCreated, SubscriptionDeleted,
    SubscriptionDisabled, SubscriptionEnabled, SubscriptionEvent, SubscriptionPaused,
    SubscriptionResumed, SubscriptionUpdated, TestRequested,
};
pub use state::{Subscription, SubscriptionStatus};

/// The public webhook event types a subscription can list (an empty list means all of them).
/// The one list: the REST validation and the delivery engine's mapping both read it.
pub const EVENT_TYPES: &[&str] = &[
    "invoice.requested",
    "invoice.authorized",
    "invoice.rejected",
    "invoice.outcome_unknown",
    "invoice.document_issued",
    "invoice.emailed",
    "invoice.email_failed",
    "arca.unavailable",
    "arca.available",
    "webhook.test",
];

/// The longest grace a rotated-away secret may keep signing: 7 days.
pub const MAX_GRACE_SECONDS: u32 = 604_800;
/// The grace of a rotation when none is given: 24 hours.
pub const DEFAULT_GRACE_SECONDS: u32 = 86_400;
/// The longest endpoint URL.
pub const MAX_URL_LEN: usize = 2_048;
/// The longest description.
pub const MAX_DESCRIPTION_LEN: usize = 500;

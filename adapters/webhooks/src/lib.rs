//! Outbound webhook delivery: signing payloads per the Standard Webhooks spec, an HTTP client that
//! refuses private and other non-public addresses after DNS resolution, and the retry schedule.
//!
//! Depends on no workspace crate (not even `domain`: it signs bytes and posts them); never on the
//! command or read side, never on another adapter.

mod client;
mod policy;
mod retry;
mod secret;
mod signing;

pub use client::{BODY_KEPT, ClientError, ClientSettings, ErrorClass, Response, WebhookClient};
pub use policy::{AddressPolicy, PolicyError};
pub use retry::{DEFAULT_SCHEDULE, Outcome, RetrySchedule, ScheduleError, classify};
pub use secret::{Secret, SecretError};
pub use signing::{
    ARCA_DELIVERY_ID, ARCA_EVENT, ARCA_SIGNATURE, SignedHeaders, WEBHOOK_ID, WEBHOOK_SIGNATURE,
    WEBHOOK_TIMESTAMP, arca_signature, sign, signature, verify,
};

//! What happened to ARCA's availability.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aggregate::domain_events;
use crate::series::Environment;

/// `arca.unavailable` v1: ARCA stopped answering; calls to it are held back until it answers
/// a probe again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArcaUnavailable {
    /// Which ARCA.
    pub environment: Environment,
    /// When the first failure of the run that opened the circuit happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub since: OffsetDateTime,
    /// The last failure (no connection, timeout, HTTP 5xx, SOAP fault), for humans.
    pub reason: String,
    /// How many calls failed in a row.
    pub consecutive_failures: u32,
}

/// `arca.available` v1: ARCA answers again after an outage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArcaAvailable {
    /// Which ARCA.
    pub environment: Environment,
    /// When the outage started (the `since` of its `arca.unavailable`).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub unavailable_since: OffsetDateTime,
    /// When ARCA answered again.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub at: OffsetDateTime,
    /// How long the outage lasted, in milliseconds.
    pub downtime_ms: u64,
}

domain_events! {
    /// Every event about ARCA's availability.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum ArcaServiceEvent {
        /// See [`ArcaUnavailable`].
        Unavailable(ArcaUnavailable) = "arca.unavailable",
        /// See [`ArcaAvailable`].
        Available(ArcaAvailable) = "arca.available",
    }
}

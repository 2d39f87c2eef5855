//! What every aggregate has in common, so the command layer can be generic: pure `decide` and
//! `evolve`, events that know their stable type name and version, and errors with stable codes.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::values::Money;

/// A consistency boundary: decides on commands against its state and evolves by its events.
pub trait Aggregate: Default + Clone {
    /// What the aggregate is asked to do.
    type Command;
    /// What happened.
    type Event: DomainEvent;
    /// Why a command was refused.
    type Error: std::error::Error + ErrorCode + Into<crate::DomainError>;

    /// The events a command produces in the current state, or why it is refused. Pure.
    fn decide(
        &self,
        command: Self::Command,
        ctx: &Context,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// The state after an event. Never fails: events are facts.
    fn evolve(self, event: &Self::Event) -> Self;

    /// The state after a stream of events, starting from the default.
    fn replay<'a, I>(events: I) -> Self
    where
        I: IntoIterator<Item = &'a Self::Event>,
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), Self::evolve)
    }
}

/// An event payload with a stable type name and schema version, stored as JSON.
pub trait DomainEvent: Sized {
    /// Stable type name, such as `invoice.requested`; never changes once released.
    fn event_type(&self) -> &'static str;
    /// Version of the payload shape for this type.
    fn schema_version(&self) -> u16;
    /// The payload as stored (`data` in the envelope).
    fn to_data(&self) -> serde_json::Value;
    /// Reads a stored payload back.
    fn from_stored(
        event_type: &str,
        schema_version: u16,
        data: &serde_json::Value,
    ) -> Result<Self, DecodeError>;
}

/// What kind of refusal a domain error is, for callers that map it (HTTP: 422, 409, 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// The command's content breaks a rule.
    Invalid,
    /// The command clashes with the aggregate's current state (already done, already exists).
    Conflict,
    /// The aggregate the command is about does not exist.
    NotFound,
}

/// A stable, machine-readable reason for a refusal, its kind, and the request field to blame.
pub trait ErrorCode {
    /// Stable snake_case code (`invalid_cuit`, `totals_mismatch` …), used in problem+json.
    fn code(&self) -> &'static str;
    /// What kind of refusal it is.
    fn kind(&self) -> RejectionKind;
    /// The request field at fault, JSON-pointer-ish (`receiver.document_number`, `items[2].iva_rate`).
    fn field(&self) -> Option<Cow<'static, str>>;
}

/// Why a stored event could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The type name belongs to no event of this aggregate.
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    /// The type is known but not at this version (an upcaster is missing).
    #[error("unsupported version {version} of event type `{event_type}`")]
    UnsupportedVersion {
        /// The stored type name.
        event_type: String,
        /// The stored version.
        version: u16,
    },
    /// The payload does not match the type's shape.
    #[error("invalid `{event_type}` payload: {message}")]
    InvalidData {
        /// The stored type name.
        event_type: String,
        /// What serde said.
        message: String,
    },
}

impl ErrorCode for DecodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownType(_) => "unknown_event_type",
            Self::UnsupportedVersion { .. } => "unsupported_event_version",
            Self::InvalidData { .. } => "invalid_event_data",
        }
    }

    fn kind(&self) -> RejectionKind {
        RejectionKind::Invalid
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// What a decision may depend on besides state and command: the time and the configured policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The current instant, read by the caller from its clock.
    pub now: OffsetDateTime,
    /// Configurable business thresholds.
    pub policy: Policy,
}

impl Context {
    /// A context at `now` with the default policy.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now,
            policy: Policy::default(),
        }
    }
}

/// Business thresholds that change by regulation, not by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// From this total in pesos (total × exchange rate) on, a class B receiver must be identified
    /// (ARCA 10015, "monto RG 4444"). Default ARS 10 000 000.00 (RG 5700/2025).
    pub final_consumer_id_threshold: Money,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            final_consumer_id_threshold: Money::from_cents(1_000_000_000).unwrap_or(Money::MAX),
        }
    }
}

/// Serializes an event payload. Payloads are plain data (strings, numbers, dates), so this cannot
/// fail; the round-trip tests of every event would show it if it did.
pub(crate) fn encode<T: Serialize>(payload: &T) -> serde_json::Value {
    serde_json::to_value(payload).unwrap_or(serde_json::Value::Null)
}

/// Reads a payload stored at `version`, which must be `expected` (the payload's current version).
pub(crate) fn decode<T: DeserializeOwned>(
    event_type: &str,
    version: u16,
    expected: u16,
    data: &serde_json::Value,
) -> Result<T, DecodeError> {
    if version != expected {
        return Err(DecodeError::UnsupportedVersion {
            event_type: event_type.to_owned(),
            version,
        });
    }
    T::deserialize(data).map_err(|e| DecodeError::InvalidData {
        event_type: event_type.to_owned(),
        message: e.to_string(),
    })
}

/// An event payload's shape across versions. Events never change shape once released: a new
/// shape is a new [`Payload::VERSION`], and [`Payload::decode`] upcasts every older version it
/// reads into the current one. Payloads that only ever had version 1 take the defaults.
pub trait Payload: Serialize + DeserializeOwned + schemars::JsonSchema {
    /// The version written today.
    const VERSION: u16 = 1;

    /// Reads a payload stored at `version`, upcasting older versions.
    ///
    /// # Errors
    /// An unknown version or a payload that does not match its version's shape.
    fn decode(
        event_type: &str,
        version: u16,
        data: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        decode(event_type, version, Self::VERSION, data)
    }

    /// The JSON Schema of every version still read, oldest first.
    fn json_schemas() -> Vec<(u16, schemars::schema::RootSchema)> {
        vec![(Self::VERSION, schemars::schema_for!(Self))]
    }
}

/// Declares an aggregate's event enum (one payload struct per variant) with its [`DomainEvent`]
/// impl, the list of its type names and their JSON Schemas. A payload is at version 1 unless the
/// variant is marked `upcast` (`Issued(KeyIssued) = "tenant.key_issued" upcast`): its [`Payload`]
/// impl is then written by hand, with its version and the upcasters of the older ones.
macro_rules! domain_events {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($payload:ty) = $type:literal $($upcast:ident)? ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* $variant($payload) ),+
        }

        $( $crate::aggregate::payload_at_version_one!($payload $(, $upcast)?); )+

        impl $name {
            /// Every event type name of this aggregate.
            pub const TYPES: &'static [&'static str] = &[$($type),+];

            /// `(event type, schema version, JSON Schema of the payload)` for every event type.
            pub fn json_schemas() -> Vec<(&'static str, u16, schemars::schema::RootSchema)> {
                let mut all = Vec::new();
                $(
                    for (version, schema) in <$payload as $crate::aggregate::Payload>::json_schemas() {
                        all.push(($type, version, schema));
                    }
                )+
                all
            }
        }

        impl $crate::aggregate::DomainEvent for $name {
            fn event_type(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $type),+
                }
            }

            fn schema_version(&self) -> u16 {
                match self {
                    $(Self::$variant(_) => <$payload as $crate::aggregate::Payload>::VERSION),+
                }
            }

            fn to_data(&self) -> serde_json::Value {
                match self {
                    $(Self::$variant(payload) => $crate::aggregate::encode(payload)),+
                }
            }

            fn from_stored(
                event_type: &str,
                schema_version: u16,
                data: &serde_json::Value,
            ) -> Result<Self, $crate::aggregate::DecodeError> {
                match event_type {
                    $($type => <$payload as $crate::aggregate::Payload>::decode(event_type, schema_version, data).map(Self::$variant),)+
                    other => Err($crate::aggregate::DecodeError::UnknownType(other.to_owned())),
                }
            }
        }
    };
}

/// Implements [`Payload`] at version 1 for a payload not marked `upcast` (those have their own).
macro_rules! payload_at_version_one {
    ($payload:ty) => {
        impl $crate::aggregate::Payload for $payload {}
    };
    ($payload:ty, upcast) => {};
}

pub(crate) use domain_events;
pub(crate) use payload_at_version_one;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_threshold_is_ten_million_pesos() {
        assert_eq!(
            Policy::default().final_consumer_id_threshold.to_string(),
            "10000000.00"
        );
    }
}

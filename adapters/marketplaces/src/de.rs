//! Lenient readers for what platforms send in more than one JSON shape.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum RawId {
    Number(u64),
    Text(String),
}

fn to_id<E: de::Error>(raw: RawId) -> Result<u64, E> {
    match raw {
        RawId::Number(n) => Ok(n),
        RawId::Text(t) => t
            .trim()
            .parse()
            .map_err(|_| E::custom(format!("`{t}` is not a numeric id"))),
    }
}

/// A numeric id sent as a JSON number or as a string of digits.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    to_id(RawId::deserialize(deserializer)?)
}

/// The same, `null` or absent allowed (use with `#[serde(default)]`).
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Option::<RawId>::deserialize(deserializer)?
        .map(to_id)
        .transpose()
}

/// A decimal from a JSON string or number (through the domain's exact reader).
pub(crate) fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    domain::values::decimal::deserialize(deserializer)
}

/// The same, `null` or absent reading as zero (use with `#[serde(default)]`).
pub(crate) fn decimal_or_zero<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Decimal, D::Error> {
    Ok(domain::values::decimal::option::deserialize(deserializer)?.unwrap_or_default())
}

/// The same, `null` or absent reading as `None` (use with `#[serde(default)]`).
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    domain::values::decimal::option::deserialize(deserializer)
}

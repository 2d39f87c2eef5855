//! Decimal numbers read from JSON strings (`"10.5"`) or numbers (`10.5`) and always written back as
//! strings, so no amount ever passes through `f64` arithmetic.
//!
//! A JSON number arrives as an `f64`; it is turned into a decimal through its shortest round-trip
//! text (`10.5` → `"10.5"`), which is exact for every number of up to 15 significant digits —
//! all amounts ARCA accepts (13 integer digits and 2 decimals). Clients that need more send strings.
//! Use with `#[serde(with = "crate::values::decimal")]`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Writes a decimal as a JSON string.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads a decimal from a JSON string or number.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(LenientDecimal)
}

/// The same for optional fields (use with `#[serde(default)]`).
pub mod option {
    use super::*;

    /// Writes `Some` as a JSON string and `None` as `null`.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null`, a JSON string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_option(OptionalDecimal)
    }

    struct OptionalDecimal;

    impl<'de> Visitor<'de> for OptionalDecimal {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number, as a string or a number, or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

/// Parses decimal text, accepting a leading `+` and surrounding whitespace but no exponent.
pub fn parse(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() || text.contains(['e', 'E']) {
        return None;
    }
    Decimal::from_str(text).ok()
}

/// The visitor behind [`deserialize`]; public so value types can reuse it.
pub struct LenientDecimal;

impl Visitor<'_> for LenientDecimal {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal number, as a string (\"1210.50\") or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse(v).ok_or_else(|| E::custom(format!("`{v}` is not a decimal number")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("not a finite number"));
        }
        // `{v}` is the shortest text that reads back as the same f64 (`0.1` → "0.1").
        Decimal::from_str(&format!("{v}"))
            .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
            .map_err(|_| E::custom(format!("{v} is out of range")))
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(with = "super")]
        v: Decimal,
    }

    fn read(json: &str) -> Decimal {
        serde_json::from_str::<Holder>(&format!("{{\"v\":{json}}}"))
            .unwrap()
            .v
    }

    #[test]
    fn reads_strings_and_numbers_exactly() {
        assert_eq!(read("\"1210.50\""), dec!(1210.50));
        assert_eq!(read("1210.5"), dec!(1210.5));
        assert_eq!(read("0.1"), dec!(0.1));
        assert_eq!(read("9999999999999.99"), dec!(9999999999999.99));
        assert_eq!(read("42"), dec!(42));
        assert_eq!(read("-3"), dec!(-3));
        assert!(serde_json::from_str::<Holder>("{\"v\":\"1e3\"}").is_err());
        assert!(serde_json::from_str::<Holder>("{\"v\":\"abc\"}").is_err());
    }
}

//! The rate of a voucher's currency in pesos (`MonCotiz`).

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::currency::Currency;

/// Why a rate cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeRateError {
    /// Zero or negative.
    #[error("the exchange rate must be greater than zero, got {0}")]
    NotPositive(Decimal),
    /// More than six decimals (ARCA's `MonCotiz` has six).
    #[error("the exchange rate has more than six decimals: {0}")]
    TooPrecise(Decimal),
    /// Pesos with a rate other than 1 (ARCA 10039).
    #[error("the exchange rate of pesos must be 1, got {0}")]
    PesosNotOne(Decimal),
}

impl ExchangeRateError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPositive(_) | Self::TooPrecise(_) => "invalid_exchange_rate",
            Self::PesosNotOne(_) => "exchange_rate_must_be_one",
        }
    }

    /// Values carry no field name.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// A positive rate with at most six decimals. Serialized as a decimal string (`"1050.5"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeRate(Decimal);

impl ExchangeRate {
    /// The rate of pesos.
    pub const ONE: ExchangeRate = ExchangeRate(Decimal::ONE);

    /// A positive rate with at most six decimals.
    pub fn new(rate: Decimal) -> Result<Self, ExchangeRateError> {
        if rate <= Decimal::ZERO {
            return Err(ExchangeRateError::NotPositive(rate));
        }
        let rate = rate.normalize();
        if rate.scale() > 6 {
            return Err(ExchangeRateError::TooPrecise(rate));
        }
        Ok(Self(rate))
    }

    /// A rate for `currency`: exactly 1 for pesos, any valid rate for the others.
    pub fn for_currency(currency: Currency, rate: Decimal) -> Result<Self, ExchangeRateError> {
        if currency.is_pesos() && rate != Decimal::ONE {
            return Err(ExchangeRateError::PesosNotOne(rate));
        }
        Self::new(rate)
    }

    /// The rate.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for ExchangeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for ExchangeRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ExchangeRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rate = super::decimal::deserialize(deserializer)?;
        Self::new(rate).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ExchangeRate {
    fn schema_name() -> String {
        "ExchangeRate".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        super::string_schema(
            r"^[0-9]+(\.[0-9]{1,6})?$",
            "Positive exchange rate to pesos (MonCotiz).",
        )
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn pesos_take_exactly_one_and_other_currencies_any_positive_rate() {
        assert_eq!(
            ExchangeRate::for_currency(Currency::PES, dec!(1.000)).unwrap(),
            ExchangeRate::ONE
        );
        let err = ExchangeRate::for_currency(Currency::PES, dec!(1.5)).unwrap_err();
        assert_eq!(err.code(), "exchange_rate_must_be_one");
        assert_eq!(
            ExchangeRate::for_currency(Currency::DOL, dec!(1050.25))
                .unwrap()
                .value(),
            dec!(1050.25)
        );
        assert_eq!(
            ExchangeRate::for_currency(Currency::DOL, dec!(0))
                .unwrap_err()
                .code(),
            "invalid_exchange_rate"
        );
        assert_eq!(
            ExchangeRate::new(dec!(-1)).unwrap_err().code(),
            "invalid_exchange_rate"
        );
        assert_eq!(
            ExchangeRate::new(dec!(1.0000001)).unwrap_err().code(),
            "invalid_exchange_rate"
        );
    }

    #[test]
    fn serializes_as_a_decimal_string() {
        let rate = ExchangeRate::new(dec!(1050.50)).unwrap();
        assert_eq!(serde_json::to_string(&rate).unwrap(), "\"1050.5\"");
        assert_eq!(
            serde_json::from_str::<ExchangeRate>("1050.5").unwrap(),
            rate
        );
        assert!(serde_json::from_str::<ExchangeRate>("\"0\"").is_err());
    }
}

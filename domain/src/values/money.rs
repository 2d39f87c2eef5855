//! Amounts of money: non-negative, exactly two decimals, never `f64`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Rounds to cents, half to even (ARCA.md §6.3). The only rounding rule of the domain.
pub fn round_half_even(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(2);
    rounded
}

/// Why a number is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a decimal number.
    #[error("`{0}` is not an amount (expected a decimal such as \"1210.50\")")]
    NotANumber(String),
    /// Below zero: ARCA amounts are all ≥ 0.
    #[error("amount {0} is negative")]
    Negative(Decimal),
    /// More than two decimals.
    #[error("amount {0} has more than two decimals")]
    TooPrecise(Decimal),
    /// More than 13 integer digits (ARCA's limit).
    #[error("amount {0} exceeds 9999999999999.99")]
    TooLarge(Decimal),
}

impl MoneyError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotANumber(_) => "invalid_amount",
            Self::Negative(_) => "negative_amount",
            Self::TooPrecise(_) => "amount_too_precise",
            Self::TooLarge(_) => "amount_too_large",
        }
    }

    /// Values carry no field name: the caller knows where it read the amount from.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// An amount in the voucher's currency: 0 ≤ amount ≤ 9 999 999 999 999.99, scale exactly 2.
///
/// Serialized as a JSON string (`"1210.00"`); read from a string or a JSON number (see
/// [`crate::values::decimal`] for how numbers stay exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money(Decimal);

impl Money {
    /// 0.00
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));
    /// 9 999 999 999 999.99, the largest amount ARCA accepts (13 integer digits, 2 decimals).
    pub const MAX: Money = Money(Decimal::from_parts(0xA4C6_7FFF, 0x0003_8D7E, 0, false, 2));

    /// An exact amount: refuses negatives, more than two decimals and amounts above [`Money::MAX`].
    pub fn new(amount: Decimal) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative(amount));
        }
        if amount.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise(amount));
        }
        if amount > Self::MAX.0 {
            return Err(MoneyError::TooLarge(amount));
        }
        let mut exact = amount.abs();
        exact.rescale(2);
        Ok(Self(exact))
    }

    /// Rounds half-even to cents, then as [`Money::new`].
    pub fn round(amount: Decimal) -> Result<Self, MoneyError> {
        Self::new(round_half_even(amount))
    }

    /// An amount from a number of cents.
    pub fn from_cents(cents: u64) -> Result<Self, MoneyError> {
        Self::new(Decimal::from(cents) / Decimal::ONE_HUNDRED)
    }

    /// Parses decimal text such as `"1210.5"` or `"1210.50"`.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let amount =
            super::decimal::parse(text).ok_or_else(|| MoneyError::NotANumber(text.to_owned()))?;
        Self::new(amount)
    }

    /// The amount, with scale 2.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Whether the amount is 0.00.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The sum, if it stays within [`Money::MAX`].
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Self::new(self.0.checked_add(other.0)?).ok()
    }
}

impl Default for Money {
    fn default() -> Self {
        Self::ZERO
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Money> for Decimal {
    fn from(value: Money) -> Self {
        value.0
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let amount = super::decimal::deserialize(deserializer)?;
        Self::new(amount).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Money {
    fn schema_name() -> String {
        "Money".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        super::string_schema(
            r"^[0-9]{1,13}\.[0-9]{2}$",
            "Non-negative amount with exactly two decimals, as a string (\"1210.00\").",
        )
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn always_has_two_decimals() {
        assert_eq!(Money::parse("1210").unwrap().to_string(), "1210.00");
        assert_eq!(Money::parse("1210.5").unwrap().to_string(), "1210.50");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::MAX.to_string(), "9999999999999.99");
        assert_eq!(Money::new(dec!(-0)).unwrap(), Money::ZERO);
        assert_eq!(Money::from_cents(12345).unwrap().to_string(), "123.45");
    }

    #[test]
    fn refuses_negative_imprecise_large_and_non_numeric_amounts() {
        assert_eq!(Money::parse("-1").unwrap_err().code(), "negative_amount");
        assert_eq!(
            Money::parse("1.005").unwrap_err().code(),
            "amount_too_precise"
        );
        assert_eq!(
            Money::parse("10000000000000").unwrap_err().code(),
            "amount_too_large"
        );
        assert_eq!(Money::parse("12,5").unwrap_err().code(), "invalid_amount");
        assert_eq!(Money::parse("1.2300").unwrap().to_string(), "1.23");
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(round_half_even(dec!(0.125)), dec!(0.12));
        assert_eq!(round_half_even(dec!(0.135)), dec!(0.14));
        assert_eq!(round_half_even(dec!(2.5)).to_string(), "2.50");
        assert_eq!(Money::round(dec!(21.005)).unwrap().to_string(), "21.00");
        assert_eq!(Money::round(dec!(21.0051)).unwrap().to_string(), "21.01");
    }

    #[test]
    fn serializes_as_a_string_and_reads_strings_or_numbers() {
        let m = Money::parse("1210").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"1210.00\"");
        assert_eq!(serde_json::from_str::<Money>("\"1210.00\"").unwrap(), m);
        assert_eq!(serde_json::from_str::<Money>("1210").unwrap(), m);
        assert_eq!(
            serde_json::from_str::<Money>("0.1").unwrap().to_string(),
            "0.10"
        );
        assert!(serde_json::from_str::<Money>("-5").is_err());
        assert!(serde_json::from_str::<Money>("1.001").is_err());
    }

    #[test]
    fn adds_within_bounds() {
        let one = Money::parse("1").unwrap();
        assert_eq!(one.checked_add(one).unwrap().to_string(), "2.00");
        assert_eq!(Money::MAX.checked_add(Money::parse("0.01").unwrap()), None);
    }
}

//! IVA aliquots (`AlicIva/Id`, ARCA.md §5.3).

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::UnknownCode;

/// An IVA rate ARCA knows. Serialized as its percentage in a string: `"0"`, `"2.5"`, `"5"`,
/// `"10.5"`, `"21"`, `"27"` (JSON numbers such as `21` or `10.5` are accepted on input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IvaRate {
    /// 0 % (ARCA id 3).
    Zero,
    /// 2.5 % (ARCA id 9).
    TwoAndAHalf,
    /// 5 % (ARCA id 8).
    Five,
    /// 10.5 % (ARCA id 4).
    TenAndAHalf,
    /// 21 % (ARCA id 5).
    TwentyOne,
    /// 27 % (ARCA id 6).
    TwentySeven,
}

/// A rate that is not one of ARCA's IVA aliquots.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an iva rate (expected 0, 2.5, 5, 10.5, 21 or 27)")]
pub struct IvaRateError(pub String);

impl IvaRateError {
    /// Stable snake_case code: `unknown_iva_rate`.
    pub fn code(&self) -> &'static str {
        "unknown_iva_rate"
    }

    /// Values carry no field name.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

impl IvaRate {
    /// Every rate, lowest first.
    pub const ALL: [IvaRate; 6] = [
        Self::Zero,
        Self::TwoAndAHalf,
        Self::Five,
        Self::TenAndAHalf,
        Self::TwentyOne,
        Self::TwentySeven,
    ];

    /// ARCA's aliquot id (`AlicIva/Id`).
    pub const fn id(self) -> u16 {
        match self {
            Self::Zero => 3,
            Self::TwoAndAHalf => 9,
            Self::Five => 8,
            Self::TenAndAHalf => 4,
            Self::TwentyOne => 5,
            Self::TwentySeven => 6,
        }
    }

    /// The rate with ARCA's aliquot id.
    pub fn from_id(id: u16) -> Result<Self, UnknownCode> {
        Self::ALL
            .into_iter()
            .find(|r| r.id() == id)
            .ok_or(UnknownCode {
                table: "iva rate",
                error_code: "unknown_iva_rate",
                value: u32::from(id),
            })
    }

    /// The percentage as text, as serialized (`"10.5"`).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Zero => "0",
            Self::TwoAndAHalf => "2.5",
            Self::Five => "5",
            Self::TenAndAHalf => "10.5",
            Self::TwentyOne => "21",
            Self::TwentySeven => "27",
        }
    }

    /// The percentage (21 for 21 %).
    pub fn percent(self) -> Decimal {
        match self {
            Self::Zero => Decimal::ZERO,
            Self::TwoAndAHalf => Decimal::new(25, 1),
            Self::Five => Decimal::new(5, 0),
            Self::TenAndAHalf => Decimal::new(105, 1),
            Self::TwentyOne => Decimal::new(21, 0),
            Self::TwentySeven => Decimal::new(27, 0),
        }
    }

    /// The rate as a fraction to multiply a base by (0.21 for 21 %).
    pub fn rate(self) -> Decimal {
        self.percent() / Decimal::ONE_HUNDRED
    }

    /// The rate whose percentage is `percent` (`10.5`, `10.50` …).
    pub fn from_percent(percent: Decimal) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.percent() == percent)
    }

    /// Parses a percentage such as `"21"` or `"10.5"`.
    pub fn parse(text: &str) -> Result<Self, IvaRateError> {
        super::decimal::parse(text)
            .and_then(Self::from_percent)
            .ok_or_else(|| IvaRateError(text.to_owned()))
    }
}

impl fmt::Display for IvaRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.label())
    }
}

impl Serialize for IvaRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for IvaRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RateVisitor)
    }
}

struct RateVisitor;

impl Visitor<'_> for RateVisitor {
    type Value = IvaRate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an iva rate: \"0\", \"2.5\", \"5\", \"10.5\", \"21\" or \"27\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IvaRate, E> {
        IvaRate::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IvaRate, E> {
        IvaRate::from_percent(Decimal::from(v))
            .ok_or_else(|| E::custom(IvaRateError(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IvaRate, E> {
        IvaRate::from_percent(Decimal::from(v))
            .ok_or_else(|| E::custom(IvaRateError(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<IvaRate, E> {
        self.visit_str(&v.to_string())
    }
}

impl schemars::JsonSchema for IvaRate {
    fn schema_name() -> String {
        "IvaRate".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        let labels = IvaRate::ALL.iter().map(|r| r.label());
        super::string_enum_schema(
            labels,
            "IVA rate as a percentage (ARCA ids 3, 9, 8, 4, 5, 6).",
        )
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn maps_arca_ids_and_rates() {
        let table = [
            (3, dec!(0)),
            (4, dec!(0.105)),
            (5, dec!(0.21)),
            (6, dec!(0.27)),
            (8, dec!(0.05)),
            (9, dec!(0.025)),
        ];
        for (id, rate) in table {
            let r = IvaRate::from_id(id).unwrap();
            assert_eq!(r.id(), id);
            assert_eq!(r.rate(), rate);
        }
        assert_eq!(IvaRate::from_id(7).unwrap_err().code(), "unknown_iva_rate");
    }

    #[test]
    fn serializes_as_a_percentage_string() {
        assert_eq!(
            serde_json::to_string(&IvaRate::TenAndAHalf).unwrap(),
            "\"10.5\""
        );
        assert_eq!(
            serde_json::from_str::<IvaRate>("\"21\"").unwrap(),
            IvaRate::TwentyOne
        );
        assert_eq!(
            serde_json::from_str::<IvaRate>("\"10.50\"").unwrap(),
            IvaRate::TenAndAHalf
        );
        assert_eq!(
            serde_json::from_str::<IvaRate>("10.5").unwrap(),
            IvaRate::TenAndAHalf
        );
        assert_eq!(
            serde_json::from_str::<IvaRate>("21").unwrap(),
            IvaRate::TwentyOne
        );
        assert!(serde_json::from_str::<IvaRate>("\"19\"").is_err());
        assert_eq!(IvaRate::parse("19").unwrap_err().code(), "unknown_iva_rate");
    }
}

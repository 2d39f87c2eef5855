//! How an item is treated for IVA: taxed at a rate, exempt, or not taxed.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::iva_rate::{IvaRate, IvaRateError};

/// The IVA treatment of one item of a class A, B or M voucher.
///
/// Serialized as a string: the rate's percentage (`"21"`, `"10.5"`, `"0"` …) for taxed items,
/// `"exempt"` for exempt operations (they add up to ARCA's `ImpOpEx`) and `"not_taxed"` for
/// amounts outside IVA (`ImpTotConc`). Items of class C vouchers carry no treatment at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IvaTreatment {
    /// Taxed at a rate; the item's net adds to `ImpNeto` and to that rate's base.
    Taxed(IvaRate),
    /// Exempt operation (`ImpOpEx`).
    Exempt,
    /// Not taxed (`ImpTotConc`).
    NotTaxed,
}

impl IvaTreatment {
    /// The serialized form (`"21"`, `"exempt"`, `"not_taxed"`).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Taxed(rate) => rate.label(),
            Self::Exempt => "exempt",
            Self::NotTaxed => "not_taxed",
        }
    }

    /// Parses the serialized form.
    pub fn parse(text: &str) -> Result<Self, IvaRateError> {
        match text {
            "exempt" => Ok(Self::Exempt),
            "not_taxed" => Ok(Self::NotTaxed),
            other => IvaRate::parse(other).map(Self::Taxed),
        }
    }
}

impl From<IvaRate> for IvaTreatment {
    fn from(rate: IvaRate) -> Self {
        Self::Taxed(rate)
    }
}

impl fmt::Display for IvaTreatment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for IvaTreatment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for IvaTreatment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreatmentVisitor)
    }
}

struct TreatmentVisitor;

impl Visitor<'_> for TreatmentVisitor {
    type Value = IvaTreatment;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an iva rate (\"21\", \"10.5\" …), \"exempt\" or \"not_taxed\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IvaTreatment, E> {
        IvaTreatment::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IvaTreatment, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IvaTreatment, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<IvaTreatment, E> {
        self.visit_str(&v.to_string())
    }
}

impl schemars::JsonSchema for IvaTreatment {
    fn schema_name() -> String {
        "IvaTreatment".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        let labels = IvaRate::ALL
            .iter()
            .map(|r| r.label())
            .chain(["exempt", "not_taxed"]);
        super::string_enum_schema(
            labels,
            "IVA rate percentage, \"exempt\" (ImpOpEx) or \"not_taxed\" (ImpTotConc).",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_rates_and_the_two_non_rates_as_strings() {
        for (t, json) in [
            (IvaTreatment::Taxed(IvaRate::TwentyOne), "\"21\""),
            (IvaTreatment::Taxed(IvaRate::TwoAndAHalf), "\"2.5\""),
            (IvaTreatment::Exempt, "\"exempt\""),
            (IvaTreatment::NotTaxed, "\"not_taxed\""),
        ] {
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
            assert_eq!(serde_json::from_str::<IvaTreatment>(json).unwrap(), t);
        }
        assert_eq!(
            serde_json::from_str::<IvaTreatment>("27").unwrap(),
            IvaRate::TwentySeven.into()
        );
        assert!(serde_json::from_str::<IvaTreatment>("\"exento\"").is_err());
    }
}

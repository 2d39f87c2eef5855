//! CUIT (and CUIL/CDI): 11 digits whose last one is a mod-11 check digit (ARCA.md §7).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const WEIGHTS: [u64; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const LARGEST: u64 = 99_999_999_999;

/// Why a text is not a CUIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CuitError {
    /// Not 11 digits (optionally written `20-26756539-3`).
    #[error("a cuit has 11 digits, optionally written as 20-26756539-3")]
    Format,
    /// The last digit does not match the first ten.
    #[error("the cuit check digit is wrong")]
    CheckDigit,
}

impl CuitError {
    /// Stable snake_case code: always `invalid_cuit`.
    pub fn code(&self) -> &'static str {
        "invalid_cuit"
    }

    /// Values carry no field name: the caller knows where it read the CUIT from.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// A tax id with a valid check digit. Displayed and serialized as 11 digits (`"20267565393"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cuit(u64);

impl Cuit {
    /// Parses `20267565393` or `20-26756539-3`.
    pub fn parse(text: &str) -> Result<Self, CuitError> {
        let digits: String = match text.as_bytes() {
            [_, _, b'-', .., b'-', _] if text.len() == 13 && text.as_bytes()[11] == b'-' => {
                text.chars().filter(|c| *c != '-').collect()
            }
            _ => text.to_owned(),
        };
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CuitError::Format);
        }
        let number = digits.parse::<u64>().map_err(|_| CuitError::Format)?;
        Self::from_u64(number)
    }

    /// A CUIT from its number (as in `DocNro`), checking the digit.
    pub fn from_u64(number: u64) -> Result<Self, CuitError> {
        if number > LARGEST {
            return Err(CuitError::Format);
        }
        match Self::check_digit(number / 10) {
            Some(digit) if u64::from(digit) == number % 10 => Ok(Self(number)),
            _ => Err(CuitError::CheckDigit),
        }
    }

    /// The check digit for the first ten digits, or `None` when the weighted sum gives 10
    /// (no CUIT starts with such a prefix).
    pub fn check_digit(prefix: u64) -> Option<u8> {
        let mut rest = prefix;
        let mut sum = 0;
        for weight in WEIGHTS.iter().rev() {
            sum += (rest % 10) * weight;
            rest /= 10;
        }
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            v => u8::try_from(v).ok(),
        }
    }

    /// The 11-digit number.
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The 11-digit number as a database `bigint` (it always fits: below 10^11).
    pub fn as_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }
}

impl fmt::Display for Cuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:011}", self.0)
    }
}

impl FromStr for Cuit {
    type Err = CuitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Cuit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cuit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CuitVisitor)
    }
}

struct CuitVisitor;

impl Visitor<'_> for CuitVisitor {
    type Value = Cuit;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cuit as a string of 11 digits")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cuit, E> {
        Cuit::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cuit, E> {
        Cuit::from_u64(v).map_err(E::custom)
    }
}

impl schemars::JsonSchema for Cuit {
    fn schema_name() -> String {
        "Cuit".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        super::string_schema("^[0-9]{11}$", "CUIT: 11 digits with a mod-11 check digit.")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reads_as_the_same_number_in_a_bigint_column() {
        let cuit = Cuit::parse("33693450239").unwrap();
        assert_eq!(cuit.as_i64(), 33_693_450_239);
        assert_eq!(u64::try_from(cuit.as_i64()).unwrap(), cuit.as_u64());
    }

    #[test]
    fn accepts_the_valid_cuits_of_the_reference() {
        for text in [
            "20267565393",
            "33693450239",
            "30000000007",
            "20111111112",
            "23000000000",
            "20123456786",
        ] {
            let cuit = Cuit::parse(text).unwrap();
            assert_eq!(cuit.to_string(), text);
        }
    }

    #[test]
    fn refuses_the_invalid_cuits_of_the_reference() {
        assert_eq!(Cuit::parse("20123456789"), Err(CuitError::CheckDigit));
        assert_eq!(Cuit::parse("20123456783"), Err(CuitError::CheckDigit));
        for x in 0..10 {
            assert_eq!(
                Cuit::parse(&format!("2010000005{x}")),
                Err(CuitError::CheckDigit)
            );
        }
        assert_eq!(Cuit::check_digit(2_010_000_005), None);
    }

    #[test]
    fn accepts_dashes_only_in_the_usual_places() {
        assert_eq!(
            Cuit::parse("20-26756539-3").unwrap().as_u64(),
            20_267_565_393
        );
        for bad in [
            "2026756539-3",
            "20-267565393",
            "202-6756539-3",
            "2026756539",
            "2026756539a",
            "",
            "20 26756539 3",
        ] {
            assert_eq!(Cuit::parse(bad), Err(CuitError::Format), "{bad}");
        }
        assert_eq!(Cuit::parse("x").unwrap_err().code(), "invalid_cuit");
    }

    #[test]
    fn serializes_as_a_string_of_eleven_digits() {
        let cuit = Cuit::parse("30000000007").unwrap();
        assert_eq!(serde_json::to_string(&cuit).unwrap(), "\"30000000007\"");
        assert_eq!(
            serde_json::from_str::<Cuit>("\"30-00000000-7\"").unwrap(),
            cuit
        );
        assert_eq!(serde_json::from_str::<Cuit>("30000000007").unwrap(), cuit);
        assert!(serde_json::from_str::<Cuit>("\"30000000008\"").is_err());
        assert_eq!(
            Cuit::from_u64(23_000_000_000).unwrap().to_string(),
            "23000000000"
        );
        assert_eq!(Cuit::from_u64(100_000_000_000), Err(CuitError::Format));
    }

    proptest! {
        #[test]
        fn every_prefix_without_digit_ten_has_exactly_one_valid_cuit(prefix in 0u64..10_000_000_000) {
            let valid: Vec<u64> = (0..10).map(|d| prefix * 10 + d).filter(|n| Cuit::from_u64(*n).is_ok()).collect();
            match Cuit::check_digit(prefix) {
                Some(d) => prop_assert_eq!(valid, vec![prefix * 10 + u64::from(d)]),
                None => prop_assert!(valid.is_empty()),
            }
        }

        #[test]
        fn changing_any_single_digit_of_a_valid_cuit_invalidates_it(
            prefix in 0u64..10_000_000_000, position in 0u32..11, delta in 1u64..10,
        ) {
            prop_assume!(Cuit::check_digit(prefix).is_some());
            let digit = u64::from(Cuit::check_digit(prefix).unwrap_or(0));
            let valid = prefix * 10 + digit;
            prop_assert!(Cuit::from_u64(valid).is_ok());
            let place = 10u64.pow(position);
            let old = (valid / place) % 10;
            let new = (old + delta) % 10;
            let changed = valid - old * place + new * place;
            prop_assert!(Cuit::from_u64(changed).is_err(), "{} → {}", valid, changed);
        }
    }
}

//! Currencies by ARCA code (`MonId`, ARCA.md §5.4; table of `FEParamGetTiposMonedas`).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// ARCA's currency table: code and name.
const TABLE: &[(&str, &str)] = &[
    ("PES", "Pesos Argentinos"),
    ("DOL", "Dólar Estadounidense"),
    ("002", "Dólar Libre EEUU"),
    ("007", "Florines Holandeses"),
    ("009", "Franco Suizo"),
    ("010", "Pesos Mejicanos"),
    ("011", "Pesos Uruguayos"),
    ("012", "Real"),
    ("014", "Coronas Danesas"),
    ("015", "Coronas Noruegas"),
    ("016", "Coronas Suecas"),
    ("018", "Dólar Canadiense"),
    ("019", "Yens"),
    ("021", "Libra Esterlina"),
    ("023", "Bolívar Venezolano"),
    ("024", "Corona Checa"),
    ("025", "Dinar Yugoslavo"),
    ("026", "Dólar Australiano"),
    ("027", "Dracma Griego"),
    ("028", "Florín (Antillas Holandesas)"),
    ("029", "Guaraní"),
    ("030", "Shekel (Israel)"),
    ("031", "Peso Boliviano"),
    ("032", "Peso Colombiano"),
    ("033", "Peso Chileno"),
    ("034", "Rand Sudafricano"),
    ("035", "Nuevo Sol Peruano"),
    ("036", "Sucre Ecuatoriano"),
    ("040", "Lei Rumano"),
    ("041", "Derechos Especiales de Giro"),
    ("042", "Peso Dominicano"),
    ("043", "Balboas Panameñas"),
    ("044", "Córdoba Nicaragüense"),
    ("045", "Dirham Marroquí"),
    ("046", "Libra Egipcia"),
    ("047", "Riyal Saudita"),
    ("049", "Gramos de Oro Fino"),
    ("051", "Dólar de Hong Kong"),
    ("052", "Dólar de Singapur"),
    ("053", "Dólar de Jamaica"),
    ("054", "Dólar de Taiwan"),
    ("055", "Quetzal Guatemalteco"),
    ("056", "Forint (Hungría)"),
    ("057", "Baht (Tailandia)"),
    ("059", "Dinar Kuwaiti"),
    ("060", "Euro"),
    ("061", "Zloty Polaco"),
    ("062", "Rupia Hindú"),
    ("063", "Lempira Hondureña"),
    ("064", "Yuan (Rep. Pop. China)"),
];

/// A code that is not in ARCA's currency table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an arca currency code (such as PES, DOL, 060)")]
pub struct CurrencyError(pub String);

impl CurrencyError {
    /// Stable snake_case code: `unknown_currency`.
    pub fn code(&self) -> &'static str {
        "unknown_currency"
    }

    /// Values carry no field name.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// A currency from ARCA's table, by its 3-character code (`PES`, `DOL`, `060` …).
/// Serialized as the code; parsing ignores ASCII case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    /// Pesos argentinos.
    pub const PES: Currency = Currency("PES");
    /// US dollar.
    pub const DOL: Currency = Currency("DOL");
    /// Euro.
    pub const EUR: Currency = Currency("060");

    /// The currency with ARCA code `code`.
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        TABLE
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map(|(c, _)| Self(c))
            .ok_or_else(|| CurrencyError(code.to_owned()))
    }

    /// ARCA's code (`MonId`).
    pub fn code(self) -> &'static str {
        self.0
    }

    /// ARCA's name for it.
    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(c, _)| *c == self.0)
            .map_or("", |(_, n)| n)
    }

    /// Whether this is the peso, whose exchange rate is always 1.
    pub fn is_pesos(self) -> bool {
        self == Self::PES
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self::PES
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&code).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> String {
        "Currency".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        super::string_enum_schema(TABLE.iter().map(|(c, _)| *c), "ARCA currency code (MonId).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_common_arca_codes() {
        for code in [
            "PES", "DOL", "002", "060", "012", "021", "019", "018", "009", "064",
        ] {
            assert_eq!(Currency::parse(code).unwrap().code(), code);
        }
        assert_eq!(Currency::parse("dol").unwrap(), Currency::DOL);
        assert_eq!(Currency::EUR.name(), "Euro");
        assert_eq!(
            Currency::parse("USD").unwrap_err().code(),
            "unknown_currency"
        );
        assert_eq!(TABLE.len(), 50);
    }

    #[test]
    fn serializes_as_its_code() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"060\"");
        assert_eq!(
            serde_json::from_str::<Currency>("\"PES\"").unwrap(),
            Currency::PES
        );
        assert!(serde_json::from_str::<Currency>("\"EUR\"").is_err());
    }
}

//! Receiver document types (`DocTipo`, ARCA.md §5.2).

use super::code_table::code_table;

code_table! {
    /// The kind of document identifying a receiver. Serialized as its numeric code.
    pub enum DocType: u16, table = "document type", error = "unknown_document_type" {
        /// CUIT (tax id, mod-11 check digit).
        Cuit = 80,
        /// CUIL (labour id, mod-11 check digit).
        Cuil = 86,
        /// CDI (mod-11 check digit).
        Cdi = 87,
        /// Libreta de Enrolamiento.
        Le = 89,
        /// Libreta Cívica.
        Lc = 90,
        /// Cédula de identidad extranjera.
        CiExtranjera = 91,
        /// Document in process.
        EnTramite = 92,
        /// Birth certificate.
        ActaNacimiento = 93,
        /// Passport.
        Pasaporte = 94,
        /// CI Buenos Aires RNP.
        CiBsAsRnp = 95,
        /// DNI (national identity document).
        Dni = 96,
        /// Unidentified receiver ("Doc. (Otro)", consumidor final); its number is 0.
        Otro = 99,
        /// CI Policía Federal.
        CiPoliciaFederal = 0,
        /// CI Buenos Aires.
        CiBuenosAires = 1,
        /// CI Catamarca.
        CiCatamarca = 2,
        /// CI Córdoba.
        CiCordoba = 3,
        /// CI Corrientes.
        CiCorrientes = 4,
        /// CI Entre Ríos.
        CiEntreRios = 5,
        /// CI Jujuy.
        CiJujuy = 6,
        /// CI Mendoza.
        CiMendoza = 7,
        /// CI La Rioja.
        CiLaRioja = 8,
        /// CI Salta.
        CiSalta = 9,
        /// CI San Juan.
        CiSanJuan = 10,
        /// CI San Luis.
        CiSanLuis = 11,
        /// CI Santa Fe.
        CiSantaFe = 12,
        /// CI Santiago del Estero.
        CiSantiagoDelEstero = 13,
        /// CI Tucumán.
        CiTucuman = 14,
        /// CI Chaco.
        CiChaco = 16,
        /// CI Chubut.
        CiChubut = 17,
        /// CI Formosa.
        CiFormosa = 18,
        /// CI Misiones.
        CiMisiones = 19,
        /// CI Neuquén.
        CiNeuquen = 20,
        /// CI La Pampa.
        CiLaPampa = 21,
        /// CI Río Negro.
        CiRioNegro = 22,
        /// CI Santa Cruz.
        CiSantaCruz = 23,
        /// CI Tierra del Fuego.
        CiTierraDelFuego = 24,
    }
}

impl DocType {
    /// CUIT, CUIL and CDI: 11 digits with a mod-11 check digit (ARCA.md §7).
    pub const fn has_check_digit(self) -> bool {
        matches!(self, Self::Cuit | Self::Cuil | Self::Cdi)
    }

    /// "Doc. (Otro)": the unidentified final consumer, whose number must be 0.
    pub const fn is_unidentified(self) -> bool {
        matches!(self, Self::Otro)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_common_codes() {
        for (code, doc) in [
            (80, DocType::Cuit),
            (86, DocType::Cuil),
            (87, DocType::Cdi),
            (94, DocType::Pasaporte),
            (96, DocType::Dni),
            (99, DocType::Otro),
        ] {
            assert_eq!(DocType::from_code(code), Ok(doc));
            assert_eq!(doc.code(), code);
        }
        assert_eq!(
            DocType::from_code(15).unwrap_err().code(),
            "unknown_document_type"
        );
        assert!(DocType::Cuil.has_check_digit() && !DocType::Dni.has_check_digit());
        assert!(DocType::Otro.is_unidentified());
    }
}

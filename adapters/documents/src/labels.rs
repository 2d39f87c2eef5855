//! The Spanish words a printed voucher uses for ARCA's codes: voucher types, document types, IVA
//! conditions and tributes, as ARCA's parameter services (`FEParamGet…`) name them. The codes
//! themselves live in `domain::values`; these are only their printed names.

/// A voucher type's printed name (`FACTURA`, `NOTA DE CRÉDITO` …) and letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherName {
    /// The title, upper case, without the letter.
    pub title: &'static str,
    /// A, B, C or M.
    pub letter: char,
}

const FCE: &str = "FACTURA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)";
const FCE_DEBIT: &str = "NOTA DE DÉBITO ELECTRÓNICA MiPyMEs (FCE)";
const FCE_CREDIT: &str = "NOTA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)";

/// Voucher types (`CbteTipo`) with their title and letter.
const VOUCHERS: &[(u16, &str, char)] = &[
    (1, "FACTURA", 'A'),
    (2, "NOTA DE DÉBITO", 'A'),
    (3, "NOTA DE CRÉDITO", 'A'),
    (4, "RECIBO", 'A'),
    (5, "NOTA DE VENTA AL CONTADO", 'A'),
    (6, "FACTURA", 'B'),
    (7, "NOTA DE DÉBITO", 'B'),
    (8, "NOTA DE CRÉDITO", 'B'),
    (9, "RECIBO", 'B'),
    (10, "NOTA DE VENTA AL CONTADO", 'B'),
    (11, "FACTURA", 'C'),
    (12, "NOTA DE DÉBITO", 'C'),
    (13, "NOTA DE CRÉDITO", 'C'),
    (15, "RECIBO", 'C'),
    (51, "FACTURA", 'M'),
    (52, "NOTA DE DÉBITO", 'M'),
    (53, "NOTA DE CRÉDITO", 'M'),
    (54, "RECIBO", 'M'),
    (201, FCE, 'A'),
    (202, FCE_DEBIT, 'A'),
    (203, FCE_CREDIT, 'A'),
    (206, FCE, 'B'),
    (207, FCE_DEBIT, 'B'),
    (208, FCE_CREDIT, 'B'),
    (211, FCE, 'C'),
    (212, FCE_DEBIT, 'C'),
    (213, FCE_CREDIT, 'C'),
];

/// Receiver document types (`DocTipo`).
const DOCUMENTS: &[(u16, &str)] = &[
    (80, "CUIT"),
    (86, "CUIL"),
    (87, "CDI"),
    (89, "LE"),
    (90, "LC"),
    (91, "CI Extranjera"),
    (92, "en trámite"),
    (93, "Acta Nacimiento"),
    (94, "Pasaporte"),
    (95, "CI Bs. As. RNP"),
    (96, "DNI"),
    (99, "Doc. (Otro)"),
    (0, "CI Policía Federal"),
    (1, "CI Buenos Aires"),
    (2, "CI Catamarca"),
    (3, "CI Córdoba"),
    (4, "CI Corrientes"),
    (5, "CI Entre Ríos"),
    (6, "CI Jujuy"),
    (7, "CI Mendoza"),
    (8, "CI La Rioja"),
    (9, "CI Salta"),
    (10, "CI San Juan"),
    (11, "CI San Luis"),
    (12, "CI Santa Fe"),
    (13, "CI Santiago del Estero"),
    (14, "CI Tucumán"),
    (16, "CI Chaco"),
    (17, "CI Chubut"),
    (18, "CI Formosa"),
    (19, "CI Misiones"),
    (20, "CI Neuquén"),
    (21, "CI La Pampa"),
    (22, "CI Río Negro"),
    (23, "CI Santa Cruz"),
    (24, "CI Tierra del Fuego"),
];

/// IVA conditions (`CondicionIVAReceptorId`, RG 5616).
const IVA_CONDITIONS: &[(u16, &str)] = &[
    (1, "IVA Responsable Inscripto"),
    (4, "IVA Sujeto Exento"),
    (5, "Consumidor Final"),
    (6, "Responsable Monotributo"),
    (7, "Sujeto No Categorizado"),
    (8, "Proveedor del Exterior"),
    (9, "Cliente del Exterior"),
    (10, "IVA Liberado – Ley N° 19.640"),
    (13, "Monotributista Social"),
    (15, "IVA No Alcanzado"),
    (16, "Monotributo Trabajador Independiente Promovido"),
];

/// Tributes (`Tributo/Id`).
const TRIBUTES: &[(u16, &str)] = &[
    (1, "Impuestos nacionales"),
    (2, "Impuestos provinciales"),
    (3, "Impuestos municipales"),
    (4, "Impuestos internos"),
    (5, "Ingresos Brutos"),
    (6, "Percepción de IVA"),
    (7, "Percepción de Ingresos Brutos"),
    (8, "Percepciones por Impuestos Municipales"),
    (9, "Otras Percepciones"),
    (13, "Percepción de IVA a no Categorizado"),
    (99, "Otro"),
];

/// The consumidor final's IVA condition code.
pub(crate) const FINAL_CONSUMER: u16 = 5;

/// The monotributistas' IVA condition codes (6, 13, 16), whose class A vouchers carry the
/// Ley 27.618 legend.
pub(crate) const MONOTRIBUTO: [u16; 3] = [6, 13, 16];

/// The "Doc. (Otro)" document type of an unidentified receiver.
pub(crate) const NO_DOCUMENT: u16 = 99;

/// Tributes that count as "Otros Impuestos Nacionales Indirectos" under Ley 27.743: national
/// (1) and internal (4) taxes.
pub(crate) const NATIONAL_INDIRECT: [u16; 2] = [1, 4];

fn find(table: &'static [(u16, &'static str)], code: u16) -> Option<&'static str> {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// The printed name of an ARCA voucher type.
pub fn voucher_name(code: u16) -> Option<VoucherName> {
    VOUCHERS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, title, letter)| VoucherName { title, letter })
}

/// The printed name of an ARCA document type (`CUIT`, `DNI` …).
pub fn document_type(code: u16) -> Option<&'static str> {
    find(DOCUMENTS, code)
}

/// The printed name of an IVA condition (`IVA Responsable Inscripto` …).
pub fn iva_condition(code: u16) -> Option<&'static str> {
    find(IVA_CONDITIONS, code)
}

/// The printed name of a tribute kind (`Impuestos internos` …).
pub fn tribute(code: u16) -> Option<&'static str> {
    find(TRIBUTES, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_vouchers_with_title_and_letter() {
        assert_eq!(
            voucher_name(8),
            Some(VoucherName {
                title: "NOTA DE CRÉDITO",
                letter: 'B'
            })
        );
        assert_eq!(voucher_name(211).map(|n| n.letter), Some('C'));
        assert_eq!(voucher_name(14), None);
    }

    #[test]
    fn names_documents_conditions_and_tributes() {
        assert_eq!(document_type(96), Some("DNI"));
        assert_eq!(document_type(0), Some("CI Policía Federal"));
        assert_eq!(iva_condition(FINAL_CONSUMER), Some("Consumidor Final"));
        assert_eq!(iva_condition(2), None);
        assert_eq!(tribute(4), Some("Impuestos internos"));
    }
}

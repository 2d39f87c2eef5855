//! Voucher types (`CbteTipo`, ARCA.md §5.1), their class (letter) and kind.

use serde::{Deserialize, Serialize};

use super::code_table::code_table;

code_table! {
    /// A voucher type ARCA can authorize through WSFEv1 (`CbteTipo`). Serialized as its numeric code.
    pub enum VoucherType: u16, table = "voucher type", error = "unknown_voucher_type" {
        /// Factura A.
        FacturaA = 1,
        /// Nota de Débito A.
        NotaDebitoA = 2,
        /// Nota de Crédito A.
        NotaCreditoA = 3,
        /// Recibo A.
        ReciboA = 4,
        /// Nota de Venta al contado A.
        NotaVentaContadoA = 5,
        /// Factura B.
        FacturaB = 6,
        /// Nota de Débito B.
        NotaDebitoB = 7,
        /// Nota de Crédito B.
        NotaCreditoB = 8,
        /// Recibo B.
        ReciboB = 9,
        /// Nota de Venta al contado B.
        NotaVentaContadoB = 10,
        /// Factura C.
        FacturaC = 11,
        /// Nota de Débito C.
        NotaDebitoC = 12,
        /// Nota de Crédito C.
        NotaCreditoC = 13,
        /// Recibo C.
        ReciboC = 15,
        /// Factura M.
        FacturaM = 51,
        /// Nota de Débito M.
        NotaDebitoM = 52,
        /// Nota de Crédito M.
        NotaCreditoM = 53,
        /// Recibo M.
        ReciboM = 54,
        /// Factura de Crédito electrónica MiPyMEs (FCE) A.
        FceFacturaA = 201,
        /// Nota de Débito electrónica MiPyMEs (FCE) A.
        FceNotaDebitoA = 202,
        /// Nota de Crédito electrónica MiPyMEs (FCE) A.
        FceNotaCreditoA = 203,
        /// Factura de Crédito electrónica MiPyMEs (FCE) B.
        FceFacturaB = 206,
        /// Nota de Débito electrónica MiPyMEs (FCE) B.
        FceNotaDebitoB = 207,
        /// Nota de Crédito electrónica MiPyMEs (FCE) B.
        FceNotaCreditoB = 208,
        /// Factura de Crédito electrónica MiPyMEs (FCE) C.
        FceFacturaC = 211,
        /// Nota de Débito electrónica MiPyMEs (FCE) C.
        FceNotaDebitoC = 212,
        /// Nota de Crédito electrónica MiPyMEs (FCE) C.
        FceNotaCreditoC = 213,
    }
}

/// The letter of a voucher: who may issue it to whom and whether IVA is itemized.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum VoucherClass {
    /// Between registered taxpayers; IVA itemized.
    A,
    /// To final consumers, exempt and others; IVA included in prices.
    B,
    /// Issued by monotributistas and exempt issuers; no IVA.
    C,
    /// Class A under withholding (ARCA's `ALEY` since Dec 2025).
    M,
}

impl std::fmt::Display for VoucherClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// What a voucher does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// Factura (and Nota de Venta al contado).
    Invoice,
    /// Nota de Débito.
    DebitNote,
    /// Nota de Crédito.
    CreditNote,
    /// Recibo.
    Receipt,
}

impl VoucherType {
    /// The voucher's letter; FCE vouchers have the letter of their family.
    pub const fn class(self) -> VoucherClass {
        use VoucherType::*;
        match self {
            FacturaA | NotaDebitoA | NotaCreditoA | ReciboA | NotaVentaContadoA | FceFacturaA
            | FceNotaDebitoA | FceNotaCreditoA => VoucherClass::A,
            FacturaB | NotaDebitoB | NotaCreditoB | ReciboB | NotaVentaContadoB | FceFacturaB
            | FceNotaDebitoB | FceNotaCreditoB => VoucherClass::B,
            FacturaC | NotaDebitoC | NotaCreditoC | ReciboC | FceFacturaC | FceNotaDebitoC
            | FceNotaCreditoC => VoucherClass::C,
            FacturaM | NotaDebitoM | NotaCreditoM | ReciboM => VoucherClass::M,
        }
    }

    /// Invoice, debit note, credit note or receipt. Notas de Venta al contado count as invoices.
    pub const fn kind(self) -> VoucherKind {
        use VoucherType::*;
        match self {
            FacturaA | NotaVentaContadoA | FacturaB | NotaVentaContadoB | FacturaC | FacturaM
            | FceFacturaA | FceFacturaB | FceFacturaC => VoucherKind::Invoice,
            NotaDebitoA | NotaDebitoB | NotaDebitoC | NotaDebitoM | FceNotaDebitoA
            | FceNotaDebitoB | FceNotaDebitoC => VoucherKind::DebitNote,
            NotaCreditoA | NotaCreditoB | NotaCreditoC | NotaCreditoM | FceNotaCreditoA
            | FceNotaCreditoB | FceNotaCreditoC => VoucherKind::CreditNote,
            ReciboA | ReciboB | ReciboC | ReciboM => VoucherKind::Receipt,
        }
    }

    /// Whether this is a Factura de Crédito electrónica MiPyMEs voucher (201–213).
    pub const fn is_fce(self) -> bool {
        self.code() >= 201
    }

    /// The file name of this voucher's PDF, in ASCII, as the download and the email name it:
    /// `FACTURA_B_00001-00000042.pdf` (the point of sale as wide as the printed voucher shows it).
    pub fn file_name(self, point_of_sale: u32, number: u64) -> String {
        use VoucherType::{NotaVentaContadoA, NotaVentaContadoB};
        let title = match (self.kind(), self.is_fce()) {
            (VoucherKind::Invoice, true) => "FACTURA_DE_CREDITO_ELECTRONICA",
            (VoucherKind::DebitNote, true) => "NOTA_DE_DEBITO_ELECTRONICA",
            (VoucherKind::CreditNote, true) => "NOTA_DE_CREDITO_ELECTRONICA",
            _ if matches!(self, NotaVentaContadoA | NotaVentaContadoB) => {
                "NOTA_DE_VENTA_AL_CONTADO"
            }
            (VoucherKind::Invoice, false) => "FACTURA",
            (VoucherKind::DebitNote, false) => "NOTA_DE_DEBITO",
            (VoucherKind::CreditNote, false) => "NOTA_DE_CREDITO",
            (VoucherKind::Receipt, _) => "RECIBO",
        };
        format!(
            "{title}_{}_{point_of_sale:05}-{number:08}.pdf",
            self.class()
        )
    }

    /// Whether this is a debit or credit note (these need associated vouchers or a period).
    pub const fn is_note(self) -> bool {
        matches!(
            self.kind(),
            VoucherKind::DebitNote | VoucherKind::CreditNote
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_pdf_of_every_kind_of_voucher_in_plain_ascii() {
        let names: Vec<String> = [1, 7, 13, 15, 5, 206, 203]
            .map(|code| VoucherType::from_code(code).map_or("?".into(), |v| v.file_name(1, 42)))
            .to_vec();
        assert_eq!(
            names,
            [
                "FACTURA_A_00001-00000042.pdf",
                "NOTA_DE_DEBITO_B_00001-00000042.pdf",
                "NOTA_DE_CREDITO_C_00001-00000042.pdf",
                "RECIBO_C_00001-00000042.pdf",
                "NOTA_DE_VENTA_AL_CONTADO_A_00001-00000042.pdf",
                "FACTURA_DE_CREDITO_ELECTRONICA_B_00001-00000042.pdf",
                "NOTA_DE_CREDITO_ELECTRONICA_A_00001-00000042.pdf"
            ]
        );
        assert_eq!(
            VoucherType::FacturaB.file_name(12345, 99_999_999),
            "FACTURA_B_12345-99999999.pdf"
        );
    }

    #[test]
    fn every_code_round_trips_and_unknown_codes_are_refused() {
        for t in VoucherType::ALL {
            assert_eq!(VoucherType::from_code(t.code()), Ok(*t));
        }
        let err = VoucherType::from_code(14).unwrap_err();
        assert_eq!(err.code(), "unknown_voucher_type");
        assert_eq!(err.to_string(), "unknown voucher type code 14");
    }

    #[test]
    fn classifies_letters_kinds_and_fce() {
        assert_eq!(VoucherType::FacturaA.class(), VoucherClass::A);
        assert_eq!(VoucherType::FceNotaCreditoB.class(), VoucherClass::B);
        assert_eq!(VoucherType::ReciboC.class(), VoucherClass::C);
        assert_eq!(VoucherType::FacturaM.class(), VoucherClass::M);
        assert_eq!(VoucherType::NotaCreditoC.kind(), VoucherKind::CreditNote);
        assert_eq!(VoucherType::ReciboM.kind(), VoucherKind::Receipt);
        assert!(VoucherType::FceFacturaC.is_fce());
        assert!(!VoucherType::ReciboM.is_fce());
        assert!(VoucherType::NotaDebitoB.is_note());
        assert!(!VoucherType::FacturaB.is_note());
    }

    #[test]
    fn serializes_as_its_numeric_code() {
        assert_eq!(
            serde_json::to_string(&VoucherType::FceFacturaA).unwrap(),
            "201"
        );
        let t: VoucherType = serde_json::from_str("6").unwrap();
        assert_eq!(t, VoucherType::FacturaB);
        assert!(serde_json::from_str::<VoucherType>("14").is_err());
    }
}

//! Other taxes on a voucher (`Tributos`, ARCA.md §5.4).

use super::code_table::code_table;

code_table! {
    /// The kind of a tribute (a tax other than IVA). Serialized as its numeric code.
    pub enum TributeKind: u16, table = "tribute", error = "unknown_tribute_kind" {
        /// Impuestos nacionales.
        National = 1,
        /// Impuestos provinciales.
        Provincial = 2,
        /// Impuestos municipales.
        Municipal = 3,
        /// Impuestos internos.
        Internal = 4,
        /// Ingresos brutos.
        GrossIncome = 5,
        /// Percepción de IVA.
        IvaPerception = 6,
        /// Percepción de IIBB.
        GrossIncomePerception = 7,
        /// Percepciones por impuestos municipales.
        MunicipalPerception = 8,
        /// Otras percepciones.
        OtherPerception = 9,
        /// Percepción de IVA a no categorizado.
        IvaPerceptionNotCategorized = 13,
        /// Otro (needs a description).
        Other = 99,
    }
}

impl TributeKind {
    /// ARCA requires a description for "Otro" (99).
    pub const fn requires_description(self) -> bool {
        matches!(self, Self::Other)
    }
}

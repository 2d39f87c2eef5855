//! The receiver's position towards IVA (`CondicionIVAReceptorId`, RG 5616, ARCA.md §5.5).

use super::code_table::code_table;
use super::voucher_type::VoucherClass;

code_table! {
    /// A receiver's IVA condition. Serialized as its numeric code.
    pub enum IvaCondition: u16, table = "iva condition", error = "unknown_iva_condition" {
        /// IVA Responsable Inscripto.
        ResponsableInscripto = 1,
        /// IVA Sujeto Exento.
        Exento = 4,
        /// Consumidor Final.
        ConsumidorFinal = 5,
        /// Responsable Monotributo.
        Monotributo = 6,
        /// Sujeto No Categorizado.
        NoCategorizado = 7,
        /// Proveedor del Exterior.
        ProveedorExterior = 8,
        /// Cliente del Exterior.
        ClienteExterior = 9,
        /// IVA Liberado – Ley N° 19.640.
        Liberado = 10,
        /// Monotributista Social.
        MonotributistaSocial = 13,
        /// IVA No Alcanzado.
        NoAlcanzado = 15,
        /// Monotributo Trabajador Independiente Promovido.
        MonotributoPromovido = 16,
    }
}

impl IvaCondition {
    /// Registered in IVA or in the Monotributo (1, 6, 13, 16): the receivers of class A vouchers.
    pub const fn receives_class_a(self) -> bool {
        matches!(
            self,
            Self::ResponsableInscripto
                | Self::Monotributo
                | Self::MonotributistaSocial
                | Self::MonotributoPromovido
        )
    }

    /// The voucher classes this condition may receive (ARCA.md §5.5; `ALEY` is our class M).
    pub const fn classes(self) -> &'static [VoucherClass] {
        if self.receives_class_a() {
            &[VoucherClass::A, VoucherClass::M, VoucherClass::C]
        } else {
            &[VoucherClass::B, VoucherClass::C]
        }
    }

    /// Whether a voucher of `class` may be issued to a receiver in this condition (ARCA 10243).
    pub fn valid_for(self, class: VoucherClass) -> bool {
        self.classes().contains(&class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_rg_5616_table() {
        let a_side = [1, 6, 13, 16];
        let b_side = [4, 5, 7, 8, 9, 10, 15];
        for code in a_side {
            let c = IvaCondition::from_code(code).unwrap();
            assert!(c.valid_for(VoucherClass::A) && c.valid_for(VoucherClass::M));
            assert!(c.valid_for(VoucherClass::C) && !c.valid_for(VoucherClass::B));
        }
        for code in b_side {
            let c = IvaCondition::from_code(code).unwrap();
            assert!(!c.valid_for(VoucherClass::A) && !c.valid_for(VoucherClass::M));
            assert!(c.valid_for(VoucherClass::B) && c.valid_for(VoucherClass::C));
        }
        assert_eq!(IvaCondition::ALL.len(), a_side.len() + b_side.len());
        assert_eq!(
            IvaCondition::from_code(2).unwrap_err().code(),
            "unknown_iva_condition"
        );
    }
}

//! The issuer's position towards IVA, which decides the letters it may issue.

use serde::{Deserialize, Serialize};

use super::iva_condition::IvaCondition;
use super::voucher_type::VoucherClass;

/// How an issuing taxpayer is registered. Serialized in snake_case
/// (`responsable_inscripto`, `monotributo`, `exento`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssuerIvaCondition {
    /// IVA Responsable Inscripto: issues A (to registered taxpayers) and B (to everyone else).
    ResponsableInscripto,
    /// Monotributista: issues C only.
    Monotributo,
    /// IVA exento: issues C only.
    Exento,
}

impl std::fmt::Display for IssuerIvaCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ResponsableInscripto => "responsable_inscripto",
            Self::Monotributo => "monotributo",
            Self::Exento => "exento",
        })
    }
}

impl IssuerIvaCondition {
    /// The letters this issuer may use. Class M is never allowed: issuers are not flagged for it yet.
    pub const fn allowed_classes(self) -> &'static [VoucherClass] {
        match self {
            Self::ResponsableInscripto => &[VoucherClass::A, VoucherClass::B],
            Self::Monotributo | Self::Exento => &[VoucherClass::C],
        }
    }

    /// Whether this issuer may issue vouchers of `class`.
    pub fn may_issue(self, class: VoucherClass) -> bool {
        self.allowed_classes().contains(&class)
    }

    /// The letter that applies to a receiver: C for monotributistas and exempt issuers; for a
    /// responsable inscripto, A when the receiver is registered (1, 6, 13, 16) and B otherwise.
    pub const fn letter_for(self, receiver: IvaCondition) -> VoucherClass {
        match self {
            Self::Monotributo | Self::Exento => VoucherClass::C,
            Self::ResponsableInscripto if receiver.receives_class_a() => VoucherClass::A,
            Self::ResponsableInscripto => VoucherClass::B,
        }
    }

    /// The same taxpayer seen as a receiver (`CondicionIVAReceptorId`).
    pub const fn as_receiver(self) -> IvaCondition {
        match self {
            Self::ResponsableInscripto => IvaCondition::ResponsableInscripto,
            Self::Monotributo => IvaCondition::Monotributo,
            Self::Exento => IvaCondition::Exento,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_responsable_inscripto_issues_a_to_registered_receivers_and_b_otherwise() {
        let ri = IssuerIvaCondition::ResponsableInscripto;
        for c in IvaCondition::ALL {
            let expected = if c.receives_class_a() {
                VoucherClass::A
            } else {
                VoucherClass::B
            };
            assert_eq!(ri.letter_for(*c), expected);
            assert!(c.valid_for(ri.letter_for(*c)));
        }
    }

    #[test]
    fn monotributistas_and_exempt_issuers_issue_c_only() {
        for issuer in [IssuerIvaCondition::Monotributo, IssuerIvaCondition::Exento] {
            assert_eq!(issuer.allowed_classes(), &[VoucherClass::C]);
            assert_eq!(
                issuer.letter_for(IvaCondition::ResponsableInscripto),
                VoucherClass::C
            );
        }
        assert!(!IssuerIvaCondition::ResponsableInscripto.may_issue(VoucherClass::M));
    }

    #[test]
    fn serializes_in_snake_case() {
        let json = serde_json::to_string(&IssuerIvaCondition::ResponsableInscripto).unwrap();
        assert_eq!(json, "\"responsable_inscripto\"");
    }
}

//! What an invoice needs to know about its issuer, taken from the taxpayer's state.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::values::{Cuit, IssuerIvaCondition, IvaCondition, VoucherClass};

/// The issuer as the invoice aggregate sees it when an invoice is requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerSnapshot {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// How the issuer is registered towards IVA.
    pub iva_condition: IssuerIvaCondition,
    /// The registered points of sale.
    pub points_of_sale: BTreeSet<u32>,
}

impl IssuerSnapshot {
    /// Whether `number` is one of the issuer's points of sale.
    pub fn has_point_of_sale(&self, number: u32) -> bool {
        self.points_of_sale.contains(&number)
    }

    /// Whether the issuer may issue vouchers of `class`.
    pub fn may_issue(&self, class: VoucherClass) -> bool {
        self.iva_condition.may_issue(class)
    }

    /// The letter that applies to a receiver in `receiver` condition.
    pub fn letter_for(&self, receiver: IvaCondition) -> VoucherClass {
        self.iva_condition.letter_for(receiver)
    }
}

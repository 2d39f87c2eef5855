//! Building WSFEv1 requests from `domain` values (never from aggregates or events): codes come
//! from the domain's code tables, amounts from `Money`, and ARCA's totals are derived here.

use domain::values::{
    Concept, Cuit, Currency, DocType, ExchangeRate, IvaCondition, IvaRate, Money, TributeKind,
    VoucherType,
};
use rust_decimal::Decimal;
use time::Date;

use super::types::{AssociatedVoucher, CaeRequest, OtherTax, VatLine, VoucherDetail};

/// One VAT line: rate, taxable base and the VAT amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainVat {
    pub rate: IvaRate,
    pub base: Money,
    pub amount: Money,
}

/// One other tax (`Tributo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainTribute {
    pub kind: TributeKind,
    pub description: Option<String>,
    pub base: Money,
    /// Percent.
    pub rate: Decimal,
    pub amount: Money,
}

/// A voucher a note corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainAssociated {
    pub voucher_type: VoucherType,
    pub point_of_sale: u32,
    pub number: u64,
    pub issuer: Option<Cuit>,
    pub date: Option<Date>,
}

/// A voucher a caller wants authorized, in domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainVoucher {
    pub concept: Concept,
    pub receiver_doc_type: DocType,
    /// The receiver's document number (0 for an unidentified final consumer).
    pub receiver_doc_number: u64,
    pub number: u64,
    pub date: Date,
    /// Amount not taxed (`ImpTotConc`).
    pub untaxed: Money,
    /// Exempt amount (`ImpOpEx`).
    pub exempt: Money,
    /// Class C: the subtotal (no VAT lines). Other classes: ignored, the net is Σ VAT bases.
    pub net_without_vat: Money,
    pub vat: Vec<DomainVat>,
    pub tributes: Vec<DomainTribute>,
    /// (service from, service to, payment due) for concepts 2 and 3.
    pub service: Option<(Date, Date, Date)>,
    pub currency: Currency,
    pub exchange_rate: ExchangeRate,
    pub receiver_iva_condition: Option<IvaCondition>,
    pub associated: Vec<DomainAssociated>,
}

fn sum(xs: impl Iterator<Item = Money>) -> Decimal {
    xs.map(Money::amount).sum()
}

impl DomainVoucher {
    /// The ARCA detail, totals derived from the parts (so 10048/10023/10029 hold by construction).
    pub fn to_detail(&self) -> VoucherDetail {
        let with_vat = !self.vat.is_empty();
        let net = if with_vat {
            sum(self.vat.iter().map(|v| v.base))
        } else {
            self.net_without_vat.amount()
        };
        let vat_total = sum(self.vat.iter().map(|v| v.amount));
        let trib = sum(self.tributes.iter().map(|t| t.amount));
        let total = self.untaxed.amount() + net + self.exempt.amount() + trib + vat_total;
        VoucherDetail {
            concept: self.concept.code(),
            doc_type: self.receiver_doc_type.code(),
            doc_number: self.receiver_doc_number,
            number_from: self.number,
            number_to: self.number,
            date: Some(self.date),
            total,
            untaxed: self.untaxed.amount(),
            net,
            exempt: self.exempt.amount(),
            other_taxes_total: trib,
            vat_total,
            service_from: self.service.map(|s| s.0),
            service_to: self.service.map(|s| s.1),
            payment_due: self.service.map(|s| s.2),
            currency: self.currency.code().to_owned(),
            exchange_rate: Some(self.exchange_rate.value()),
            paid_in_same_currency: None,
            receiver_vat_condition: self.receiver_iva_condition.map(IvaCondition::code),
            associated: self
                .associated
                .iter()
                .map(|a| AssociatedVoucher {
                    voucher_type: a.voucher_type.code(),
                    point_of_sale: a.point_of_sale,
                    number: a.number,
                    cuit: a.issuer.map(Cuit::as_u64),
                    date: a.date,
                })
                .collect(),
            other_taxes: self
                .tributes
                .iter()
                .map(|t| OtherTax {
                    id: t.kind.code(),
                    description: t.description.clone(),
                    base: Some(t.base.amount()),
                    rate: Some(t.rate),
                    amount: t.amount.amount(),
                })
                .collect(),
            vat: self
                .vat
                .iter()
                .map(|v| VatLine {
                    id: v.rate.id(),
                    base: v.base.amount(),
                    amount: v.amount.amount(),
                })
                .collect(),
            optionals: vec![],
            buyers: vec![],
            associated_period: None,
            activities: vec![],
        }
    }
}

impl CaeRequest {
    /// A FECAESolicitar for one point of sale and voucher type.
    pub fn from_domain(
        point_of_sale: u32,
        voucher_type: VoucherType,
        vouchers: &[DomainVoucher],
    ) -> Self {
        Self {
            point_of_sale,
            voucher_type: voucher_type.code(),
            details: vouchers.iter().map(DomainVoucher::to_detail).collect(),
        }
    }
}

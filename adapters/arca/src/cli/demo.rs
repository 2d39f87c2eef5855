//! Demo vouchers for the command line and the benchmark: Factura B to a final consumer,
//! ARS 121 (100 + 21 % IVA), dated today in Argentina.

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::wsaa::tra::AR_OFFSET;
use crate::wsfe::{CaeRequest, VatLine, VoucherDetail};

/// One Factura B (type 6) numbered `number`.
pub fn consumer_invoice(number: u64) -> VoucherDetail {
    VoucherDetail {
        concept: 1,
        doc_type: 99,
        doc_number: 0,
        number_from: number,
        number_to: number,
        date: Some(OffsetDateTime::now_utc().to_offset(AR_OFFSET).date()),
        total: Decimal::from(121),
        untaxed: Decimal::ZERO,
        net: Decimal::from(100),
        exempt: Decimal::ZERO,
        other_taxes_total: Decimal::ZERO,
        vat_total: Decimal::from(21),
        service_from: None,
        service_to: None,
        payment_due: None,
        currency: "PES".into(),
        exchange_rate: Some(Decimal::ONE),
        paid_in_same_currency: None,
        receiver_vat_condition: Some(5),
        associated: vec![],
        other_taxes: vec![],
        vat: vec![VatLine {
            id: 5,
            base: Decimal::from(100),
            amount: Decimal::from(21),
        }],
        optionals: vec![],
        buyers: vec![],
        associated_period: None,
        activities: vec![],
    }
}

/// `count` consecutive Facturas B from `first`.
pub fn consumer_batch(point_of_sale: u32, first: u64, count: u64) -> CaeRequest {
    CaeRequest {
        point_of_sale,
        voucher_type: 6,
        details: (first..first + count).map(consumer_invoice).collect(),
    }
}

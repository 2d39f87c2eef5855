use rust_decimal::Decimal;
use time::macros::date;

use super::*;
use crate::testing::factura_a;
use crate::values::{Currency, ExchangeRate, ExchangeRateError, VoucherType};

fn invoice_ref(number: u64) -> AssociatedVoucher {
    AssociatedVoucher {
        voucher_type: VoucherType::FacturaA,
        point_of_sale: 1,
        number,
        cuit: None,
        date: None,
    }
}

fn june() -> Period {
    Period {
        from: date!(2025 - 06 - 01),
        to: date!(2025 - 06 - 30),
    }
}

#[test]
fn requires_an_associated_voucher_or_period_for_credit_and_debit_notes() {
    for voucher_type in [VoucherType::NotaCreditoA, VoucherType::NotaDebitoA] {
        let err = refused(RequestInvoice {
            voucher_type,
            ..factura_a()
        });
        assert_eq!(err, InvoiceError::AssociatedVoucherRequired);
        assert_code(&err, "associated_voucher_required", Some("associated"));
    }
}

#[test]
fn accepts_a_credit_note_with_an_associated_voucher() {
    let request = RequestInvoice {
        voucher_type: VoucherType::NotaCreditoA,
        associated: vec![invoice_ref(12)],
        ..factura_a()
    };
    assert_eq!(accepted(request).associated, vec![invoice_ref(12)]);
}

#[test]
fn accepts_a_debit_note_with_an_associated_period_only() {
    let request = RequestInvoice {
        voucher_type: VoucherType::NotaDebitoA,
        associated_period: Some(june()),
        ..factura_a()
    };
    assert_eq!(accepted(request).associated_period, Some(june()));
}

#[test]
fn refuses_an_associated_period_on_an_invoice() {
    let err = refused(RequestInvoice {
        associated_period: Some(june()),
        ..factura_a()
    });
    assert_code(
        &err,
        "associated_period_not_allowed",
        Some("associated_period"),
    );
}

#[test]
fn refuses_an_associated_period_that_ends_before_it_starts() {
    let reversed = Period {
        from: date!(2025 - 06 - 30),
        to: date!(2025 - 06 - 01),
    };
    let request = RequestInvoice {
        voucher_type: VoucherType::NotaDebitoA,
        associated_period: Some(reversed),
        ..factura_a()
    };
    assert_code(
        &refused(request),
        "invalid_period",
        Some("associated_period"),
    );
}

#[test]
fn refuses_an_associated_voucher_without_a_number() {
    let request = RequestInvoice {
        voucher_type: VoucherType::NotaCreditoA,
        associated: vec![invoice_ref(12), invoice_ref(0)],
        ..factura_a()
    };
    assert_code(
        &refused(request),
        "invalid_associated_voucher",
        Some("associated[1]"),
    );
}

#[test]
fn requires_an_exchange_rate_of_exactly_one_for_pesos() {
    let err = refused(RequestInvoice {
        exchange_rate: Decimal::TWO,
        ..factura_a()
    });
    assert_eq!(
        err,
        InvoiceError::InvalidExchangeRate(ExchangeRateError::PesosNotOne(Decimal::TWO))
    );
    assert_code(&err, "exchange_rate_must_be_one", Some("exchange_rate"));
}

#[test]
fn requires_a_positive_exchange_rate_for_foreign_currencies() {
    for rate in [Decimal::ZERO, Decimal::NEGATIVE_ONE] {
        let err = refused(RequestInvoice {
            currency: Currency::DOL,
            exchange_rate: rate,
            ..factura_a()
        });
        assert_code(&err, "invalid_exchange_rate", Some("exchange_rate"));
    }
}

#[test]
fn keeps_the_currency_and_rate_of_a_foreign_currency_invoice() {
    let event = accepted(RequestInvoice {
        currency: Currency::EUR,
        exchange_rate: Decimal::new(12345, 1),
        ..factura_a()
    });
    assert_eq!(event.currency, Currency::EUR);
    assert_eq!(
        event.exchange_rate,
        ExchangeRate::new(Decimal::new(12345, 1)).unwrap()
    );
}

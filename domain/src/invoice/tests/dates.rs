use time::macros::{date, datetime};
use time::{Date, Duration};

use super::*;
use crate::aggregate::Context;
use crate::testing::{TODAY, factura_a};
use crate::values::{Concept, VoucherType};

fn dated(request: RequestInvoice, issue_date: Date) -> RequestInvoice {
    RequestInvoice {
        issue_date,
        ..request
    }
}

fn days(n: i64) -> Date {
    TODAY + Duration::days(n)
}

fn services() -> RequestInvoice {
    RequestInvoice {
        concept: Concept::Services,
        service_period: Some(ServicePeriod {
            from: date!(2025 - 06 - 01),
            to: date!(2025 - 06 - 30),
            payment_due: days(15),
        }),
        ..factura_a()
    }
}

fn fce(voucher_type: VoucherType) -> RequestInvoice {
    let associated = if voucher_type.is_note() {
        vec![AssociatedVoucher {
            voucher_type: VoucherType::FceFacturaA,
            point_of_sale: 1,
            number: 7,
            cuit: None,
            date: None,
        }]
    } else {
        vec![]
    };
    RequestInvoice {
        voucher_type,
        associated,
        ..factura_a()
    }
}

fn assert_out_of_window(request: RequestInvoice, earliest: Date, latest: Date) {
    let date = request.issue_date;
    let err = refused(request);
    assert_eq!(
        err,
        InvoiceError::VoucherDateOutOfWindow {
            date,
            earliest,
            latest
        }
    );
    assert_code(&err, "voucher_date_out_of_window", Some("issue_date"));
}

#[test]
fn accepts_products_dated_from_five_days_back_to_five_days_ahead() {
    accepted(dated(factura_a(), days(-5)));
    accepted(dated(factura_a(), days(5)));
    assert_out_of_window(dated(factura_a(), days(-6)), days(-5), days(5));
    assert_out_of_window(dated(factura_a(), days(6)), days(-5), days(5));
}

#[test]
fn keeps_a_future_products_date_in_the_current_month() {
    let ctx = Context::new(datetime!(2025-07-29 15:00 UTC));
    let at_month_end = dated(factura_a(), date!(2025 - 07 - 31));
    Scenario::<Invoice>::given([])
        .at(ctx.clone())
        .when(at_month_end)
        .events();
    let next_month = dated(factura_a(), date!(2025 - 08 - 01));
    let err = Scenario::<Invoice>::given([])
        .at(ctx)
        .when(next_month)
        .error();
    assert_eq!(
        err,
        InvoiceError::VoucherDateOutOfWindow {
            date: date!(2025 - 08 - 01),
            earliest: date!(2025 - 07 - 24),
            latest: date!(2025 - 07 - 31)
        }
    );
}

#[test]
fn counts_days_in_argentine_time() {
    // 02:00 UTC on July 2nd is still July 1st in Argentina.
    let ctx = Context::new(datetime!(2025-07-02 02:00 UTC));
    Scenario::<Invoice>::given([])
        .at(ctx)
        .when(dated(factura_a(), date!(2025 - 06 - 26)))
        .events();
}

#[test]
fn accepts_services_dated_ten_days_around_today() {
    accepted(dated(services(), days(-10)));
    let mut ahead = dated(services(), days(10));
    ahead.service_period = ahead.service_period.map(|p| ServicePeriod {
        payment_due: days(10),
        ..p
    });
    accepted(ahead);
    assert_out_of_window(dated(services(), days(-11)), days(-10), days(10));
}

#[test]
fn limits_fce_invoices_to_one_day_ahead() {
    accepted(dated(fce(VoucherType::FceFacturaA), days(1)));
    accepted(dated(fce(VoucherType::FceFacturaA), days(-5)));
    assert_out_of_window(
        dated(fce(VoucherType::FceFacturaA), days(2)),
        days(-5),
        days(1),
    );
}

#[test]
fn limits_fce_notes_to_today() {
    accepted(dated(fce(VoucherType::FceNotaCreditoA), TODAY));
    assert_out_of_window(
        dated(fce(VoucherType::FceNotaCreditoA), days(1)),
        days(-5),
        TODAY,
    );
}

#[test]
fn requires_service_dates_for_services() {
    for concept in [Concept::Services, Concept::ProductsAndServices] {
        let err = refused(RequestInvoice {
            concept,
            service_period: None,
            ..factura_a()
        });
        assert_eq!(err, InvoiceError::ServiceDatesRequired);
        assert_code(&err, "service_dates_required", Some("service_period"));
    }
    accepted(RequestInvoice {
        concept: Concept::ProductsAndServices,
        ..services()
    });
}

#[test]
fn refuses_service_dates_for_products() {
    let err = refused(RequestInvoice {
        concept: Concept::Products,
        ..services()
    });
    assert_code(&err, "service_dates_not_allowed", Some("service_period"));
}

#[test]
fn refuses_a_service_period_that_ends_before_it_starts() {
    let mut request = services();
    request.service_period = Some(ServicePeriod {
        from: date!(2025 - 06 - 30),
        to: date!(2025 - 06 - 01),
        payment_due: TODAY,
    });
    let err = refused(request);
    assert_eq!(err, InvoiceError::InvalidPeriod("service_period"));
    assert_code(&err, "invalid_period", Some("service_period"));
}

#[test]
fn refuses_a_payment_due_date_before_the_issue_date() {
    let mut request = services();
    request.service_period = Some(ServicePeriod {
        from: date!(2025 - 06 - 01),
        to: date!(2025 - 06 - 30),
        payment_due: days(-1),
    });
    let err = refused(request);
    assert_code(
        &err,
        "payment_due_before_issue_date",
        Some("service_period.payment_due"),
    );
}

#[test]
fn exposes_the_window_for_other_crates() {
    let window = voucher_date_window(VoucherType::FacturaB, Concept::Products, TODAY);
    assert_eq!((*window.start(), *window.end()), (days(-5), days(5)));
}

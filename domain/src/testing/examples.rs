//! One example of every event type, for round-trip and schema tests.

use rust_decimal::Decimal;
use time::macros::date;
use uuid::Uuid;

use super::{NOW, TODAY, cuit, factura_a, item, money, requested, ri_taxpayer_events};
use crate::aggregate::DomainEvent;
use crate::ids::{ApiKeyId, InvoiceId, TenantId};
use crate::invoice::{
    ArcaMessage, AssociatedVoucher, CaeGranted, InvoiceEvent, InvoiceNumberAssigned,
    InvoiceRejected, InvoiceSubmitted, Item, Period, RequestInvoice, ServicePeriod,
    SubmissionOutcomeUnknown, Tribute,
};
use crate::taxpayer::TaxpayerEvent;
use crate::tenant::{ApiKeyIssued, ApiKeyRevoked, TenantCreated, TenantEvent};
use crate::values::{Concept, Currency, IvaRate, IvaTreatment, TributeKind, VoucherType};

/// A request using every optional part: a Nota de Crédito A for services in dollars, with
/// items at 21 % and 10.5 % (one discounted), an exempt and a not-taxed item, a tribute, an
/// associated voucher and period. Totals: net 1090.00, not taxed 25.00, exempt 50.00,
/// tributes 10.00, IVA 219.45, total 1394.45.
pub fn rich_request() -> RequestInvoice {
    let mut discounted = item(1, "100.00", Some(IvaTreatment::Taxed(IvaRate::TenAndAHalf)));
    discounted.discount = Some(money("10.00"));
    let items: Vec<Item> = vec![
        item(2, "500.00", Some(IvaTreatment::Taxed(IvaRate::TwentyOne))),
        discounted,
        item(1, "50.00", Some(IvaTreatment::Exempt)),
        item(1, "25.00", Some(IvaTreatment::NotTaxed)),
    ];
    RequestInvoice {
        invoice_id: InvoiceId(Uuid::from_u128(0xCAFE)),
        voucher_type: VoucherType::NotaCreditoA,
        concept: Concept::Services,
        service_period: Some(ServicePeriod {
            from: date!(2025 - 06 - 01),
            to: date!(2025 - 06 - 30),
            payment_due: TODAY,
        }),
        currency: Currency::DOL,
        exchange_rate: Decimal::new(10505, 1),
        items,
        tributes: vec![Tribute {
            kind: TributeKind::Other,
            description: Some("Impuesto municipal".to_owned()),
            base: money("1000.00"),
            rate: Some(Decimal::ONE),
            amount: money("10.00"),
        }],
        associated: vec![AssociatedVoucher {
            voucher_type: VoucherType::FacturaA,
            point_of_sale: 1,
            number: 123,
            cuit: Some(cuit("20267565393")),
            date: Some(date!(2025 - 06 - 28)),
        }],
        associated_period: Some(Period {
            from: date!(2025 - 06 - 01),
            to: date!(2025 - 06 - 30),
        }),
        ..factura_a()
    }
}

fn message(code: u32, text: &str) -> ArcaMessage {
    ArcaMessage {
        code,
        message: text.to_owned(),
    }
}

/// One invoice event of every type.
pub fn invoice_events() -> Vec<InvoiceEvent> {
    let mut events = requested(rich_request());
    events.extend([
        InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number: 1836 }),
        InvoiceEvent::Submitted(InvoiceSubmitted {
            number: 1836,
            request_hash: "ab12".repeat(16),
            submitted_at: NOW,
        }),
        InvoiceEvent::OutcomeUnknown(SubmissionOutcomeUnknown {
            reason: "timeout after 30s".to_owned(),
        }),
        InvoiceEvent::CaeGranted(CaeGranted {
            number: 1836,
            cae: "71263951827464".to_owned(),
            cae_due_date: date!(2025 - 07 - 11),
            observations: vec![message(10217, "El credito fiscal discriminado ...")],
        }),
        InvoiceEvent::Rejected(InvoiceRejected {
            errors: vec![message(
                10016,
                "El numero o fecha del comprobante no se corresponde ...",
            )],
            observations: vec![],
        }),
    ]);
    events
}

/// One taxpayer event of every type.
pub fn taxpayer_events() -> Vec<TaxpayerEvent> {
    ri_taxpayer_events()
}

/// One tenant event of every type.
pub fn tenant_events() -> Vec<TenantEvent> {
    let key_id = ApiKeyId(Uuid::from_u128(0xF00D));
    vec![
        TenantEvent::Created(TenantCreated {
            tenant_id: TenantId(Uuid::from_u128(0x7E)),
            name: "Demo".to_owned(),
            created_at: NOW,
        }),
        TenantEvent::ApiKeyIssued(ApiKeyIssued {
            key_id,
            secret_hash: "0f".repeat(32),
            label: "ci".to_owned(),
            issued_at: NOW,
        }),
        TenantEvent::ApiKeyRevoked(ApiKeyRevoked {
            key_id,
            revoked_at: NOW,
        }),
    ]
}

/// `(event type, schema version, data)` of every example event.
pub fn example_event_data() -> Vec<(&'static str, u16, serde_json::Value)> {
    fn stored<E: DomainEvent>(
        events: Vec<E>,
    ) -> impl Iterator<Item = (&'static str, u16, serde_json::Value)> {
        events
            .into_iter()
            .map(|e| (e.event_type(), e.schema_version(), e.to_data()))
    }
    stored(invoice_events())
        .chain(stored(taxpayer_events()))
        .chain(stored(tenant_events()))
        .collect()
}

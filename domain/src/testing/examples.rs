//! One example of every event type, for round-trip and schema tests.

use rust_decimal::Decimal;
use time::macros::date;
use uuid::Uuid;

use super::{NOW, TODAY, cuit, factura_a, item, money, requested, ri_taxpayer_events};
use crate::aggregate::DomainEvent;
use crate::arca_service::{ArcaAvailable, ArcaServiceEvent, ArcaUnavailable};
use crate::ids::{ApiKeyId, InvoiceId, TenantId};
use crate::invoice::{
    ArcaMessage, AssociatedVoucher, CaeGranted, InvoiceEvent, InvoiceNumberAssigned,
    InvoiceNumberReleased, InvoiceRejected, InvoiceSubmitted, Item, Period, RequestInvoice,
    ServicePeriod, SubmissionOutcomeUnknown, Tribute,
};
use crate::series::Environment;
use crate::series::{
    ContentDigest, DetailOutcome, NumberOutcome, NumbersRecovered, NumbersReleased,
    NumbersReserved, ParkReason, QueuedRequest, RecoveredNumber, ReleaseReason, ReleasedNumber,
    RequestsQueued, Reservation, ResumeRequested, SeriesBlocked, SeriesEvent, SeriesHalted,
    SeriesOpened, SeriesParked, SeriesResumed, SeriesStalled, SeriesUnblocked, StallReason,
    SubmissionCompleted, SubmissionStarted, SubmittedNumber, UncertainReason,
};
use crate::taxpayer::{
    CertificateExpiring, CertificateInstalled, CertificateRequested, TaxpayerEvent,
};
use crate::tenant::{
    ApiKeyIssued, ApiKeyIssuedV1, ApiKeyRevoked, RateLimit, RateLimitSet, Scope, TenantCreated,
    TenantEvent,
};
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
        receiver: crate::invoice::Receiver {
            email: crate::values::EmailAddress::parse("compras@cliente.com.ar").ok(),
            address: Some("Av. Corrientes 1234, CABA".to_owned()),
            ..factura_a().receiver
        },
        ..factura_a()
    }
}

/// An `invoice.requested` as version 1 stored it: no receiver email or address.
pub fn invoice_requested_v1() -> serde_json::Value {
    let mut data = requested(rich_request()).remove(0).to_data();
    if let Some(receiver) = data["receiver"].as_object_mut() {
        receiver.remove("email");
        receiver.remove("address");
    }
    data
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
        InvoiceEvent::NumberReleased(InvoiceNumberReleased {
            number: 1836,
            reason: "not_processed".to_owned(),
        }),
        InvoiceEvent::WebhookDelivered(crate::invoice::WebhookDelivered {
            subscription_id: uuid::Uuid::from_u128(0x51),
            delivery_id: uuid::Uuid::from_u128(0xd1),
            event_id: uuid::Uuid::from_u128(0xe1),
            attempts: 3,
            last_status: 204,
            duration_ms: 65_000,
        }),
        InvoiceEvent::WebhookDeliveryFailed(crate::invoice::WebhookDeliveryFailed {
            subscription_id: uuid::Uuid::from_u128(0x51),
            delivery_id: uuid::Uuid::from_u128(0xd2),
            event_id: uuid::Uuid::from_u128(0xe2),
            attempts: 7,
            last_status: None,
            last_error: Some("timeout".to_owned()),
            duration_ms: 90_000_000,
        }),
        InvoiceEvent::DocumentIssued(crate::invoice::DocumentIssued {
            sha256: "ab".repeat(32),
            bytes: 39_635,
            key: "0190b3a2-7c4e-7d1a-9f3e-2b8c5d6e7f80/20267565393/00001-00000042-006.pdf"
                .to_owned(),
            template_version: "1".to_owned(),
        }),
        InvoiceEvent::Emailed(crate::invoice::InvoiceEmailed {
            to: crate::values::EmailAddress::parse("compras@cliente.com.ar")
                .unwrap_or_else(|e| panic!("{e}")),
            message_id: "<invoice-0190b3a2@arca.invalid>".to_owned(),
            template_version: Some("1".to_owned()),
            attempts: 2,
        }),
        InvoiceEvent::EmailFailed(crate::invoice::InvoiceEmailFailed {
            to: crate::values::EmailAddress::parse("compras@cliente.com.ar")
                .unwrap_or_else(|e| panic!("{e}")),
            attempts: 5,
            last_error: "connection refused".to_owned(),
        }),
    ]);
    events
}

/// A content digest made of one repeated byte, for examples.
pub fn digest(byte: u8) -> ContentDigest {
    let hex = format!("{byte:02x}").repeat(32);
    ContentDigest::parse(&hex).unwrap_or_else(|| panic!("bad test digest {hex}"))
}

/// One series event of every type: a batch of two where the second is not processed, then a
/// lost answer reconciled into a halt and an operator's resume.
pub fn series_events() -> Vec<SeriesEvent> {
    let (a, b) = (
        InvoiceId(Uuid::from_u128(0xA)),
        InvoiceId(Uuid::from_u128(0xB)),
    );
    let reservation = |number, invoice_id, byte| Reservation {
        number,
        invoice_id,
        content_digest: digest(byte),
    };
    let submitted = |number, invoice_id, byte| SubmittedNumber {
        number,
        invoice_id,
        fingerprint: digest(byte).at(number),
    };
    let authorized = DetailOutcome::Authorized {
        cae: "71263951827464".to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    };
    vec![
        SeriesEvent::Opened(SeriesOpened {
            last_authorized: 1835,
            opened_at: NOW,
        }),
        SeriesEvent::NumbersReserved(NumbersReserved {
            reservations: vec![reservation(1836, a, 1), reservation(1837, b, 2)],
        }),
        SeriesEvent::SubmissionStarted(SubmissionStarted {
            from: 1836,
            to: 1837,
            numbers: vec![submitted(1836, a, 1), submitted(1837, b, 2)],
            request_hash: "ab12".repeat(16),
            started_at: NOW,
        }),
        SeriesEvent::SubmissionCompleted(SubmissionCompleted {
            from: 1836,
            to: 1837,
            response_hash: "cd34".repeat(16),
            results: vec![
                NumberOutcome::new(1836, authorized),
                NumberOutcome::new(1837, DetailOutcome::NotProcessed),
            ],
            completed_at: NOW,
        }),
        SeriesEvent::NumbersReleased(NumbersReleased {
            from: 1837,
            invoices: vec![ReleasedNumber {
                number: 1837,
                invoice_id: b,
            }],
            reason: ReleaseReason::SubmissionFailed,
        }),
        SeriesEvent::Blocked(SeriesBlocked {
            from: 1837,
            to: 1838,
            reason: UncertainReason::Timeout,
            blocked_at: NOW,
        }),
        SeriesEvent::NumbersRecovered(NumbersRecovered {
            numbers: vec![RecoveredNumber {
                number: 1837,
                invoice_id: b,
                cae: "71263951827465".to_owned(),
                cae_due_date: date!(2025 - 07 - 11),
            }],
        }),
        SeriesEvent::Unblocked(SeriesUnblocked {
            resendable: vec![ReleasedNumber {
                number: 1838,
                invoice_id: a,
            }],
            unblocked_at: NOW,
        }),
        SeriesEvent::Halted(SeriesHalted {
            number: 1838,
            invoice_id: a,
            expected: digest(1).at(1838),
            found: digest(3).at(1838),
            halted_at: NOW,
        }),
        SeriesEvent::Resumed(SeriesResumed {
            last_authorized: 1838,
            resumed_at: NOW,
        }),
        SeriesEvent::RequestsQueued(RequestsQueued {
            invoices: vec![QueuedRequest {
                invoice_id: a,
                content_digest: digest(1),
            }],
            reason: Some(ParkReason::WaitingForCertificate),
            queued_at: NOW,
        }),
        SeriesEvent::Parked(SeriesParked {
            reason: ParkReason::CertificateRefused,
            detail: "WSAA refused the certificate: cms.cert.expired".to_owned(),
            parked_at: NOW,
        }),
        SeriesEvent::Stalled(SeriesStalled {
            reason: StallReason::RepeatedOutOfSequence,
            failures: 5,
            from: 1839,
            to: 1840,
            stalled_at: NOW,
        }),
        SeriesEvent::ResumeRequested(ResumeRequested { requested_at: NOW }),
    ]
}

/// One taxpayer event of every type.
pub fn taxpayer_events() -> Vec<TaxpayerEvent> {
    let key_id = Uuid::from_u128(0xCE27);
    let fingerprint = "ab".repeat(32);
    let not_after = NOW + time::Duration::days(20);
    let mut events = ri_taxpayer_events();
    events.extend([
        TaxpayerEvent::CertificateRequested(CertificateRequested {
            cuit: cuit("20267565393"),
            key_id,
            subject: "C=AR,O=Empresa de Prueba SA,CN=facturacion,serialNumber=CUIT 20267565393"
                .to_owned(),
            public_key_sha256: "cd".repeat(32),
            requested_at: NOW,
        }),
        TaxpayerEvent::CertificateInstalled(CertificateInstalled {
            cuit: cuit("20267565393"),
            key_id,
            fingerprint_sha256: fingerprint.clone(),
            serial: "5a1c0ffee0".to_owned(),
            subject: "serialNumber=CUIT 20267565393,CN=facturacion".to_owned(),
            not_before: NOW - time::Duration::days(700),
            not_after,
            environment: Environment::Homologacion,
            installed_at: NOW,
        }),
        TaxpayerEvent::CertificateExpiring(CertificateExpiring {
            cuit: cuit("20267565393"),
            fingerprint_sha256: fingerprint,
            not_after,
            days_left: 20,
        }),
    ]);
    events
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
            secret_prefix: Some("0f0f0f0f".to_owned()),
            label: "ci".to_owned(),
            scopes: vec![Scope::InvoicesWrite, Scope::InvoicesRead],
            expires_at: Some(NOW + time::Duration::days(90)),
            issued_at: NOW,
        }),
        TenantEvent::ApiKeyRevoked(ApiKeyRevoked {
            key_id,
            revoked_at: NOW,
        }),
        TenantEvent::RateLimitSet(RateLimitSet {
            limit: Some(RateLimit {
                per_second: 50,
                burst: 100,
            }),
            set_at: NOW,
        }),
        TenantEvent::ContactEmailSet(crate::tenant::ContactEmailSet {
            email: crate::values::EmailAddress::parse("admin@empresa.com.ar").ok(),
            set_at: NOW,
        }),
    ]
}

/// `tenant.api_key_issued` as version 1 stored it, before keys had scopes and expiry.
pub fn api_key_issued_v1() -> ApiKeyIssuedV1 {
    ApiKeyIssuedV1 {
        key_id: ApiKeyId(Uuid::from_u128(0xF00D)),
        secret_hash: "0f".repeat(32),
        label: "default".to_owned(),
        issued_at: NOW,
    }
}

/// `taxpayer.registered` as version 1 stored it, before issuers had an address.
pub fn taxpayer_registered_v1() -> crate::taxpayer::TaxpayerRegisteredV1 {
    crate::taxpayer::TaxpayerRegisteredV1 {
        cuit: cuit("20267565393"),
        legal_name: "Empresa de Prueba SA".to_owned(),
        iva_condition: crate::values::IssuerIvaCondition::ResponsableInscripto,
        gross_income_number: Some("901-123456-7".to_owned()),
        activity_start_date: Some(date!(2010 - 01 - 01)),
        registered_at: NOW,
    }
}

/// One of every webhook subscription event.
pub fn webhook_events() -> Vec<crate::webhook::SubscriptionEvent> {
    use crate::webhook::{
        DeliveryExhausted, DisableReason, SecretRotated, SubscriptionCreated, SubscriptionDeleted,
        SubscriptionDisabled, SubscriptionEnabled, SubscriptionEvent as E, SubscriptionPaused,
        SubscriptionResumed, SubscriptionUpdated, TestRequested,
    };
    let subscription_id = crate::ids::SubscriptionId(Uuid::from_u128(0x5B));
    vec![
        E::Created(SubscriptionCreated {
            subscription_id,
            url: "https://hooks.example.com/arca".to_owned(),
            event_types: vec!["invoice.authorized".to_owned()],
            description: Some("erp".to_owned()),
            key_id: Uuid::from_u128(0x1),
        }),
        E::Updated(SubscriptionUpdated {
            url: Some("https://hooks.example.com/v2".to_owned()),
            event_types: Some(vec![]),
            description: None,
        }),
        E::Paused(SubscriptionPaused {}),
        E::Resumed(SubscriptionResumed {}),
        E::SecretRotated(SecretRotated {
            key_id: Uuid::from_u128(0x2),
            previous_key_id: Uuid::from_u128(0x1),
            previous_valid_until: NOW,
        }),
        E::Disabled(SubscriptionDisabled {
            reason: DisableReason::Gone410,
            since: NOW,
        }),
        E::Enabled(SubscriptionEnabled {}),
        E::TestRequested(TestRequested {
            subscription_id,
            test_id: Uuid::from_u128(0x7),
        }),
        E::DeliveryExhausted(DeliveryExhausted {
            delivery_id: Uuid::from_u128(0xD),
            event_id: Uuid::from_u128(0xE),
            attempts: 7,
        }),
        E::Deleted(SubscriptionDeleted {}),
    ]
}

/// An outage of the simulator and its end.
pub fn arca_service_events() -> Vec<ArcaServiceEvent> {
    vec![
        ArcaServiceEvent::Unavailable(ArcaUnavailable {
            environment: Environment::Sim,
            since: NOW,
            reason: "transport error in FECAESolicitar: HTTP 500".to_owned(),
            consecutive_failures: 5,
        }),
        ArcaServiceEvent::Available(ArcaAvailable {
            environment: Environment::Sim,
            unavailable_since: NOW,
            at: NOW + time::Duration::seconds(3),
            downtime_ms: 3_000,
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
        .chain(stored(series_events()))
        .chain(stored(taxpayer_events()))
        .chain(stored(tenant_events()))
        .chain(stored(webhook_events()))
        .chain(stored(arca_service_events()))
        .chain([
            (
                "tenant.api_key_issued",
                1,
                crate::aggregate::encode(&api_key_issued_v1()),
            ),
            (
                "taxpayer.registered",
                1,
                crate::aggregate::encode(&taxpayer_registered_v1()),
            ),
            ("invoice.requested", 1, invoice_requested_v1()),
        ])
        .collect()
}

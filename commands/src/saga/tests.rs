//! How often the saga writes to an invoice; a worker stopping between an outcome recorded on
//! the series and the same outcome recorded on its invoices (the next driver finishes the
//! invoices and asks ARCA nothing again); a blocked series in an intake batch beside others; an
//! issuer without a certificate parked while another issuer's invoices go on.

#![allow(clippy::unwrap_used)] // test set-up panics on failure by design

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use async_trait::async_trait;
use domain::invoice::{Invoice, InvoiceCommand, InvoiceStatus};
use domain::series::{DetailOutcome, Environment, Finding, UncertainReason};
use domain::testing::{NOW, factura_b};
use domain::{EventMetadata, GlobalPosition, InvoiceId, NewEvent, RecordedEvent, StreamId};
use eventstore::{
    AppendOutcome, ExpectedVersion, InMemoryEventStore, ReadOptions, StoreDouble, StoreError,
};
use prometheus::Registry;
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

use super::*;
use crate::ports::Clock;

const TENANT: TenantId = TenantId(Uuid::from_u128(7));

/// Appends fail for invoice streams once the series recorded an answer, until `resume`.
#[derive(Default)]
struct Stopping {
    inner: InMemoryEventStore,
    stopped: AtomicBool,
}

#[async_trait]
impl StoreDouble for Stopping {
    fn store(&self) -> &InMemoryEventStore {
        &self.inner
    }

    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        if self.stopped.load(Ordering::SeqCst) && stream.as_str().starts_with("invoice-") {
            return Err(StoreError::Invalid("the worker stopped".to_owned()));
        }
        let outcome = self.inner.append(stream, expected, events).await?;
        if events
            .iter()
            .any(|e| e.event_type == "series.submission_completed")
        {
            self.stopped.store(true, Ordering::SeqCst);
        }
        Ok(outcome)
    }
}

/// ARCA authorizing everything, counting the calls; the answers for one point of sale are
/// lost when `doubting` names it.
#[derive(Default)]
struct Approving {
    calls: AtomicU32,
    doubting: Option<u32>,
    /// The point of sale whose issuer has no certificate (while set).
    uncertified: std::sync::Mutex<Option<u32>>,
}

impl Approving {
    fn certified(&self, key: &SeriesKey) -> Result<(), GatewayError> {
        if *self.uncertified.lock().unwrap() == Some(key.point_of_sale) {
            return Err(GatewayError::NoCertificate("no certificate".to_owned()));
        }
        Ok(())
    }
}

#[async_trait]
impl ArcaGateway for Approving {
    async fn ready(&self, _: TenantId, key: &SeriesKey) -> Result<(), GatewayError> {
        self.certified(key)
    }

    async fn last_authorized(&self, _: TenantId, key: &SeriesKey) -> Result<u64, GatewayError> {
        self.certified(key)?;
        Ok(0)
    }

    fn request_hash(&self, _: &SeriesKey, _: &[Voucher]) -> String {
        "request".to_owned()
    }

    async fn authorize(
        &self,
        _: TenantId,
        key: &SeriesKey,
        batch: &[Voucher],
    ) -> Result<BatchAnswer, GatewayError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.doubting == Some(key.point_of_sale) {
            return Err(GatewayError::Uncertain {
                reason: UncertainReason::Timeout,
                detail: "no answer".to_owned(),
            });
        }
        let results = batch
            .iter()
            .map(|v| {
                domain::series::NumberOutcome::new(
                    v.number,
                    DetailOutcome::Authorized {
                        cae: format!("{:014}", 70_000_000_000_000 + v.number),
                        cae_due_date: date!(2025 - 07 - 11),
                        observations: vec![],
                    },
                )
            })
            .collect();
        Ok(BatchAnswer {
            response_hash: "response".to_owned(),
            results,
        })
    }

    async fn consult(&self, _: TenantId, _: &SeriesKey, _: u64) -> Result<Finding, GatewayError> {
        Err(GatewayError::NotSent("not expected".to_owned()))
    }
}

struct Fixed;

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

fn saga(store: &Arc<impl EventStore + 'static>, gateway: &Arc<Approving>) -> Saga {
    let metrics = CommandMetrics::register(&Registry::new()).unwrap();
    Saga::new(
        store.clone(),
        metrics,
        Arc::new(Fixed),
        gateway.clone(),
        Environment::Homologacion,
    )
}

async fn request(saga: &Saga, n: u128) -> RecordedEvent {
    request_at(saga, n, 1).await
}

/// Requests invoice `n` at point of sale `point_of_sale`.
async fn request_at(saga: &Saga, n: u128, point_of_sale: u32) -> RecordedEvent {
    let request = domain::invoice::RequestInvoice {
        invoice_id: InvoiceId(Uuid::from_u128(n)),
        point_of_sale,
        ..factura_b()
    };
    let command = Command::<Invoice> {
        stream: Invoice::stream_id(request.invoice_id),
        command: InvoiceCommand::from(request),
        metadata: EventMetadata::for_tenant(TENANT),
        expected: None,
        fresh_stream: true,
        event_ids: EventIds::Fresh,
    };
    let executed = handler::execute(&saga.store, &saga.metrics, &saga.context(), command)
        .await
        .unwrap();
    let position = executed.outcome.unwrap().position;
    let all = saga
        .store
        .read_all(GlobalPosition::default(), 1000)
        .await
        .unwrap();
    all.into_iter().find(|e| e.position == position).unwrap()
}

/// Requests invoices 1, 2 and 3 of one series and takes them in; answers their series.
async fn three_requested_in_one_series(saga: &Saga) -> (TenantId, SeriesKey) {
    let mut requested = Vec::new();
    for n in 1..=3 {
        requested.push(request(saga, n).await);
    }
    let series = saga.intake(&requested).await.unwrap();
    let [one] = series.as_slice() else {
        panic!("one series: {series:?}")
    };
    *one
}

#[tokio::test]
async fn the_next_driver_records_on_the_invoices_an_answer_the_series_already_has() {
    let store = Arc::new(Stopping::default());
    let gateway = Arc::new(Approving::default());
    let first = saga(&store, &gateway);
    let (tenant, key) = three_requested_in_one_series(&first).await;

    // The answer reaches the series; the worker stops before the invoices hear of it.
    assert!(first.drive(tenant, &key).await.is_err());
    store.stopped.store(false, Ordering::SeqCst);

    let next = saga(&store, &gateway);
    next.drive(tenant, &key).await.unwrap();
    let ids: Vec<InvoiceId> = (1..=3).map(|n| InvoiceId(Uuid::from_u128(n))).collect();
    let invoices = next.read_invoices(tenant, &ids).await.unwrap();
    let seen: Vec<_> = invoices
        .iter()
        .map(|(invoice, _)| (invoice.status(), invoice.number()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some(InvoiceStatus::Authorized), Some(1)),
            (Some(InvoiceStatus::Authorized), Some(2)),
            (Some(InvoiceStatus::Authorized), Some(3)),
        ]
    );
    assert_eq!(gateway.calls.load(Ordering::SeqCst), 1, "ARCA asked once");
}

#[tokio::test]
async fn an_invoice_is_written_twice_submitted_with_its_number_then_its_outcome() {
    let store = Arc::new(InMemoryEventStore::new());
    let gateway = Arc::new(Approving::default());
    let saga = saga(&store, &gateway);
    let (tenant, key) = three_requested_in_one_series(&saga).await;
    let types = |n: u128| {
        let store = store.clone();
        async move {
            let stream = Invoice::stream_id(InvoiceId(Uuid::from_u128(n)));
            let events = store
                .read_stream(TENANT, &stream, ReadOptions::default())
                .await
                .unwrap();
            events
                .into_iter()
                .map(|e| (e.event_type, e.data.get("number").cloned()))
                .collect::<Vec<_>>()
        }
    };
    // The numbers are reserved on the series; the invoices hear of them when they are sent.
    for n in 1..=3 {
        assert_eq!(types(n).await, [("invoice.requested".to_owned(), None)]);
    }
    saga.drive(tenant, &key).await.unwrap();
    for n in 1..=3u128 {
        let number = Some(serde_json::json!(n));
        assert_eq!(
            types(n).await,
            [
                ("invoice.requested".to_owned(), None),
                ("invoice.submitted".to_owned(), number.clone()),
                ("invoice.cae_granted".to_owned(), number),
            ]
        );
    }
}

#[tokio::test]
async fn a_blocked_series_does_not_hold_back_the_numbers_of_another_series_in_the_batch() {
    let store = Arc::new(InMemoryEventStore::new());
    let gateway = Arc::new(Approving {
        doubting: Some(1),
        ..Approving::default()
    });
    let saga = saga(&store, &gateway);
    // ARCA's answer for point of sale 1 is lost: its series blocks until reconciled, and the
    // drive stops there (the next one, after a pause, reconciles).
    let (tenant, blocked) = three_requested_in_one_series(&saga).await;
    let drove = saga.drive(tenant, &blocked).await.unwrap();
    assert!(drove.setback, "{drove:?}");
    let (series, _) = saga.load_series(tenant, &blocked).await.unwrap();
    assert_eq!(series.status(), Some(domain::series::SeriesStatus::Blocked));

    // One batch: first an invoice of the blocked series, then one of point of sale 2. Both are
    // numbered: the blocked series' behind its numbers in doubt.
    let batch = [request_at(&saga, 4, 1).await, request_at(&saga, 5, 2).await];
    let touched = saga.intake(&batch).await.unwrap();
    assert_eq!(touched.len(), 2);
    let (series, _) = saga.load_series(tenant, &blocked).await.unwrap();
    assert_eq!(series.number_of(InvoiceId(Uuid::from_u128(4))), Some(4));
    let other = SeriesKey {
        point_of_sale: 2,
        ..blocked
    };
    saga.drive(tenant, &other).await.unwrap();
    let (series, _) = saga.load_series(tenant, &other).await.unwrap();
    assert!(series.settled(InvoiceId(Uuid::from_u128(5))));
}

#[tokio::test]
async fn an_issuer_without_a_certificate_parks_its_series_while_others_get_their_cae() {
    let store = Arc::new(InMemoryEventStore::new());
    let gateway = Arc::new(Approving::default());
    *gateway.uncertified.lock().unwrap() = Some(1);
    let saga = saga(&store, &gateway);
    // Point of sale 1's issuer posts first, then point of sale 2's: one intake batch.
    let batch = [request_at(&saga, 1, 1).await, request_at(&saga, 2, 2).await];
    let touched = saga.intake(&batch).await.unwrap();
    let [(tenant, waiting), (_, going)] = touched.as_slice() else {
        panic!("two series: {touched:?}")
    };
    let drove = saga.drive(*tenant, going).await.unwrap();
    assert_eq!(drove.authorized, 1, "{drove:?}");
    let drove = saga.drive(*tenant, waiting).await.unwrap();
    assert_eq!(
        drove.parked,
        Some(domain::series::ParkReason::WaitingForCertificate)
    );
    let (series, _) = saga.load_series(*tenant, waiting).await.unwrap();
    assert!(series.is_queued(InvoiceId(Uuid::from_u128(1))));
    assert_eq!(
        gateway.calls.load(Ordering::SeqCst),
        1,
        "nothing sent for it"
    );

    // The certificate arrives: the queued invoice is numbered and authorized.
    *gateway.uncertified.lock().unwrap() = None;
    let drove = saga.drive(*tenant, waiting).await.unwrap();
    assert_eq!((drove.authorized, drove.parked), (1, None), "{drove:?}");
}

#[tokio::test]
async fn a_series_opened_under_its_name_without_tenant_goes_on_there_and_a_second_tenant_gets_its_own()
 {
    use domain::DomainEvent as _;
    use domain::series::{SeriesEvent, SeriesOpened};

    let store = Arc::new(InMemoryEventStore::new());
    let gateway = Arc::new(Approving::default());
    let saga = saga(&store, &gateway);
    let key = SeriesKey {
        environment: Environment::Homologacion,
        cuit: factura_b().issuer.cuit,
        point_of_sale: 1,
        voucher_type: factura_b().voucher_type,
    };
    // A series opened at 41 before streams named their tenant.
    let opened = SeriesEvent::Opened(SeriesOpened {
        last_authorized: 41,
        opened_at: NOW,
    });
    let legacy = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: opened.event_type().to_owned(),
        schema_version: 1,
        data: opened.to_data(),
        metadata: EventMetadata::for_tenant(TENANT),
    };
    store
        .append(&key.stream_id(), ExpectedVersion::NoStream, &[legacy])
        .await
        .unwrap();
    let (tenant, series) = three_requested_in_one_series(&saga).await;
    assert_eq!(series, key);
    assert_eq!(saga.stream_of(tenant, &key).await.unwrap(), key.stream_id());
    saga.drive(tenant, &key).await.unwrap();
    let (state, _) = saga.load_series(tenant, &key).await.unwrap();
    assert_eq!(
        state.last_confirmed(),
        44,
        "numbered after 41, no number lost"
    );
    let tenantless = store
        .read_stream(tenant, &key.stream_id(), ReadOptions::default())
        .await
        .unwrap();
    assert!(tenantless.len() > 1, "the old stream goes on");
    let own = store
        .read_stream(tenant, &key.stream_for(tenant), ReadOptions::default())
        .await
        .unwrap();
    assert!(own.is_empty());

    // Another tenant with the same series numbers in a stream of its own.
    let other = TenantId(Uuid::from_u128(8));
    assert_eq!(
        saga.stream_of(other, &key).await.unwrap(),
        key.stream_for(other)
    );
}

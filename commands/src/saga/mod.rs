//! The ARCA submission saga: takes every requested invoice to exactly one CAE or a rejection.
//!
//! Two steps, both safe to repeat after a crash at any point:
//! - [`Saga::intake`] reserves numbers for newly requested invoices in their series' stream
//!   (one per tenant and series, optimistic concurrency, request order) — or queues them there
//!   when the series cannot number yet. It never calls ARCA and never waits for one series'
//!   trouble: whatever one issuer lacks, the intake moves on for everybody;
//! - [`Saga::drive`] takes one series forward: it opens it at ARCA's last number, numbers what
//!   waits in its queue, and sends the lowest reserved numbers (up to 250) in one
//!   `FECAESolicitar`, with the intent recorded before the call (on the series, then on each
//!   invoice, which learns its number there) and the outcome after it; a lost answer blocks the
//!   series until `FECompConsultar` settles every number in doubt. An issuer without a usable
//!   certificate parks its series with the reason; a halted series waits for an operator's
//!   resume.
//!
//! The series' stream is where numbers live until they are sent: an invoice is not written to
//! between its request and its submission, so the saga appends twice per invoice (submitted,
//! then its CAE or rejection) besides one series append per batch.
//!
//! The caller runs `drive` for a series in one process at a time (a lease), and feeds `intake`
//! from the invoice events, retrying a batch it could not take (a blocked series).

mod cache;
mod drive;
mod follow_up;
pub mod gateway;
mod invoices;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use domain::aggregate::{Aggregate as _, Context, Policy};
use domain::invoice::{Invoice, InvoiceEvent, InvoiceRequested};
use domain::series::{ContentDigest, Environment, ReserveNumbers, Series, SeriesKey};
use domain::{DomainEvent, EventMetadata, InvoiceId, RecordedEvent, StreamId, TenantId};
use eventstore::EventStore;

pub use drive::Drive;
pub use gateway::{ArcaGateway, BatchAnswer, GatewayError, Voucher};

use crate::handler::{self, Command, CommandError, EventIds};
use crate::metrics::CommandMetrics;
use crate::ports::Clock;

/// An invoice to number, with the digest of its fiscal content.
type ToReserve = (InvoiceId, ContentDigest);

/// Who the saga's events say acted.
const ACTOR: &str = "saga:arca";

/// Why a step of the saga stopped; nothing half-done is left that a retry would not finish.
#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    /// A command was refused or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// ARCA could not be asked.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// The saga's dependencies.
#[derive(Clone)]
pub struct Saga {
    store: Arc<dyn EventStore>,
    metrics: CommandMetrics,
    clock: Arc<dyn Clock>,
    policy: Policy,
    gateway: Arc<dyn ArcaGateway>,
    environment: Environment,
    applied: Arc<follow_up::Applied>,
    series: Arc<cache::SeriesCache>,
    invoices: Arc<cache::InvoiceCache>,
    streams: Arc<Mutex<HashMap<(TenantId, SeriesKey), StreamId>>>,
}

impl Saga {
    /// A saga for the ARCA `environment`, talking to it through `gateway`.
    pub fn new(
        store: Arc<dyn EventStore>,
        metrics: CommandMetrics,
        clock: Arc<dyn Clock>,
        gateway: Arc<dyn ArcaGateway>,
        environment: Environment,
    ) -> Self {
        Self {
            store,
            metrics,
            clock,
            policy: Policy::default(),
            gateway,
            environment,
            applied: Arc::default(),
            series: Arc::default(),
            invoices: Arc::default(),
            streams: Arc::default(),
        }
    }

    fn context(&self) -> Context {
        Context {
            now: self.clock.now(),
            policy: self.policy.clone(),
        }
    }

    fn metadata(tenant: TenantId) -> EventMetadata {
        EventMetadata {
            actor: Some(ACTOR.to_owned()),
            ..EventMetadata::for_tenant(tenant)
        }
    }

    /// The series an invoice request belongs to.
    pub fn series_of(&self, request: &InvoiceRequested) -> SeriesKey {
        SeriesKey {
            environment: self.environment,
            cuit: request.issuer_cuit,
            point_of_sale: request.point_of_sale,
            voucher_type: request.voucher_type,
        }
    }

    /// Reserves numbers for the invoices requested in `events` (others are ignored), or queues
    /// them in their series when it cannot number yet; returns the series that got work, in
    /// first-seen order. Calls no one but the store.
    ///
    /// # Errors
    /// Store failures (the first, in series order, when several series failed; the others'
    /// reservations are stored): retry the whole batch later (reservations are idempotent per
    /// invoice).
    pub async fn intake(
        &self,
        events: &[RecordedEvent],
    ) -> Result<Vec<(TenantId, SeriesKey)>, SagaError> {
        let mut groups: Vec<((TenantId, SeriesKey), Vec<ToReserve>)> = Vec::new();
        for event in events {
            let Ok(decoded) =
                InvoiceEvent::from_stored(&event.event_type, event.schema_version, &event.data)
            else {
                continue;
            };
            let InvoiceEvent::Requested(request) = &decoded else {
                continue;
            };
            let tenant = event.metadata.tenant_id;
            let key = (tenant, self.series_of(request));
            let numbered = (request.invoice_id, ContentDigest::of_request(request));
            // The request opens its stream: the invoice as it stands until the saga moves it.
            let invoice = Invoice::default().evolve(&decoded);
            self.invoices
                .put((tenant, numbered.0), &invoice, Some(event.stream_version));
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.push(numbered),
                None => groups.push((key, vec![numbered])),
            }
        }
        // Series are independent: their reservations go together (one group commit), each
        // series' own in request order.
        let reserved = groups.iter().map(|((tenant, key), invoices)| async move {
            for chunk in invoices.chunks(domain::series::MAX_BATCH) {
                let invoices = chunk.to_vec();
                self.series_command(*tenant, key, ReserveNumbers { invoices })
                    .await?;
            }
            Ok::<_, SagaError>(())
        });
        for result in futures::future::join_all(reserved).await {
            result?;
        }
        Ok(groups.into_iter().map(|(key, _)| key).collect())
    }

    /// The series' stream for `tenant` ([`crate::series::stream_of`]), looked up once per
    /// process.
    ///
    /// # Errors
    /// Store failures.
    pub async fn stream_of(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
    ) -> Result<StreamId, SagaError> {
        let known = |streams: &Mutex<HashMap<_, StreamId>>| {
            let map = streams.lock().unwrap_or_else(PoisonError::into_inner);
            map.get(&(tenant, *key)).cloned()
        };
        if let Some(stream) = known(&self.streams) {
            return Ok(stream);
        }
        let stream = crate::series::stream_of(&self.store, tenant, key).await?;
        let mut map = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= 16_384 {
            map.clear();
        }
        map.insert((tenant, *key), stream.clone());
        Ok(stream)
    }

    /// The series' current state: the one this process folded last, caught up with what was
    /// appended since.
    async fn load_series(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
    ) -> Result<(Series, Option<u64>), SagaError> {
        let (kept, version) = self.series.get(&(tenant, *key)).unwrap_or_default();
        let stream = self.stream_of(tenant, key).await?;
        let (series, version) =
            handler::catch_up(&self.store, tenant, &stream, kept, version).await?;
        self.series.put((tenant, *key), &series, version);
        Ok((series, version))
    }

    /// Runs `command` on the series, deciding first on the state this process folded last.
    async fn series_command(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        command: impl Into<domain::series::SeriesCommand>,
    ) -> Result<Series, SagaError> {
        let stream = self.stream_of(tenant, key).await?;
        let executed = handler::execute_from(
            &self.store,
            &self.metrics,
            &self.context(),
            Command::<Series> {
                stream,
                command: command.into(),
                metadata: Self::metadata(tenant),
                expected: None,
                fresh_stream: false,
                event_ids: EventIds::Fresh,
            },
            self.series.get(&(tenant, *key)),
        )
        .await?;
        self.series
            .put((tenant, *key), &executed.state, executed.version);
        Ok(executed.state)
    }
}

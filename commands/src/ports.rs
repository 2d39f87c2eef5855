//! Ports the write side needs from the outside world besides the event store.

use domain::{GlobalPosition, TenantId};
use time::OffsetDateTime;

use crate::http::invoices::evidence::ExchangeView;
use crate::http::invoices::view::InvoiceView;

/// Where "now" comes from, so tests can pin it.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that always answers the same instant (tests, replays).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The invoices read model, as the REST reads need it (implemented by the root over the
/// projections' queries). Every call is within one tenant.
#[async_trait::async_trait]
pub trait InvoiceReads: Send + Sync {
    /// One invoice of `tenant`, or `None` (also when it belongs to another tenant).
    async fn invoice(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<InvoiceView>, ReadFailure>;

    /// A page of `tenant`'s invoices, newest first.
    async fn invoices(
        &self,
        tenant: TenantId,
        query: &InvoiceQuery,
    ) -> Result<InvoicePage, ReadFailure>;

    /// The exchanges with ARCA of `tenant` within `scope` (an invoice's series and numbers),
    /// oldest first.
    async fn evidence(
        &self,
        tenant: TenantId,
        scope: &domain::arca_service::ExchangeScope,
    ) -> Result<Vec<ExchangeView>, ReadFailure>;

    /// Waits at most `within` until the read model reflects the log up to `position`; answers
    /// whether it does.
    async fn caught_up(
        &self,
        position: GlobalPosition,
        within: std::time::Duration,
    ) -> Result<bool, ReadFailure>;
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadFailure {
    /// The list cursor was not one this service gave out.
    #[error("the cursor is not one this service gave out")]
    InvalidCursor,
    /// The read model could not be read.
    #[error("the read model could not be read: {0}")]
    Unavailable(String),
}

/// The filters and page of `GET /v1/invoices`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceQuery {
    /// One status.
    pub status: Option<domain::invoice::InvoiceStatus>,
    /// ARCA voucher type code.
    pub voucher_type: Option<u16>,
    /// Point of sale.
    pub point_of_sale: Option<u32>,
    /// The issuer.
    pub issuer_cuit: Option<domain::values::Cuit>,
    /// The receiver's document number.
    pub receiver_document: Option<u64>,
    /// Issued on or after.
    pub issued_from: Option<time::Date>,
    /// Issued on or before.
    pub issued_to: Option<time::Date>,
    /// Total at least.
    pub total_min: Option<rust_decimal::Decimal>,
    /// Total at most.
    pub total_max: Option<rust_decimal::Decimal>,
    /// Text contained in the receiver's name (case-insensitive).
    pub receiver_name: Option<String>,
    /// Page size.
    pub limit: u32,
    /// Where the page starts (from an earlier page's `next_cursor`).
    pub cursor: Option<String>,
}

/// One page of invoices.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct InvoicePage {
    /// The invoices, newest first.
    pub invoices: Vec<InvoiceView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

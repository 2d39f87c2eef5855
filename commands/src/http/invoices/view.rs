//! How an invoice reads through the API.

use domain::{
    RecordedEvent,
    invoice::{ArcaMessage, Invoice, InvoiceRequested, IvaLine, Totals},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{InvoiceAccepted, IvaLineView, TotalsView};

/// An invoice's current state.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    /// Its id.
    pub id: uuid::Uuid,
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    pub status: String,
    /// Version of its stream.
    pub version: u64,
    /// The issuer's CUIT.
    pub issuer_cuit: String,
    /// Point of sale.
    pub point_of_sale: u32,
    /// ARCA voucher type code.
    pub voucher_type: u16,
    /// A, B, C or M.
    pub letter: String,
    /// Voucher number, once assigned.
    pub number: Option<u64>,
    /// 1 products, 2 services, 3 both.
    pub concept: u8,
    /// `YYYY-MM-DD`.
    pub issue_date: String,
    /// The receiver as requested (`document_type`, `document_number`, `name`, `iva_condition`).
    #[schema(value_type = Object)]
    pub receiver: serde_json::Value,
    /// Service period, for concepts 2 and 3.
    #[schema(value_type = Option<Object>)]
    pub service_period: Option<serde_json::Value>,
    /// ARCA currency code.
    pub currency: String,
    /// Pesos per unit of currency.
    pub exchange_rate: String,
    /// Lines with their computed nets.
    #[schema(value_type = Vec<Object>)]
    pub items: serde_json::Value,
    /// IVA per rate.
    pub iva: Vec<IvaLineView>,
    /// Other taxes.
    #[schema(value_type = Vec<Object>)]
    pub tributes: serde_json::Value,
    /// Vouchers a note refers to.
    #[schema(value_type = Vec<Object>)]
    pub associated_vouchers: serde_json::Value,
    /// Totals.
    pub totals: TotalsView,
    /// The CAE, once granted.
    pub cae: Option<String>,
    /// The CAE's due date.
    pub cae_due_date: Option<String>,
    /// ARCA's observations.
    pub observations: Vec<ArcaMessageView>,
    /// ARCA's errors, when rejected.
    pub errors: Vec<ArcaMessageView>,
    /// When it was requested (RFC 3339).
    pub requested_at: String,
}

/// A message from ARCA, in Spanish as ARCA sent it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArcaMessageView {
    /// ARCA's code.
    pub code: u32,
    /// ARCA's text.
    pub message: String,
}

/// An invoice's event history.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceEvents {
    /// Every event of its stream, oldest first, with metadata and global position.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<RecordedEvent>,
}

/// The answer to a successful request, derived from the `invoice.requested` event only, so that
/// an idempotent replay gets the very same answer.
pub fn accepted(requested: &InvoiceRequested) -> InvoiceAccepted {
    InvoiceAccepted {
        id: requested.invoice_id.as_uuid(),
        status: "requested".to_owned(),
        voucher_type: requested.voucher_type.code(),
        letter: requested.voucher_type.class().to_string(),
        point_of_sale: requested.point_of_sale,
        totals: totals(&requested.totals),
        iva: iva_lines(&requested.iva),
    }
}

/// The current state.
pub fn invoice(state: &Invoice, requested: &InvoiceRequested, version: u64) -> InvoiceView {
    let messages = |list: &[ArcaMessage]| list.iter().map(message).collect::<Vec<_>>();
    let json = |value: serde_json::Result<serde_json::Value>| value.unwrap_or_default();
    InvoiceView {
        id: requested.invoice_id.as_uuid(),
        status: state
            .status()
            .map_or("requested", |s| s.as_str())
            .to_owned(),
        version,
        issuer_cuit: requested.issuer_cuit.to_string(),
        point_of_sale: requested.point_of_sale,
        voucher_type: requested.voucher_type.code(),
        letter: requested.voucher_type.class().to_string(),
        number: state.number(),
        concept: requested.concept.code(),
        issue_date: domain::values::date::format(requested.issue_date),
        receiver: json(serde_json::to_value(&requested.receiver)),
        service_period: requested
            .service_period
            .as_ref()
            .map(|p| json(serde_json::to_value(p))),
        currency: requested.currency.code().to_owned(),
        exchange_rate: requested.exchange_rate.value().to_string(),
        items: json(serde_json::to_value(&requested.items)),
        iva: iva_lines(&requested.iva),
        tributes: json(serde_json::to_value(&requested.tributes)),
        associated_vouchers: json(serde_json::to_value(&requested.associated)),
        totals: totals(&requested.totals),
        cae: state.authorization().map(|a| a.cae.clone()),
        cae_due_date: state
            .authorization()
            .map(|a| domain::values::date::format(a.cae_due_date)),
        observations: state
            .authorization()
            .map(|a| messages(&a.observations))
            .or_else(|| state.rejection().map(|r| messages(&r.observations)))
            .unwrap_or_default(),
        errors: state
            .rejection()
            .map(|r| messages(&r.errors))
            .unwrap_or_default(),
        requested_at: requested
            .requested_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

fn message(m: &ArcaMessage) -> ArcaMessageView {
    ArcaMessageView {
        code: m.code,
        message: m.message.clone(),
    }
}

fn totals(t: &Totals) -> TotalsView {
    TotalsView {
        not_taxed: t.not_taxed.to_string(),
        net: t.net.to_string(),
        exempt: t.exempt.to_string(),
        tributes: t.tributes.to_string(),
        iva: t.iva.to_string(),
        total: t.total.to_string(),
    }
}

fn iva_lines(lines: &[IvaLine]) -> Vec<IvaLineView> {
    lines
        .iter()
        .map(|line| IvaLineView {
            rate: line.rate.label().to_owned(),
            arca_id: line.rate.id(),
            base: line.base.to_string(),
            amount: line.amount.to_string(),
        })
        .collect()
}

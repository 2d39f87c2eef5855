//! `/v1/invoice-drafts`: an invoice draft read from plain Spanish by the deterministic parser
//! ([`commands::drafts`]), which also recognises the receivers the tenant has invoiced by name
//! (from the invoices read model). Only a draft: nothing is stored and nothing is issued from it.

use std::collections::BTreeMap;

use axum::{Json, extract::State, response::IntoResponse, response::Response};
use commands::{
    drafts::{self, Draft, DraftContext, DraftItem, DraftProblem, KnownReceiver},
    tenants::Principal,
};
use domain::{
    TenantId,
    values::{Cuit, DocType, IvaCondition, date},
};
use projections::query;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{error::ApiError, extract::ApiJson, fields::Fields, state::AppState};

/// Receivers by name the parser is told about (the tenant's most recent distinct ones).
const KNOWN_RECEIVERS: i64 = 500;

/// Namespace of draft ids, derived from (tenant, issuer, trimmed text).
const DRAFT_ID: Uuid = Uuid::from_u128(0x3d8e_51a7_c2f4_4b09_9a6e_71d5_0c3b_e812);

/// Body of `POST /v1/invoice-drafts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// What to invoice, in Spanish. An empty text, or one of more than 10,000 characters,
    /// answers a draft whose `problems` say so (`empty_text`, `text_too_long`).
    #[schema(value_type = crate::shapes::Text,
             example = "Factura B a consumidor final por 2 horas de consultoría a $5000 + IVA")]
    pub text: String,
    /// The issuer, registered with `POST /v1/taxpayers`: its IVA condition decides letters A/B/C.
    #[schema(value_type = Option<crate::shapes::Cuit>)]
    pub issuer_cuit: Option<String>,
}

/// A draft: what the text says, how sure the parser is, and what is assumed, missing or wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    /// Derived from the tenant, the issuer and the trimmed text: the same text gives the same id.
    pub id: Uuid,
    /// The text as sent.
    pub text: String,
    /// ARCA voucher type code (1 Factura A, 6 Factura B, 11 Factura C …).
    pub voucher_type: Option<u16>,
    /// 1 products, 2 services, 3 both.
    pub concept: Option<u8>,
    /// The receiver as far as the text tells.
    pub receiver: DraftReceiverView,
    /// The lines.
    pub items: Vec<DraftItemView>,
    /// ARCA currency code (`PES` unless another is named).
    pub currency: String,
    /// Pesos per unit of a foreign currency, when given.
    #[schema(value_type = Option<crate::shapes::DecimalString>)]
    pub exchange_rate: Option<String>,
    /// Service period, for services.
    pub service_period: Option<DraftPeriodView>,
    /// Payment due date (`YYYY-MM-DD`).
    #[schema(value_type = Option<crate::shapes::CalendarDate>)]
    pub payment_due: Option<String>,
    /// The voucher a note refers to.
    pub associated: Option<DraftAssociatedView>,
    /// Confidence per field (`voucher_type`, `items`, `receiver.document` …), 0 to 1.
    pub confidence: BTreeMap<String, f32>,
    /// What was assumed, in Spanish sentences.
    pub assumed: Vec<String>,
    /// Required fields the text does not give.
    pub missing: Vec<String>,
    /// What the domain's rules refuse.
    pub problems: Vec<DraftProblemView>,
}

/// The receiver of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftReceiverView {
    /// Name or company name.
    pub name: Option<String>,
    /// ARCA document type (80 CUIT, 96 DNI, 99 none …).
    pub document_type: Option<u16>,
    /// Document number, as digits.
    pub document_number: Option<String>,
    /// `CondicionIVAReceptorId`.
    pub iva_condition: Option<u16>,
}

/// One line of a draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftItemView {
    /// What is sold.
    pub description: String,
    /// How many.
    #[schema(value_type = crate::shapes::DecimalString)]
    pub quantity: String,
    /// Price of one, net of IVA (as read, for class C).
    #[schema(value_type = crate::shapes::DecimalString)]
    pub unit_price: String,
    /// IVA percentage (`"21"`, `"10.5"` …); null for class C.
    pub iva_rate: Option<String>,
}

/// The period a service draft covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftPeriodView {
    /// `YYYY-MM-DD`.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub from: String,
    /// `YYYY-MM-DD`.
    #[schema(value_type = crate::shapes::CalendarDate)]
    pub to: String,
}

/// The voucher a note refers to.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftAssociatedView {
    /// ARCA voucher type code.
    pub voucher_type: u16,
    /// Point of sale.
    pub point_of_sale: u32,
    /// Voucher number.
    pub number: u64,
}

/// A field-level problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftProblemView {
    /// The field at fault (`text`, `voucher_type`, `items` …).
    pub field: String,
    /// Stable snake_case code.
    pub code: String,
    /// What is wrong, in Spanish.
    pub detail: String,
}

/// Reads an invoice draft from a Spanish text. Nothing is stored or issued.
#[utoipa::path(post, path = "/v1/invoice-drafts", operation_id = "draft_invoice", tag = "invoices",
    request_body = DraftBody,
    responses((status = 200, body = DraftView, description = "The draft, with what is missing or wrong"),
              (status = 422, body = super::Problem, description = "`invalid_cuit`, or `issuer_not_registered`")),
    security(("api_key" = [])))]
#[tracing::instrument(name = "drafts.create", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson { value: body, .. }: ApiJson<DraftBody>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    let issuer = body
        .issuer_cuit
        .as_deref()
        .and_then(|text| fields.take("issuer_cuit", Cuit::parse(text.trim())));
    fields.finish()?;
    let condition = match issuer {
        Some(cuit) => match state.issuers().get(principal.tenant_id, cuit).await? {
            Some((snapshot, _)) => Some(snapshot.iva_condition),
            None => return Err(super::invoices::issuer_not_registered(cuit)),
        },
        None => None,
    };
    let ctx = DraftContext {
        today: date::argentina_today(state.context().now),
        known_receivers: known_receivers(&state, principal.tenant_id).await?,
        issuer: condition,
    };
    let draft = drafts::parse(&body.text, &ctx);
    let id = draft_id(principal.tenant_id, issuer, &body.text);
    Ok(Json(view(id, body.text, draft)).into_response())
}

/// The receivers the tenant has invoiced by name, for the parser to recognise (rows whose codes
/// this build does not know are left out).
async fn known_receivers(
    state: &AppState,
    tenant: TenantId,
) -> Result<Vec<KnownReceiver>, ApiError> {
    let rows = query::known_receivers(state.reads(), tenant, KNOWN_RECEIVERS).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(KnownReceiver {
                doc_type: DocType::from_code(u16::try_from(row.doc_type).ok()?).ok()?,
                doc_number: u64::try_from(row.doc_number).ok()?,
                iva_condition: IvaCondition::from_code(u16::try_from(row.iva_condition).ok()?)
                    .ok()?,
                name: row.name,
            })
        })
        .collect())
}

/// The draft id of `text` for the tenant and issuer.
fn draft_id(tenant: TenantId, issuer: Option<Cuit>, text: &str) -> Uuid {
    let issuer = issuer.map(|c| c.to_string()).unwrap_or_default();
    let name = format!("{tenant}\n{issuer}\n{}", text.trim());
    Uuid::new_v5(&DRAFT_ID, name.as_bytes())
}

fn view(id: Uuid, text: String, draft: Draft) -> DraftView {
    let receiver = draft.receiver;
    DraftView {
        id,
        text,
        voucher_type: draft.voucher_type.map(|v| v.code()),
        concept: draft.concept.map(|c| c.code()),
        receiver: DraftReceiverView {
            name: receiver.name,
            document_type: receiver.doc_type.map(|d| d.code()),
            document_number: receiver.doc_number.map(|n| n.to_string()),
            iva_condition: receiver.iva_condition.map(|c| c.code()),
        },
        items: draft.items.into_iter().map(item).collect(),
        currency: draft.currency.to_string(),
        exchange_rate: draft.exchange_rate.map(|r| r.to_string()),
        service_period: draft.service_period.map(|p| DraftPeriodView {
            from: date::format(p.from),
            to: date::format(p.to),
        }),
        payment_due: draft.payment_due.map(date::format),
        associated: draft.associated.map(|a| DraftAssociatedView {
            voucher_type: a.voucher_type.code(),
            point_of_sale: a.point_of_sale,
            number: a.number,
        }),
        confidence: draft
            .confidence
            .into_iter()
            .map(|(field, value)| (field.name().to_owned(), value))
            .collect(),
        assumed: draft.assumed,
        missing: draft.missing,
        problems: draft.problems.into_iter().map(problem).collect(),
    }
}

fn item(item: DraftItem) -> DraftItemView {
    DraftItemView {
        description: item.description,
        quantity: item.quantity.normalize().to_string(),
        unit_price: item.unit_price.to_string(),
        iva_rate: item.iva_rate.map(|r| r.label().to_owned()),
    }
}

fn problem(problem: DraftProblem) -> DraftProblemView {
    DraftProblemView {
        field: problem.field.name().to_owned(),
        code: problem.code.to_owned(),
        detail: problem.detail,
    }
}

//! `GET /v1/invoices/{id}/evidence`: every exchange with ARCA about the invoice's numbers — the
//! request sent (ticket redacted) and the response received — for the audit of its CAE.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use domain::{
    InvoiceId, aggregate::DomainEvent as _, arca_service::ExchangeScope, invoice::InvoiceEvent,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{error::ApiError, extract::ApiPath, state::AppState};
use commands::tenants::Principal;

/// One call to ARCA about a number the invoice had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExchangeView {
    /// `FECAESolicitar` or `FECompConsultar`.
    pub operation: String,
    /// The first and last number the request was about (a batch covers several invoices).
    pub number_from: u64,
    /// See `number_from`.
    pub number_to: u64,
    /// When the call started (RFC 3339).
    pub started_at: String,
    /// When its answer (or its failure) came (RFC 3339).
    pub finished_at: String,
    /// SHA-256 (hex) of `request_xml`; for an authorization, the request hash its intent recorded.
    pub request_hash: String,
    /// SHA-256 (hex) of `response_xml`, when a response came.
    pub response_hash: Option<String>,
    /// The SOAP envelope sent, with the ticket's token and sign as `[redacted]`.
    pub request_xml: String,
    /// The response body as received; null when it was lost.
    pub response_xml: Option<String>,
    /// Why the call gave no usable answer, if it did not.
    pub error: Option<String>,
}

/// An invoice's evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceEvidence {
    /// Its exchanges with ARCA, oldest first.
    pub exchanges: Vec<ExchangeView>,
}

/// An invoice's exchanges with ARCA, with their XML: the evidence behind its CAE.
#[utoipa::path(get, path = "/v1/invoices/{id}/evidence", operation_id = "get_invoice_evidence", tag = "invoices",
    params(("id" = Uuid, Path, description = "The invoice id")),
    responses((status = 200, body = InvoiceEvidence), (status = 404, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.evidence", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn evidence(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let recorded = super::history(&state, principal.tenant_id, InvoiceId(id)).await?;
    if recorded.is_empty() {
        return Err(ApiError::not_found("no such invoice"));
    }
    let events = recorded
        .iter()
        .map(|e| InvoiceEvent::from_stored(&e.event_type, e.schema_version, &e.data))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("invoice {id}: {e}")))?;
    let exchanges = match ExchangeScope::of(&events) {
        Some(scope) => super::rows::evidence(state.reads(), principal.tenant_id, &scope).await?,
        None => Vec::new(),
    };
    Ok(Json(InvoiceEvidence { exchanges }).into_response())
}

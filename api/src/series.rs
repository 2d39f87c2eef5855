//! `/v1/taxpayers/{cuit}/series/{pos}/{type}`: a numbering series as its tenant sees it, and an
//! operator's resume of a halted one.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use domain::series::{Series, SeriesKey, SeriesStatus, StallReason};
use domain::values::VoucherType;
use serde::Serialize;
use utoipa::ToSchema;

use super::{error::ApiError, extract::ApiPath, extract::CommandHeaders, state::AppState};
use commands::tenants::Principal;

/// A numbering series: where its numbers stand and what, if anything, holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesView {
    /// The issuer's CUIT.
    pub issuer_cuit: String,
    /// Point of sale.
    pub point_of_sale: u32,
    /// ARCA voucher type code.
    pub voucher_type: u16,
    /// ARCA environment.
    pub environment: String,
    /// `new` (not opened at ARCA yet), `open`, `blocked` (reconciling a lost answer) or `halted`
    /// (waiting for an operator's resume).
    #[schema(example = "halted")]
    pub status: String,
    /// Why its invoices wait, when they do: `waiting_for_certificate`, `certificate_refused` or
    /// `series_halted`.
    pub waiting_reason: Option<String>,
    /// Why it halted: `conflict` (ARCA holds other content at one of our numbers),
    /// `repeated_out_of_sequence` or `repeated_failures` (submissions failed too often in a row).
    pub halted_because: Option<String>,
    /// An operator asked to resume it; the saga does so after reading ARCA's last number.
    pub resume_requested: bool,
    /// The last number ARCA confirmed to us.
    pub last_confirmed: u64,
    /// Invoices waiting for a number.
    pub queued: usize,
}

/// A series of the caller's tenant.
#[utoipa::path(get, path = "/v1/taxpayers/{cuit}/series/{point_of_sale}/{voucher_type}",
    operation_id = "get_series", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT"),
           ("point_of_sale" = u32, Path, minimum = 1, maximum = 99998, description = "Point of sale"),
           ("voucher_type" = u16, Path, minimum = 1, maximum = 999, description = "ARCA voucher type code")),
    responses((status = 200, body = SeriesView), (status = 404, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "series.get", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(path): ApiPath<(String, u32, u16)>,
) -> Result<Response, ApiError> {
    let key = series_key(&state, &path)?;
    let (series, version) =
        commands::series::load(state.store(), principal.tenant_id, &key).await?;
    if version.is_none() {
        return Err(no_such_series());
    }
    Ok(Json(view(&key, &series)).into_response())
}

/// Asks for a halted series to be resumed: the saga reads ARCA's last authorized number
/// (`FECompUltimoAutorizado`), restarts the series after it and numbers its waiting invoices
/// again. Asking twice changes nothing.
#[utoipa::path(post, path = "/v1/taxpayers/{cuit}/series/{point_of_sale}/{voucher_type}/resume",
    operation_id = "resume_series", tag = "taxpayers",
    params(("cuit" = crate::shapes::Cuit, Path, description = "The issuer's CUIT"),
           ("point_of_sale" = u32, Path, minimum = 1, maximum = 99998, description = "Point of sale"),
           ("voucher_type" = u16, Path, minimum = 1, maximum = 999, description = "ARCA voucher type code")),
    responses((status = 202, body = SeriesView), (status = 404, body = super::Problem),
              (status = 409, description = "The series is not halted (`series_not_halted`)", body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "series.resume", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    ApiPath(path): ApiPath<(String, u32, u16)>,
) -> Result<Response, ApiError> {
    let key = series_key(&state, &path)?;
    let executed = commands::series::request_resume(
        state.store(),
        state.metrics(),
        &state.context(),
        headers.metadata(&principal),
        &key,
    )
    .await?
    .ok_or_else(no_such_series)?;
    Ok((StatusCode::ACCEPTED, Json(view(&key, &executed.state))).into_response())
}

fn series_key(
    state: &AppState,
    (cuit, pos, code): &(String, u32, u16),
) -> Result<SeriesKey, ApiError> {
    let cuit = super::taxpayers::path_cuit(cuit)?;
    let voucher_type = VoucherType::from_code(*code).map_err(|_| no_such_series())?;
    Ok(SeriesKey {
        environment: state.environment(),
        cuit,
        point_of_sale: *pos,
        voucher_type,
    })
}

fn no_such_series() -> ApiError {
    ApiError::not_found("no such series: nothing was ever numbered in it")
}

fn view(key: &SeriesKey, series: &Series) -> SeriesView {
    let halted_because = match (series.halt(), series.stall()) {
        (Some(_), _) => Some("conflict"),
        (None, Some(stall)) => Some(match stall.reason {
            StallReason::RepeatedOutOfSequence => "repeated_out_of_sequence",
            StallReason::RepeatedFailures => "repeated_failures",
        }),
        (None, None) => None,
    };
    SeriesView {
        issuer_cuit: key.cuit.to_string(),
        point_of_sale: key.point_of_sale,
        voucher_type: key.voucher_type.code(),
        environment: key.environment.to_string(),
        status: series
            .status()
            .map_or("new", SeriesStatus::as_str)
            .to_owned(),
        waiting_reason: series.waiting_reason().map(|r| r.as_str().to_owned()),
        halted_because: halted_because.map(str::to_owned),
        resume_requested: series.resume_requested(),
        last_confirmed: series.last_confirmed(),
        queued: series.queue().len(),
    }
}

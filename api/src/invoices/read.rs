//! `GET /v1/invoices/{id}` and `GET /v1/invoices`: reads of the invoices read model, within the
//! caller's tenant, with an optional bounded wait for the caller's own writes.
//!
//! Read-your-writes: a command's answer carries `ARCA-Position: <token>`; a read that sends it back
//! as `ARCA-Read-After: <token>` waits (up to the configured bound) until the read model has
//! applied that position. If the bound passes first the read answers anyway, with
//! `ARCA-Read-Stale: true`, or `404 not_yet_visible` when the invoice is not in the read model yet.

use std::str::FromStr;

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use domain::{GlobalPosition, invoice::InvoiceStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::rows::{self, InvoicePage};
use super::view::InvoiceView;
use crate::{
    error::ApiError,
    extract::ApiPath,
    fields::{Fields, MAX_PAGE},
    state::AppState,
};
use commands::tenants::Principal;
use projections::query::InvoiceFilter;

/// Response header of commands: the log position a later read can wait for.
pub const POSITION: HeaderName = HeaderName::from_static("arca-position");
/// Request header of reads: wait until the read model reached this position.
pub const READ_AFTER: HeaderName = HeaderName::from_static("arca-read-after");
/// Response header of reads answered before the awaited position was reached.
pub const READ_STALE: HeaderName = HeaderName::from_static("arca-read-stale");

/// The page size when `limit` is absent.
pub(crate) const DEFAULT_LIMIT: u32 = 25;

/// The opaque token of a log position (`ARCA-Position`).
pub fn position_token(position: GlobalPosition) -> String {
    format!("{}-{}", position.tx_id, position.position)
}

fn parse_token(text: &str) -> Option<GlobalPosition> {
    let (tx, pos) = text.trim().split_once('-')?;
    Some(GlobalPosition {
        tx_id: tx.parse().ok()?,
        position: pos.parse().ok().filter(|p: &i64| *p >= 0)?,
    })
}

/// The position `ARCA-Read-After` asks a read to wait for, when present.
pub(crate) fn read_after(headers: &HeaderMap) -> Result<Option<GlobalPosition>, ApiError> {
    let Some(value) = headers
        .get(&READ_AFTER)
        .filter(|v| !v.as_bytes().trim_ascii().is_empty())
    else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(parse_token)
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_read_after",
                "ARCA-Read-After must be a token from an ARCA-Position header",
            )
        })
}

/// A CUIT to filter by: 11 digits, dashes allowed as in `20-26756539-3`. The check digit is
/// not checked: a CUIT that cannot exist matches no invoice.
fn cuit_filter(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits: String = match text.len() {
        11 => text.to_owned(),
        13 if text.as_bytes()[2] == b'-' && text.as_bytes()[11] == b'-' => text.replace('-', ""),
        _ => return None,
    };
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse().ok())
        .flatten()
}

/// Waits for `ARCA-Read-After` when present; answers whether the read model is stale.
async fn await_position(state: &AppState, headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(position) = read_after(headers)? else {
        return Ok(false);
    };
    let reached =
        projections::query::caught_up(state.reads(), "invoices", position, state.read_wait())
            .await?;
    Ok(!reached)
}

/// `ARCA-Read-Stale: true` when the read answered before the awaited position.
pub(crate) fn stale_headers(stale: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if stale {
        headers.insert(READ_STALE, HeaderValue::from_static("true"));
    }
    headers
}

/// A read of one row: 200 with it (flagged stale when the awaited position was not reached), or
/// 404 — `not_yet_visible` with `not_yet` while stale, `not_found` with `none` otherwise.
pub(crate) fn one_row<T: serde::Serialize>(
    stale: bool,
    found: Option<T>,
    not_yet: &'static str,
    none: &'static str,
) -> Result<Response, ApiError> {
    match found {
        Some(row) => Ok((stale_headers(stale), Json(row)).into_response()),
        None if stale => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_yet_visible",
            not_yet,
        )),
        None => Err(ApiError::not_found(none)),
    }
}

/// An invoice's current state, from the invoices read model.
#[utoipa::path(get, path = "/v1/invoices/{id}", tag = "invoices", operation_id = "get_invoice",
    params(("id" = Uuid, Path, description = "The invoice id"),
           ("ARCA-Read-After" = Option<crate::shapes::Position>, Header, nullable = false, description = "Wait (bounded) until the read model reflects this `ARCA-Position`")),
    responses((status = 200, body = InvoiceView), (status = 404, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.get", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let stale = await_position(&state, &headers).await?;
    let found = rows::invoice(state.reads(), principal.tenant_id, id).await?;
    one_row(
        stale,
        found,
        "the invoice is not in the read model yet; retry shortly",
        "no such invoice",
    )
}

/// Query parameters of `GET /v1/invoices`, as text so every bad one is reported.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `requested`, `numbered`, `submitted`, `authorized`, `rejected` or `outcome_unknown`.
    #[param(value_type = Option<crate::shapes::InvoiceStatus>)]
    status: Option<String>,
    /// ARCA voucher type code.
    #[param(value_type = Option<crate::shapes::WholeNumber>)]
    voucher_type: Option<String>,
    /// Point of sale.
    #[param(value_type = Option<crate::shapes::WholeNumber>)]
    point_of_sale: Option<String>,
    /// The issuer's CUIT.
    #[param(value_type = Option<crate::shapes::Cuit>)]
    issuer_cuit: Option<String>,
    /// The receiver's document number.
    #[param(value_type = Option<crate::shapes::DocumentNumber>)]
    receiver_document: Option<String>,
    /// Issued on or after (`YYYY-MM-DD`).
    #[param(value_type = Option<crate::shapes::CalendarDate>)]
    issued_from: Option<String>,
    /// Issued on or before (`YYYY-MM-DD`).
    #[param(value_type = Option<crate::shapes::CalendarDate>)]
    issued_to: Option<String>,
    /// Total at least.
    #[param(value_type = Option<crate::shapes::DecimalString>)]
    total_min: Option<String>,
    /// Total at most.
    #[param(value_type = Option<crate::shapes::DecimalString>)]
    total_max: Option<String>,
    /// Text contained in the receiver's name.
    #[param(value_type = Option<crate::shapes::Text>)]
    receiver_name: Option<String>,
    /// Page size, 1..=100 (default 25).
    #[param(value_type = Option<crate::shapes::PageSize>)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::shapes::Text>)]
    cursor: Option<String>,
}

/// The tenant's invoices, newest first, filtered, a page at a time.
#[utoipa::path(get, path = "/v1/invoices", tag = "invoices", operation_id = "list_invoices",
    params(ListParams),
    responses((status = 200, body = InvoicePage), (status = 400, body = crate::Problem),
              (status = 422, body = crate::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.list", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|_| crate::plain::unreadable_query())?;
    let query = parse_list(params)?;
    let stale = await_position(&state, &headers).await?;
    let page = rows::invoices(
        state.reads(),
        principal.tenant_id,
        &query.filter,
        query.limit,
        query.cursor.as_deref(),
    )
    .await?;
    Ok((stale_headers(stale), Json(page)).into_response())
}

/// The filters and page of `GET /v1/invoices`, parsed.
#[derive(Debug)]
struct InvoiceQuery {
    filter: InvoiceFilter,
    limit: u32,
    cursor: Option<String>,
}

fn parse_list(p: ListParams) -> Result<InvoiceQuery, ApiError> {
    let mut fields = Fields::default();
    let mut number = |name: &str, text: Option<String>| -> Option<u64> {
        let text = text?;
        let parsed = text.trim().parse::<u64>().ok();
        if parsed.is_none() {
            fields.add(
                name,
                "invalid_number",
                format!("`{text}` is not a whole number"),
            );
        }
        parsed
    };
    let voucher_type = number("voucher_type", p.voucher_type).and_then(|n| u16::try_from(n).ok());
    let point_of_sale =
        number("point_of_sale", p.point_of_sale).and_then(|n| u32::try_from(n).ok());
    let receiver_document = number("receiver_document", p.receiver_document);
    let limit = number("limit", p.limit).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let status = p.status.and_then(|text| {
        let found = InvoiceStatus::parse(&text);
        if found.is_none() {
            fields.add(
                "status",
                "invalid_status",
                format!("`{text}` is not a status"),
            );
        }
        found
    });
    let issuer_cuit = p.issuer_cuit.and_then(|text| {
        let found = cuit_filter(&text);
        if found.is_none() {
            fields.add(
                "issuer_cuit",
                "invalid_cuit",
                "a cuit has 11 digits, optionally written as 20-26756539-3",
            );
        }
        found
    });
    let mut date = |name: &str, text: Option<String>| {
        let text = text?;
        let parsed = domain::values::date::parse(&text).ok();
        if parsed.is_none() {
            fields.add(
                name,
                "invalid_date",
                format!("`{text}` is not a YYYY-MM-DD date"),
            );
        }
        parsed
    };
    let issued_from = date("issued_from", p.issued_from);
    let issued_to = date("issued_to", p.issued_to);
    let mut amount = |name: &str, text: Option<String>| {
        let text = text?;
        let parsed = rust_decimal::Decimal::from_str(text.trim()).ok();
        if parsed.is_none() {
            fields.add(name, "invalid_amount", format!("`{text}` is not an amount"));
        }
        parsed
    };
    let total_min = amount("total_min", p.total_min);
    let total_max = amount("total_max", p.total_max);
    if limit.is_some_and(|l| !(1..=MAX_PAGE).contains(&l)) {
        fields.add(
            "limit",
            "invalid_limit",
            format!("limit must be 1..={MAX_PAGE}"),
        );
    }
    fields.finish()?;
    let wide = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(InvoiceQuery {
        filter: InvoiceFilter {
            status: status.map(|s| s.as_str().to_owned()),
            voucher_type: voucher_type.map(i32::from),
            point_of_sale: point_of_sale.map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
            issuer_cuit,
            receiver_doc_number: receiver_document.map(wide),
            issued_from,
            issued_to,
            total_min,
            total_max,
            receiver_name: p.receiver_name.filter(|n| !n.trim().is_empty()),
        },
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        cursor: p.cursor.filter(|c| !c.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_token_reads_back() {
        let position = GlobalPosition {
            tx_id: 7_123,
            position: 42,
        };
        assert_eq!(parse_token(&position_token(position)), Some(position));
        assert_eq!(parse_token("42"), None);
        assert_eq!(parse_token("x-1"), None);
        assert_eq!(parse_token("1--1"), None);
    }

    #[test]
    fn reports_every_bad_list_parameter_at_once() {
        let params = ListParams {
            status: Some("paid".into()),
            voucher_type: Some("x".into()),
            issuer_cuit: Some("2026756539".into()),
            issued_from: Some("23/11/2026".into()),
            total_min: Some("lots".into()),
            limit: Some("0".into()),
            ..ListParams::default()
        };
        let Err(error) = parse_list(params) else {
            panic!("bad parameters were accepted");
        };
        let fields: Vec<&str> = error
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "voucher_type",
                "status",
                "issuer_cuit",
                "issued_from",
                "total_min",
                "limit"
            ]
        );
    }
}

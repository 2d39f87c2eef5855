//! `GET /v1/invoices/{id}/pdf`: the invoice's stored PDF, as its stream recorded it.
//!
//! The answer is the stored bytes only when their SHA-256 is the one `invoice.document_issued`
//! recorded: a stored file that differs (tampered with, or damaged) or that is gone is never
//! served; the client gets an opaque `500 internal_error` and the mismatch is logged, since only
//! an operator can mend it (`arca documents verify` names every such file). The `ETag` is that
//! SHA-256, so `If-None-Match` answers `304` without reading the store.
//!
//! Before the document exists: `404 document_not_ready` with `Retry-After` while the invoice
//! can still get one (in flight, or authorized and not rendered yet), `404 document_unavailable`
//! without it for a rejected invoice, which never will. Another tenant's invoice is `404
//! not_found`, as an unknown one.

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::values::VoucherType;
use projections::query::{self, InvoiceRow};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::{documents::DocumentFetchError, error::ApiError, extract::ApiPath, state::AppState};
use commands::tenants::Principal;

/// Seconds a client waits before asking again for a document not rendered yet.
const RETRY_NOT_READY: &str = "2";

/// The invoice's PDF.
#[utoipa::path(get, path = "/v1/invoices/{id}/pdf", tag = "invoices", operation_id = "get_invoice_pdf",
    params(("id" = Uuid, Path, description = "The invoice id"),
           ("If-None-Match" = Option<crate::shapes::Text>, Header, nullable = false, description = "The `ETag` of a copy the client holds: `304` when it is still this PDF")),
    responses(
        (status = 200, content_type = "application/pdf", body = crate::shapes::Pdf,
         description = "The PDF as stored, checked against the SHA-256 its stream recorded",
         headers(("ETag" = String, description = "`\"<sha256>\"`: the hex SHA-256 of the PDF, as `document_sha256` shows it"),
                 ("Content-Disposition" = String, description = "`attachment; filename=\"FACTURA_B_00001-00000042.pdf\"`: the voucher type, letter, point of sale and number"))),
        (status = 304, description = "`If-None-Match` names this PDF: the copy the client holds is current",
         headers(("ETag" = String, description = "`\"<sha256>\"`"))),
        (status = 404, body = crate::Problem,
         description = "`not_found`: no such invoice (or another tenant's); `document_not_ready` (with `Retry-After`): the invoice has no PDF yet but will (in flight, or authorized and being rendered); `document_unavailable`: it never will (rejected by ARCA)",
         headers(("Retry-After" = i64, description = "With `document_not_ready`: seconds to wait before asking again"))),
        (status = 500, body = crate::Problem,
         description = "`internal_error`: the stored file is missing or does not match the SHA-256 its stream recorded; it is not served, and the failure is logged"),
        (status = 503, body = crate::Problem,
         description = "`service_unavailable`: the database or the document store could not answer; retrying is safe",
         headers(("Retry-After" = i64, description = "Seconds to wait before retrying")))),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.pdf", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let row = query::invoice(state.reads(), principal.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such invoice"))?;
    let (Some(sha256), Some(key)) = (row.document_sha256.as_deref(), row.document_key.as_deref())
    else {
        return Ok(no_document(&row));
    };
    let etag = HeaderValue::from_str(&format!("\"{sha256}\""))
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("the recorded sha256")))?;
    if matches_etag(&headers, sha256) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let bytes = match state.documents().fetch(key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "invoice {id}'s document {key} is recorded but not stored"
            )));
        }
        Err(error @ DocumentFetchError::Unavailable(_)) => {
            return Err(ApiError::unavailable(
                anyhow::Error::new(error).context(format!("reading document {key}")),
            ));
        }
        Err(error) => {
            return Err(ApiError::internal(
                anyhow::Error::new(error).context(format!("reading document {key}")),
            ));
        }
    };
    let stored = hex::encode(Sha256::digest(&bytes));
    if !stored.eq_ignore_ascii_case(sha256) {
        return Err(ApiError::internal(anyhow::anyhow!(
            "invoice {id}'s document {key} has sha256 {stored}, not the recorded {sha256}: \
             not served"
        )));
    }
    let disposition = format!("attachment; filename=\"{}\"", file_name(&row));
    let disposition = HeaderValue::from_str(&disposition)
        .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("the file name")))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        ),
        (header::ETAG, etag),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, Body::from(bytes)).into_response())
}

/// `404` for an invoice without a document: `document_unavailable` when it never gets one,
/// `document_not_ready` with `Retry-After` otherwise.
fn no_document(row: &InvoiceRow) -> Response {
    if row.status == "rejected" {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "document_unavailable",
            "ARCA rejected this invoice: it has no PDF and never will",
        )
        .into_response();
    }
    let mut response = ApiError::new(
        StatusCode::NOT_FOUND,
        "document_not_ready",
        "the invoice's PDF is not rendered yet; retry shortly",
    )
    .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_NOT_READY),
    );
    response
}

/// Whether `If-None-Match` names the PDF whose hex SHA-256 is `sha256` (weak comparison, as
/// RFC 9110 says for this header; `*` names any current PDF).
fn matches_etag(headers: &HeaderMap, sha256: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .map(|tag| tag.trim())
        .any(|tag| {
            tag == "*"
                || tag
                    .strip_prefix("W/")
                    .unwrap_or(tag)
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .is_some_and(|t| t.eq_ignore_ascii_case(sha256))
        })
}

/// `FACTURA_B_00001-00000042.pdf` (see [`VoucherType::file_name`]).
fn file_name(row: &InvoiceRow) -> String {
    let number = u64::try_from(row.number.unwrap_or_default()).unwrap_or_default();
    let point_of_sale = u32::try_from(row.point_of_sale).unwrap_or_default();
    u16::try_from(row.voucher_type)
        .ok()
        .and_then(|code| VoucherType::from_code(code).ok())
        .map_or_else(
            || {
                format!(
                    "COMPROBANTE_{}_{point_of_sale:05}-{number:08}.pdf",
                    row.voucher_type
                )
            },
            |voucher| voucher.file_name(point_of_sale, number),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_names_the_pdf_by_its_sha256_alone_or_in_a_list() {
        let sha = "ab".repeat(32);
        let asking = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            matches_etag(&headers, &sha)
        };
        assert!(asking(&format!("\"{sha}\"")));
        assert!(asking(&format!("\"x\", W/\"{sha}\"")));
        assert!(asking("*"));
        assert!(!asking(&sha), "an unquoted tag is no tag");
        assert!(!asking(&format!("\"{}\"", "cd".repeat(32))));
        assert!(!matches_etag(&HeaderMap::new(), &sha));
    }
}

//! A credit or debit note must adjust a voucher ARCA authorized. Before a note is recorded, each
//! voucher it refers to is looked up in the tenant's stream of its series:
//! a number above the series' last confirmed one has no CAE (still on its way to ARCA, refused,
//! or never issued), so the note is refused with `associated_voucher_not_authorized` and ARCA is
//! never asked to authorize it. A voucher of another issuer, or of a series this system has never
//! numbered (issued before it was adopted), cannot be checked here and is left to ARCA.

use domain::TenantId;
use domain::invoice::RequestInvoice;
use domain::series::SeriesKey;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// The stable code of the refusal.
pub const NOT_AUTHORIZED: &str = "associated_voucher_not_authorized";

/// Refuses `request` when a voucher it adjusts is known to have no CAE.
///
/// # Errors
/// `422 associated_voucher_not_authorized` with one field error per such voucher; store failures.
pub(super) async fn check(
    state: &AppState,
    tenant: TenantId,
    request: &RequestInvoice,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (i, voucher) in request.associated.iter().enumerate() {
        let issuer = request.issuer.cuit;
        if voucher.cuit.is_some_and(|cuit| cuit != issuer) {
            continue;
        }
        let key = SeriesKey {
            environment: state.environment(),
            cuit: issuer,
            point_of_sale: voucher.point_of_sale,
            voucher_type: voucher.voucher_type,
        };
        let (series, _) = commands::series::load(state.store(), tenant, &key).await?;
        if series.status().is_some() && voucher.number > series.last_confirmed() {
            errors.push(FieldError {
                field: format!("associated_vouchers[{i}].number"),
                code: NOT_AUTHORIZED.to_owned(),
                detail: format!(
                    "voucher {} of point of sale {} type {} has no CAE: the last authorized in \
                     that series is {}",
                    voucher.number,
                    voucher.point_of_sale,
                    voucher.voucher_type.code(),
                    series.last_confirmed()
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

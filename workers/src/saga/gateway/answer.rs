//! Between the saga's terms and WSFEv1's: the request for a batch, and what ARCA's answers and
//! failures mean for the saga.

use arca_ws::ArcaError;
use arca_ws::wsfe::{Answer, CaeRequest, CaeResponse, Code, Outcome, VoucherRecord};
use commands::saga::{GatewayError, Voucher};
use domain::invoice::ArcaMessage;
use domain::series::{DetailOutcome, Finding, NumberOutcome, SeriesKey, UncertainReason};

use crate::saga::voucher;

/// ARCA's "no such voucher" answer to `FECompConsultar`.
const NOT_FOUND: i32 = 602;

/// The `FECAESolicitar` of `batch`.
pub fn batch_request(key: &SeriesKey, batch: &[Voucher]) -> CaeRequest {
    CaeRequest {
        point_of_sale: key.point_of_sale,
        voucher_type: key.voucher_type.code(),
        details: batch
            .iter()
            .map(|v| voucher::detail(v.number, &v.request))
            .collect(),
    }
}

fn messages(codes: &[Code]) -> Vec<ArcaMessage> {
    codes
        .iter()
        .map(|c| ArcaMessage {
            code: u32::try_from(c.code).unwrap_or_default(),
            message: c.msg.clone(),
        })
        .collect()
}

/// An authorization that failed without a usable answer: was anything processed?
pub fn authorize_failure(error: &ArcaError) -> GatewayError {
    let detail = error.to_string();
    match error {
        // Nothing left this process (or the operation is known not to have run).
        ArcaError::Invalid(_) | ArcaError::TicketExpired { .. } => GatewayError::NotSent(detail),
        ArcaError::Transport {
            retry_safe: true, ..
        } => GatewayError::NotSent(detail),
        ArcaError::Transport {
            timed_out: true, ..
        } => GatewayError::Uncertain {
            reason: UncertainReason::Timeout,
            detail,
        },
        ArcaError::Transport { .. } | ArcaError::Malformed { .. } => GatewayError::Uncertain {
            reason: UncertainReason::ConnectionDropped,
            detail,
        },
        ArcaError::Fault { .. } => GatewayError::Failed(detail),
    }
}

/// A read that failed: nothing changed at ARCA, it can be made again.
pub fn read_failure(error: &ArcaError) -> GatewayError {
    GatewayError::NotSent(error.to_string())
}

/// One outcome per voucher of `batch`: approved details with their CAE; from the first refused
/// one on, the refusal (with the header's errors) and then "not processed".
pub fn batch_outcomes(batch: &[Voucher], answer: Answer<CaeResponse>) -> Vec<NumberOutcome> {
    let details = answer.data.map(|r| r.details).unwrap_or_default();
    let header_errors = messages(&answer.errors);
    let mut failed = false;
    batch
        .iter()
        .map(|v| {
            let detail = details.iter().find(|d| d.number_from == v.number);
            let outcome = match detail {
                Some(d) if d.outcome == Outcome::Approved && !failed => {
                    match (d.code.clone(), d.code_due) {
                        (Some(cae), Some(cae_due_date)) => DetailOutcome::Authorized {
                            cae,
                            cae_due_date,
                            observations: messages(&d.observations),
                        },
                        _ => DetailOutcome::NotProcessed,
                    }
                }
                _ if failed => DetailOutcome::NotProcessed,
                other => {
                    failed = true;
                    DetailOutcome::Rejected {
                        errors: header_errors.clone(),
                        observations: other.map(|d| messages(&d.observations)).unwrap_or_default(),
                    }
                }
            };
            NumberOutcome {
                number: v.number,
                outcome,
            }
        })
        .collect()
}

/// What `FECompConsultar` at `number` found.
pub fn finding(
    key: &SeriesKey,
    number: u64,
    answer: Answer<VoucherRecord>,
) -> Result<Finding, GatewayError> {
    if answer.has_error(NOT_FOUND) {
        return Ok(Finding::Missing);
    }
    let Some(record) = answer.data else {
        return Err(GatewayError::Failed(format!(
            "FECompConsultar: {:?}",
            answer.errors
        )));
    };
    let (Some(content), Some(cae_due_date)) = (voucher::echoed(key, &record), record.due) else {
        return Err(GatewayError::Failed(format!(
            "FECompConsultar at {number}: an echo this service cannot read"
        )));
    };
    Ok(Finding::Found {
        fingerprint: content.fingerprint(number),
        cae: record.authorization_code,
        cae_due_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(timed_out: bool) -> ArcaError {
        ArcaError::Transport {
            operation: "FECAESolicitar",
            message: "no answer within 2s".to_owned(),
            retry_safe: false,
            timed_out,
        }
    }

    #[test]
    fn an_authorization_without_an_answer_in_time_is_in_doubt_by_timeout() {
        let reason = |e: &ArcaError| match authorize_failure(e) {
            GatewayError::Uncertain { reason, .. } => Some(reason),
            _ => None,
        };
        assert_eq!(reason(&transport(true)), Some(UncertainReason::Timeout));
        assert_eq!(
            reason(&transport(false)),
            Some(UncertainReason::ConnectionDropped)
        );
    }
}

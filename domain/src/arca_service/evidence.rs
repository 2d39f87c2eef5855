//! Which exchanges with ARCA concern an invoice: those of its series whose number range covers
//! a number it was given (one, or several when it was renumbered after a release).

use crate::envelope::StreamId;
use crate::invoice::InvoiceEvent;
use crate::series::{Environment, SeriesKey};

/// The series and numbers an invoice's exchanges are found under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeScope {
    /// Its series' stream in every environment (an invoice is only ever sent to one: the
    /// environment its service runs against).
    pub series: Vec<StreamId>,
    /// Every number it was given, ascending, without repeats.
    pub numbers: Vec<u64>,
}

impl ExchangeScope {
    /// The scope of the invoice whose events are `events`; `None` before it was requested.
    pub fn of(events: &[InvoiceEvent]) -> Option<Self> {
        let request = events.iter().find_map(|e| match e {
            InvoiceEvent::Requested(r) => Some(r),
            _ => None,
        })?;
        let series = Environment::ALL
            .into_iter()
            .map(|environment| {
                SeriesKey {
                    environment,
                    cuit: request.issuer_cuit,
                    point_of_sale: request.point_of_sale,
                    voucher_type: request.voucher_type,
                }
                .stream_id()
            })
            .collect();
        let mut numbers: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                InvoiceEvent::NumberAssigned(a) => Some(a.number),
                InvoiceEvent::Submitted(s) => Some(s.number),
                _ => None,
            })
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        Some(Self { series, numbers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::{InvoiceNumberAssigned, InvoiceNumberReleased, InvoiceSubmitted};
    use crate::testing::{NOW, factura_b, requested};

    fn submitted(number: u64) -> InvoiceEvent {
        InvoiceEvent::Submitted(InvoiceSubmitted {
            number,
            request_hash: "h".to_owned(),
            submitted_at: NOW,
        })
    }

    #[test]
    fn a_renumbered_invoice_is_found_under_each_of_its_numbers() {
        let mut events = requested(factura_b());
        events.extend([
            InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number: 7 }),
            InvoiceEvent::NumberReleased(InvoiceNumberReleased {
                number: 7,
                reason: "not sent".to_owned(),
            }),
            InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number: 9 }),
        ]);
        let scope = ExchangeScope::of(&events).unwrap();
        assert_eq!(scope.numbers, [7, 9]);

        // Numbered as it was submitted: the number travels with `submitted`.
        let mut events = requested(factura_b());
        events.extend([
            submitted(11),
            InvoiceEvent::NumberReleased(InvoiceNumberReleased {
                number: 11,
                reason: "not processed".to_owned(),
            }),
            submitted(4),
        ]);
        assert_eq!(ExchangeScope::of(&events).unwrap().numbers, [4, 11]);
        assert_eq!(scope.series.len(), 3);
        assert!(
            scope
                .series
                .iter()
                .any(|s| s.as_str().starts_with("series-sim-"))
        );
    }

    #[test]
    fn nothing_before_the_request() {
        assert_eq!(ExchangeScope::of(&[]), None);
    }
}

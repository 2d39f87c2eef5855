//! Figures over the invoices read model (`rm.invoices`, `rm.invoice_iva`), always within one
//! tenant, optionally one issuer, and a range of issue dates: daily and monthly buckets, IVA per
//! rate, approval rate, time from request to CAE, top receivers, and the IVA sales book.
//!
//! Amounts are in pesos: each invoice's amounts times its exchange rate, rounded to cents. Credit
//! notes (told apart by the domain's [`VoucherType`]) count negatively wherever amounts of
//! authorized vouchers are added up (IVA per rate, top receivers, the sales book); the buckets
//! group by voucher type, so they add each type as it is.

mod book;
mod figures;

use domain::TenantId;
use domain::values::{Cuit, VoucherKind, VoucherType};
use rust_decimal::{Decimal, RoundingStrategy};
use time::Date;

pub use book::{BookLine, BookTotals, Month, SalesBook, sales_book};
pub use figures::{
    Approval, Bucket, CaeLatency, Granularity, RateAmount, TopReceiver, approval, buckets,
    cae_latency, iva_by_rate, top_receivers,
};

/// Whose figures, over which issue dates (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// The tenant; every query is filtered by it.
    pub tenant: TenantId,
    /// One issuer of the tenant, or all of them.
    pub issuer: Option<Cuit>,
    /// First issue date.
    pub from: Date,
    /// Last issue date.
    pub to: Date,
}

impl Scope {
    fn issuer_param(&self) -> Option<i64> {
        self.issuer.map(Cuit::as_i64)
    }
}

/// The codes of every credit-note voucher type (3, 8, 13, 53, 203, 208, 213 …), which count
/// negatively.
pub fn credit_note_codes() -> Vec<i32> {
    VoucherType::ALL
        .iter()
        .filter(|t| t.kind() == VoucherKind::CreditNote)
        .map(|t| i32::from(t.code()))
        .collect()
}

/// Whether a voucher type code (as stored) is a credit note.
pub fn is_credit_note(code: i32) -> bool {
    u16::try_from(code)
        .ok()
        .and_then(|c| VoucherType::from_code(c).ok())
        .is_some_and(|t| t.kind() == VoucherKind::CreditNote)
}

/// `amount` × `rate`, rounded to cents (half away from zero), negated for credit notes.
fn pesos(amount: Decimal, rate: Decimal, negative: bool) -> Decimal {
    let value = (amount * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if negative { -value } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_notes_of_every_letter_and_fce_count_negatively() {
        let codes = credit_note_codes();
        for code in [3, 8, 13, 53, 203, 208, 213] {
            assert!(codes.contains(&code), "{code} missing");
            assert!(is_credit_note(code));
        }
        for code in [1, 2, 6, 7, 11, 12, 201, 202, 4, 9999, -1] {
            assert!(!is_credit_note(code), "{code} is not a credit note");
        }
    }

    #[test]
    fn converts_to_pesos_rounding_half_away_from_zero_and_signs_notes() {
        let rate = Decimal::new(10505, 1); // 1050.5
        assert_eq!(
            pesos(Decimal::new(1001, 2), rate, false),
            Decimal::new(1051551, 2)
        ); // 10515.505 → .51
        assert_eq!(
            pesos(Decimal::new(1001, 2), rate, true),
            Decimal::new(-1051551, 2)
        );
        assert_eq!(
            pesos(Decimal::new(121000, 2), Decimal::ONE, false),
            Decimal::new(121000, 2)
        );
    }
}

//! How numbers and dates read on an Argentine voucher: `1.234,56`, `31/12/2026`, `00001-00000042`.

use rust_decimal::{Decimal, RoundingStrategy};
use time::Date;

/// An amount: two decimals (half-even, as ARCA rounds), dots between thousands, a decimal comma.
pub fn amount(value: Decimal) -> String {
    grouped(
        value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
        2,
    )
}

/// A quantity, unit price or exchange rate: at least `min_decimals` decimals, and every
/// significant decimal beyond them.
pub fn grouped(value: Decimal, min_decimals: u32) -> String {
    let mut value = value.normalize();
    if value.scale() < min_decimals {
        value.rescale(min_decimals);
    }
    let text = value.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    if value.is_sign_negative() && !value.is_zero() {
        out.push('-');
    }
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push('.');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

/// A percentage: `21%`, `10,5%`.
pub fn percent(rate: Decimal) -> String {
    format!("{}%", grouped(rate, 0))
}

/// `dd/mm/aaaa`.
pub fn date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// A point of sale, five digits.
pub fn point_of_sale(point_of_sale: u32) -> String {
    format!("{point_of_sale:05}")
}

/// A voucher number, eight digits.
pub fn number(number: u64) -> String {
    format!("{number:08}")
}

/// Point of sale and number together: `00001-00000042`.
pub fn voucher_number(point_of_sale: u32, number: u64) -> String {
    format!("{point_of_sale:05}-{number:08}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    #[test]
    fn writes_amounts_the_argentine_way() {
        assert_eq!(amount(dec!(1234.56)), "1.234,56");
        assert_eq!(amount(dec!(1234567.5)), "1.234.567,50");
        assert_eq!(amount(dec!(0)), "0,00");
        assert_eq!(amount(dec!(999.995)), "1.000,00");
        assert_eq!(amount(dec!(0.125)), "0,12");
        assert_eq!(amount(dec!(-1500)), "-1.500,00");
        assert_eq!(amount(dec!(-0.001)), "0,00");
    }

    #[test]
    fn keeps_significant_decimals_of_quantities_and_rates() {
        assert_eq!(grouped(dec!(2), 2), "2,00");
        assert_eq!(grouped(dec!(0.125), 2), "0,125");
        assert_eq!(grouped(dec!(1050.500000), 2), "1.050,50");
        assert_eq!(percent(dec!(10.5)), "10,5%");
        assert_eq!(percent(dec!(21.00)), "21%");
    }

    #[test]
    fn pads_numbers_and_writes_dates_day_first() {
        assert_eq!(voucher_number(1, 42), "00001-00000042");
        assert_eq!(point_of_sale(12), "00012");
        assert_eq!(number(7), "00000007");
        assert_eq!(date(date!(2026 - 03 - 09)), "09/03/2026");
    }
}

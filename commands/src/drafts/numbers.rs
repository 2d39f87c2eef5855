//! Argentine numbers and amounts: `1.234,56`, `5.000`, `5 mil`, `una`, `USD 100`, `100 dólares`.

use domain::values::Currency;
use rust_decimal::Decimal;

use super::text::Tok;

/// A number as Argentines write it: `.` groups thousands and `,` starts the decimals; when both
/// appear, the last one is the decimal separator; a single `.` followed by three digits groups.
pub fn parse_number(text: &str) -> Option<Decimal> {
    if !text.starts_with(|c: char| c.is_ascii_digit())
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let dots = text.matches('.').count();
    let commas = text.matches(',').count();
    let plain = match (dots, commas) {
        (0, 0) => text.to_owned(),
        (_, 0) if dots > 1 || text.rsplit('.').next().is_some_and(|t| t.len() == 3) => {
            text.replace('.', "")
        }
        (_, 0) => text.to_owned(),
        (0, 1) => text.replace(',', "."),
        (0, _) => text.replace(',', ""),
        _ if text.rfind(',') > text.rfind('.') => text.replace('.', "").replace(',', "."),
        _ => text.replace(',', ""),
    };
    plain.parse::<Decimal>().ok()
}

/// Small numbers written as words ("una hora", "dos cajas", "media docena").
pub fn word_number(word: &str) -> Option<Decimal> {
    let n = match word {
        "un" | "una" | "uno" => 1,
        "dos" => 2,
        "tres" => 3,
        "cuatro" => 4,
        "cinco" => 5,
        "seis" => 6,
        "siete" => 7,
        "ocho" => 8,
        "nueve" => 9,
        "diez" => 10,
        "once" => 11,
        "doce" | "docena" => 12,
        "quince" => 15,
        "veinte" => 20,
        _ => return None,
    };
    Some(Decimal::from(n))
}

/// The factor a word after a number multiplies it by ("5 mil", "2 millones", "10k", "3 lucas").
pub fn multiplier(word: &str) -> Option<Decimal> {
    match word {
        "mil" | "k" | "lucas" | "luca" => Some(Decimal::from(1_000)),
        "millon" | "millones" | "palos" | "palo" => Some(Decimal::from(1_000_000)),
        _ => None,
    }
}

/// A currency named by a symbol or word before or after an amount.
pub fn currency_word(word: &str) -> Option<Currency> {
    match word {
        "$" | "pesos" | "peso" | "ars" | "$ars" => Some(Currency::PES),
        "usd" | "u$s" | "us$" | "u$d" | "dolares" | "dolar" | "dls" | "uss" => Some(Currency::DOL),
        "eur" | "euros" | "euro" | "€" => Some(Currency::EUR),
        _ => None,
    }
}

/// A number read from the tokens at `at`: digits (with a multiplier after them) or a number word.
/// Returns the value and the index after it.
pub(super) fn number_at(toks: &[Tok], at: usize) -> Option<(Decimal, usize)> {
    let tok = toks.get(at)?;
    let value = parse_number(&tok.norm)?;
    match toks.get(at + 1).and_then(|t| multiplier(&t.norm)) {
        Some(factor) => Some((value * factor, at + 2)),
        None => Some((value, at + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn reads_thousands_with_dots_and_decimals_with_a_comma() {
        assert_eq!(parse_number("1.234,56"), Some(dec("1234.56")));
        assert_eq!(parse_number("5.000"), Some(dec("5000")));
        assert_eq!(parse_number("1.500.000"), Some(dec("1500000")));
        assert_eq!(parse_number("5000,5"), Some(dec("5000.5")));
        assert_eq!(parse_number("10,5"), Some(dec("10.5")));
    }

    #[test]
    fn reads_a_single_dot_before_one_or_two_digits_as_decimals() {
        assert_eq!(parse_number("12.5"), Some(dec("12.5")));
        assert_eq!(parse_number("99.99"), Some(dec("99.99")));
    }

    #[test]
    fn reads_the_american_format_when_the_comma_comes_first() {
        assert_eq!(parse_number("1,234.56"), Some(dec("1234.56")));
        assert_eq!(parse_number("1,234,567"), Some(dec("1234567")));
    }

    #[test]
    fn refuses_dates_document_numbers_and_words() {
        for text in ["15/11", "0001-00000042", "abc", "", ",5"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn knows_number_words_multipliers_and_currency_words() {
        assert_eq!(word_number("una"), Some(dec("1")));
        assert_eq!(word_number("tres"), Some(dec("3")));
        assert_eq!(multiplier("mil"), Some(dec("1000")));
        assert_eq!(currency_word("u$s"), Some(Currency::DOL));
        assert_eq!(currency_word("dolares"), Some(Currency::DOL));
        assert_eq!(currency_word("$"), Some(Currency::PES));
        assert_eq!(currency_word("casa"), None);
    }
}

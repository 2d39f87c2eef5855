//! Items and prices: amounts, quantities and units, "c/u", "a $5000/hora", "x3", currency and
//! exchange rate, the IVA rate, and prices "+ IVA" (net) or final (IVA included).

use domain::values::{Currency, IvaRate};
use rust_decimal::Decimal;

use super::draft::{Draft, Field};
use super::lines::line_for;
use super::numbers::{currency_word, number_at, parse_number};
use super::text::Tok;

/// An item as written, before IVA is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    pub description: String,
    pub quantity: Decimal,
    /// Price per unit as written (net or final, see [`Pricing::net`]).
    pub unit_price: Decimal,
}

/// What the text says about prices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Pricing {
    pub lines: Vec<Line>,
    pub rate: Option<IvaRate>,
    /// `Some(true)` for "+ IVA", `Some(false)` for "IVA incluido", `None` when not said.
    pub net: Option<bool>,
    /// An amount was split over its quantity ("3 horas por $15.000").
    pub split_total: bool,
}

/// An amount in the text.
pub(super) struct Amount {
    pub start: usize,
    pub end: usize,
    pub value: Decimal,
    pub currency: Option<Currency>,
}

/// Reads currency, exchange rate, IVA rate and items; marks rate tokens as used.
pub(super) fn read(toks: &[Tok], used: &mut [bool], draft: &mut Draft) -> Pricing {
    read_exchange_rate(toks, used, draft);
    let mut pricing = Pricing {
        rate: read_rate(toks, used),
        net: net_or_final(toks, used),
        ..Pricing::default()
    };
    let mut floor = 0;
    let mut at = 0;
    while at < toks.len() {
        let Some(amount) = amount_at(toks, used, at) else {
            at += 1;
            continue;
        };
        if let Some(currency) = amount.currency
            && (draft.currency.is_pesos() || !currency.is_pesos())
        {
            draft.currency = currency;
            draft.set_confidence(Field::Currency, 0.95);
        }
        let (line, end) = line_for(toks, used, &amount, floor, &mut pricing.split_total);
        pricing.lines.push(line);
        floor = end;
        at = end.max(amount.end);
    }
    if !draft.confidence.contains_key(&Field::Currency) {
        if let Some(currency) = toks.iter().find_map(|t| currency_word(&t.norm)) {
            draft.currency = currency;
        }
        let named = !draft.currency.is_pesos();
        draft.set_confidence(Field::Currency, if named { 0.9 } else { 0.7 });
    }
    pricing
}

fn read_exchange_rate(toks: &[Tok], used: &mut [bool], draft: &mut Draft) {
    for i in 0..toks.len() {
        if !matches!(
            toks[i].norm.as_str(),
            "cotizacion" | "cambio" | "tc" | "t.c"
        ) {
            continue;
        }
        let mut at = i + 1;
        while toks.get(at).is_some_and(|t| {
            matches!(
                t.norm.as_str(),
                "$" | ":" | "de" | "a" | "=" | "del" | "bna" | "oficial" | "bcra"
            )
        }) {
            at += 1;
        }
        if let Some((value, end)) = number_at(toks, at) {
            used[i..end].iter_mut().for_each(|u| *u = true);
            draft.exchange_rate = Some(value);
            draft.set_confidence(Field::ExchangeRate, 0.9);
            return;
        }
    }
}

/// "21%", "IVA 10,5", "alícuota del 27 %".
fn read_rate(toks: &[Tok], used: &mut [bool]) -> Option<IvaRate> {
    for i in 0..toks.len() {
        let percent = toks.get(i + 1).is_some_and(|t| t.norm == "%");
        let after_iva =
            i > 0 && matches!(toks[i - 1].norm.as_str(), "iva" | "alicuota" | "al" | "del");
        if used[i] || !(percent || after_iva) {
            continue;
        }
        if let Some(rate) = parse_number(&toks[i].norm).and_then(IvaRate::from_percent) {
            used[i] = true;
            if percent {
                used[i + 1] = true;
            }
            return Some(rate);
        }
    }
    None
}

fn net_or_final(toks: &[Tok], used: &[bool]) -> Option<bool> {
    let word = |k: usize| match toks.get(k) {
        Some(t) if !used[k] => t.norm.as_str(),
        _ => "",
    };
    for i in 0..toks.len() {
        match (word(i), word(i + 1), word(i + 2)) {
            ("+" | "mas", "iva", _) | ("mas", "el", "iva") | ("sin", "iva", _) => {
                return Some(true);
            }
            ("neto" | "netos" | "netas", _, _) => return Some(true),
            ("iva", "incluido" | "incl" | "inc" | "incluida", _) => return Some(false),
            ("con" | "incluye" | "incluido", "iva", _) => return Some(false),
            ("final" | "finales", _, _) => return Some(false),
            _ => {}
        }
    }
    None
}

/// Words before a bare number that make it a price ("a 5000", "total 12.000").
fn price_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "por" | "total" | "precio" | "importe" | "monto" | "valor" | "=" | "de" | ":" | "son"
    )
}

/// Words after a bare number that keep it a price (anything else makes it a quantity).
fn after_price(tok: Option<&Tok>) -> bool {
    tok.is_none_or(|t| {
        t.is_punct()
            || t.norm.starts_with('/')
            || matches!(
                t.norm.as_str(),
                "c/u"
                    | "cada"
                    | "la"
                    | "el"
                    | "por"
                    | "mas"
                    | "+"
                    | "iva"
                    | "final"
                    | "finales"
                    | "con"
                    | "y"
                    | "neto"
                    | "netos"
                    | "x"
                    | "en"
                    | "de"
                    | "mensuales"
                    | "total"
            )
    })
}

fn amount_at(toks: &[Tok], used: &[bool], at: usize) -> Option<Amount> {
    if used[at] {
        return None;
    }
    if let Some(currency) = currency_word(&toks[at].norm)
        && let Some((value, end)) = number_at(toks, at + 1).filter(|_| !used[at + 1])
    {
        return Some(Amount {
            start: at,
            end,
            value,
            currency: Some(currency),
        });
    }
    let (value, end) = number_at(toks, at)?;
    let suffix = toks.get(end).filter(|t| t.norm != "$");
    if let Some(currency) = suffix.and_then(|t| currency_word(&t.norm)) {
        return Some(Amount {
            start: at,
            end: end + 1,
            value,
            currency: Some(currency),
        });
    }
    let priced = at > 0 && !used[at - 1] && price_word(&toks[at - 1].norm);
    let multiplied = end > at + 1;
    ((priced || multiplied) && after_price(toks.get(end))).then_some(Amount {
        start: at,
        end,
        value,
        currency: None,
    })
}

/// Words between a quantity and its price, skipped backwards; `a` and `x` mean a unit price.
pub(super) fn connector(word: &str) -> bool {
    matches!(
        word,
        "a" | "por"
            | "x"
            | "de"
            | "="
            | ":"
            | ","
            | "total"
            | "precio"
            | "importe"
            | "monto"
            | "valor"
            | "son"
            | "en"
            | "al"
            | "unitario"
    )
}

/// Words that end a description when read backwards or forwards.
pub(super) fn boundary(tok: &Tok) -> bool {
    tok.is_punct()
        || matches!(
            tok.norm.as_str(),
            "por" | "para" | "y" | "+" | "iva" | "mas" | "con" | "factura" | "$" | "vence"
        )
}

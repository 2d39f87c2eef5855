//! One item around an amount: quantity and description before it (or after it), unit markers
//! after it, and turning written prices into net unit prices.

use domain::invoice::InvoiceError;
use domain::values::{IvaRate, Money, VoucherClass};
use rust_decimal::Decimal;

use super::draft::{Draft, DraftItem, Field};
use super::items::{Amount, Line, Pricing, boundary, connector};
use super::numbers::{parse_number, word_number};
use super::text::Tok;

/// Units a price may be "per" ("la hora", "por mes", "el kg").
fn unit_word(word: &str) -> bool {
    matches!(
        word,
        "hora"
            | "docena"
            | "unidad"
            | "mes"
            | "kg"
            | "kilo"
            | "caja"
            | "dia"
            | "clase"
            | "sesion"
            | "litro"
            | "metro"
            | "noche"
            | "semana"
            | "visita"
            | "persona"
            | "item"
            | "pieza"
            | "consulta"
            | "u"
            | "uno"
            | "una"
    )
}

/// After an amount: whether it is per unit ("c/u", "/hora", "la hora", "cada uno"), a quantity
/// ("x 3", "por 3") and where the markers end.
fn after(toks: &[Tok], mut at: usize) -> (bool, Option<Decimal>, usize) {
    let mut per_unit = false;
    let mut quantity = None;
    while let Some(tok) = toks.get(at) {
        let next = toks.get(at + 1).map_or("", |t| t.norm.as_str());
        match tok.norm.as_str() {
            "c/u" | "cu" => per_unit = true,
            word if word.starts_with('/') => per_unit = true,
            "cada" => {
                per_unit = true;
                at += usize::from(unit_word(next));
            }
            "la" | "el" | "por" | "x" if unit_word(next) => {
                per_unit = true;
                at += 1;
            }
            "x" | "por" if parse_number(next).is_some() => {
                quantity = parse_number(next);
                at += 1;
            }
            _ => break,
        }
        at += 1;
    }
    (per_unit, quantity, at)
}

/// Words dropped at the ends of a description.
fn filler(word: &str) -> bool {
    matches!(
        word,
        "de" | "del"
            | "el"
            | "la"
            | "los"
            | "las"
            | "en"
            | "concepto"
            | "por"
            | "a"
            | "x"
            | "-"
            | ":"
            | ","
            | "total"
            | "precio"
            | "al"
    )
}

/// A quantity at the start of a clause ("3", "una", "3 x") and the rest.
fn quantity(clause: &[Tok]) -> (Option<Decimal>, &[Tok]) {
    let Some(first) = clause.first() else {
        return (None, clause);
    };
    let value = parse_number(&first.norm).or_else(|| word_number(&first.norm));
    match value {
        Some(value) if clause.get(1).is_some_and(|t| t.norm == "x") => (Some(value), &clause[2..]),
        Some(value) => (Some(value), &clause[1..]),
        None => (None, clause),
    }
}

fn describe(words: &[Tok]) -> String {
    let start = words
        .iter()
        .position(|t| !filler(&t.norm))
        .unwrap_or(words.len());
    let end = words
        .iter()
        .rposition(|t| !filler(&t.norm))
        .map_or(start, |e| e + 1);
    let text: Vec<&str> = words[start..end.max(start)]
        .iter()
        .map(|t| t.orig.as_str())
        .collect();
    let text = text.join(" ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The clause after an amount ("$15.000 en concepto de honorarios", "USD 100 a Acme SA por
/// hosting"): receiver words and fillers at its start are skipped.
fn forward(toks: &[Tok], used: &[bool], start: usize) -> (usize, usize) {
    let mut start = start;
    while start < toks.len()
        && (used[start] || matches!(toks[start].norm.as_str(), "a" | "para" | "por" | "de"))
    {
        start += 1;
    }
    let mut end = start;
    while end < toks.len()
        && !used[end]
        && !boundary(&toks[end])
        && super::numbers::currency_word(&toks[end].norm).is_none()
    {
        end += 1;
    }
    (start, end)
}

/// The clause before `end` (connectors skipped): its start, its end, and whether a connector
/// said the price is per unit ("a", "x").
fn backward(toks: &[Tok], used: &[bool], end: usize, floor: usize) -> (usize, usize, bool) {
    let mut clause_end = end;
    let mut unit_connector = false;
    while clause_end > floor && !used[clause_end - 1] && connector(&toks[clause_end - 1].norm) {
        unit_connector |= matches!(toks[clause_end - 1].norm.as_str(), "a" | "x" | "unitario");
        clause_end -= 1;
    }
    let mut start = clause_end;
    while start > floor && !used[start - 1] && !boundary(&toks[start - 1]) {
        start -= 1;
    }
    (start, clause_end, unit_connector)
}

/// Words up to an explicit date range ("servicio de limpieza del 1/11 al 30/11" → the service).
fn before_range(words: &[Tok]) -> &[Tok] {
    let cut = words
        .windows(2)
        .position(|w| matches!(w[0].norm.as_str(), "del" | "desde") && w[1].is_numeric());
    &words[..cut.unwrap_or(words.len())]
}

fn only_fillers(words: &[Tok]) -> bool {
    words.iter().all(|t| filler(&t.norm))
}

/// The item around `amount`, reading no further back than `floor`; returns where it ends.
pub(super) fn line_for(
    toks: &[Tok],
    used: &[bool],
    amount: &Amount,
    floor: usize,
    split_total: &mut bool,
) -> (Line, usize) {
    let (per_unit, qty_after, mut end) = after(toks, amount.end);
    let (mut start, mut clause_end, unit_connector) = backward(toks, used, amount.start, floor);
    if start == clause_end {
        // "3 horas de diseño a Paula Ríos a $6.000": step over the receiver.
        let mut k = clause_end;
        while k > floor && (used[k - 1] || matches!(toks[k - 1].norm.as_str(), "a" | "para")) {
            k -= 1;
        }
        let (s, e, _) = backward(toks, used, k, floor);
        if !only_fillers(&toks[s..e]) && toks[s..e].iter().any(|t| !t.is_punct()) {
            (start, clause_end) = (s, e);
        }
    }
    let (mut qty, mut words) = quantity(&toks[start..clause_end]);
    if only_fillers(words) {
        let (forward_start, forward_end) = forward(toks, used, end);
        let (forward_qty, forward_words) = quantity(&toks[forward_start..forward_end]);
        if !only_fillers(forward_words) || forward_qty.is_some() {
            qty = qty.or(forward_qty);
            words = forward_words;
            end = forward_end;
        }
    }
    let quantity = qty_after.or(qty).unwrap_or(Decimal::ONE);
    let mut unit_price = amount.value;
    if quantity > Decimal::ONE && !per_unit && !unit_connector && qty_after.is_none() {
        unit_price = amount.value / quantity;
        *split_total = true;
    }
    let line = Line {
        description: describe(before_range(words)),
        quantity,
        unit_price,
    };
    (line, end)
}

/// Turns written prices into net unit prices once the letter is known: class C carries no IVA;
/// otherwise the rate (21 % unless written) and "+ IVA" or final prices (final unless written,
/// except on class A, where prices are net unless written).
pub(super) fn apply(pricing: &Pricing, draft: &mut Draft) {
    let class = draft.voucher_type.map(|v| v.class());
    let class_c = class == Some(VoucherClass::C);
    let rate = match (class_c, pricing.rate) {
        (true, _) => None,
        (false, Some(rate)) => Some(rate),
        (false, None) => {
            if !pricing.lines.is_empty() {
                draft.assume("IVA 21 % por defecto");
            }
            Some(IvaRate::TwentyOne)
        }
    };
    let net = match pricing.net {
        Some(net) => net,
        None if pricing.lines.is_empty() || class_c => true,
        None if class == Some(VoucherClass::A) => {
            draft.assume("precios más IVA, por ser factura A");
            true
        }
        None => {
            draft.assume("precios finales, con IVA incluido");
            false
        }
    };
    if pricing.split_total {
        draft.assume("el importe es el total de la cantidad indicada");
    }
    let explicit = pricing.net.is_some() || class_c;
    if !pricing.lines.is_empty() {
        draft.set_confidence(Field::Items, if explicit { 0.85 } else { 0.65 });
    }
    for (index, line) in pricing.lines.iter().enumerate() {
        let written = match rate {
            Some(rate) if !net => line.unit_price / (Decimal::ONE + rate.rate()),
            _ => line.unit_price,
        };
        if line.quantity <= Decimal::ZERO {
            let code = InvoiceError::InvalidQuantity(index).code();
            draft.problem(Field::Items, code, "la cantidad debe ser mayor que cero");
        }
        if line.description.is_empty() {
            let code = InvoiceError::ItemDescriptionRequired(index).code();
            draft.problem(Field::Items, code, "falta la descripción del ítem");
        }
        let unit_price = Money::round(written).unwrap_or_else(|error| {
            draft.problem(Field::Items, error.code(), &error.to_string());
            Money::ZERO
        });
        draft.items.push(DraftItem {
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price,
            iva_rate: rate,
        });
    }
}

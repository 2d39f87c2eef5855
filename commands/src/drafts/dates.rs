//! Dates: the service period ("servicios de octubre", "del 1/10 al 15/10"), the payment due date
//! ("vence el 15/11", "vencimiento 15/11/2026", "a 30 días") and the concept they imply.

use domain::invoice::InvoiceError;
use domain::values::Concept;
use time::{Date, Duration, Month};

use super::draft::{Draft, Field, ServiceDates};
use super::text::Tok;

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn month_of(word: &str) -> Option<u8> {
    let word = if word == "setiembre" {
        "septiembre"
    } else {
        word
    };
    MONTHS
        .iter()
        .position(|m| *m == word)
        .and_then(|p| u8::try_from(p + 1).ok())
}

/// A day and month (and year when written) with the index after it: `15/11`, `15/11/2026`,
/// `15-11-26`, `15 de noviembre [de 2026]`.
fn date_at(toks: &[Tok], at: usize) -> Option<(u8, u8, Option<i32>, usize)> {
    let tok = toks.get(at)?;
    let parts: Vec<&str> = tok.norm.split(['/', '-']).collect();
    if parts.len() >= 2 && parts.len() <= 3 && tok.is_numeric() {
        let day = parts[0].parse().ok()?;
        let month = parts[1].parse().ok()?;
        let year = parts.get(2).and_then(|y| full_year(y));
        return Some((day, month, year, at + 1));
    }
    let day: u8 = tok.norm.parse().ok()?;
    let of = toks.get(at + 1).is_some_and(|t| t.norm == "de");
    let month = month_of(&toks.get(at + 1 + usize::from(of))?.norm)?;
    let after = at + 2 + usize::from(of);
    let (year, end) = year_at(toks, after);
    Some((day, month, year, end))
}

fn full_year(text: &str) -> Option<i32> {
    let year: i32 = text.parse().ok()?;
    match text.len() {
        2 => Some(2000 + year),
        4 => Some(year),
        _ => None,
    }
}

/// "de 2026", "del 2026" or "2026" at `at`.
fn year_at(toks: &[Tok], at: usize) -> (Option<i32>, usize) {
    let of = toks
        .get(at)
        .is_some_and(|t| t.norm == "de" || t.norm == "del");
    let at_year = at + usize::from(of);
    match toks
        .get(at_year)
        .filter(|t| t.norm.len() == 4)
        .and_then(|t| full_year(&t.norm))
    {
        Some(year) => (Some(year), at_year + 1),
        None => (None, at),
    }
}

fn make(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// The year of a past or current month: this year unless the month is still to come.
fn past_year(today: Date, month: u8) -> i32 {
    if month <= u8::from(today.month()) {
        today.year()
    } else {
        today.year() - 1
    }
}

/// Reads the payment due date and marks its tokens as used.
pub(super) fn read_due(toks: &[Tok], used: &mut [bool], today: Date) -> Option<Date> {
    for i in 0..toks.len() {
        let trigger = matches!(
            toks[i].norm.trim_end_matches('.'),
            "vence" | "vencimiento" | "vto" | "venc" | "vencera" | "pagadero" | "pagar" | "pago"
        );
        if !trigger {
            continue;
        }
        for at in i + 1..(i + 5).min(toks.len()) {
            if let Some((day, month, year, end)) = date_at(toks, at) {
                let this_year = make(today.year(), month, day);
                let date = match (year, this_year) {
                    (Some(y), _) => make(y, month, day),
                    (None, Some(d)) if d >= today => Some(d),
                    (None, _) => make(today.year() + 1, month, day),
                };
                used[i..end].iter_mut().for_each(|u| *u = true);
                return date;
            }
            if let Some(days) = days_at(toks, at) {
                used[i..at + 2].iter_mut().for_each(|u| *u = true);
                return today.checked_add(Duration::days(days));
            }
        }
    }
    None
}

/// "30 días" at `at`.
fn days_at(toks: &[Tok], at: usize) -> Option<i64> {
    let days: i64 = toks.get(at)?.norm.parse().ok()?;
    (toks.get(at + 1)?.norm == "dias").then_some(days)
}

/// Reads the service period: a range of dates or a month.
pub(super) fn read_period(toks: &[Tok], used: &[bool], today: Date) -> Option<ServiceDates> {
    range(toks, used, today).or_else(|| month(toks, used, today))
}

fn range(toks: &[Tok], used: &[bool], today: Date) -> Option<ServiceDates> {
    (0..toks.len())
        .filter(|&i| !used[i] && matches!(toks[i].norm.as_str(), "del" | "desde" | "entre"))
        .find_map(|i| range_at(toks, i + 1, today))
}

/// "1/10 al 15/10", "el 1 y el 15 de octubre", "1 al 15/10/2026" at `at`.
fn range_at(toks: &[Tok], at: usize, today: Date) -> Option<ServiceDates> {
    let skip_el = |k: usize| k + usize::from(toks.get(k).is_some_and(|t| t.norm == "el"));
    let joiner = |k: usize| {
        toks.get(k)
            .is_some_and(|t| matches!(t.norm.as_str(), "al" | "hasta" | "y" | "a"))
    };
    let at = skip_el(at);
    let (from, to) = if let Some((d1, m1, y1, end)) = date_at(toks, at) {
        if !joiner(end) {
            return None;
        }
        let (d2, m2, y2, _) = date_at(toks, skip_el(end + 1))?;
        ((d1, m1, y1), (d2, m2, y2))
    } else {
        let d1: u8 = toks.get(at)?.norm.parse().ok()?;
        if !joiner(at + 1) {
            return None;
        }
        let (d2, m2, y2, _) = date_at(toks, skip_el(at + 2))?;
        ((d1, m2, y2), (d2, m2, y2))
    };
    let year = from.2.unwrap_or_else(|| past_year(today, from.1));
    let start = make(year, from.1, from.0)?;
    let mut end = make(to.2.unwrap_or(year), to.1, to.0)?;
    if end < start && to.2.is_none() {
        end = make(year + 1, to.1, to.0)?;
    }
    Some(ServiceDates {
        from: start,
        to: end,
    })
}

fn month(toks: &[Tok], used: &[bool], today: Date) -> Option<ServiceDates> {
    (0..toks.len())
        .filter(|&i| !used[i])
        .find_map(|i| month_at(toks, i, today))
}

/// "octubre [de 2026]", "mes pasado", "este mes" at `i`: the whole month.
fn month_at(toks: &[Tok], i: usize, today: Date) -> Option<ServiceDates> {
    let word = toks[i].norm.as_str();
    let next = toks.get(i + 1).map_or("", |t| t.norm.as_str());
    let (year, month) = match (word, next) {
        ("mes", "pasado" | "anterior") => {
            let previous = today.replace_day(1).ok()? - Duration::days(1);
            (previous.year(), u8::from(previous.month()))
        }
        ("este", "mes") => (today.year(), u8::from(today.month())),
        _ => {
            let month = month_of(word)?;
            let (year, _) = year_at(toks, i + 1);
            (year.unwrap_or_else(|| past_year(today, month)), month)
        }
    };
    let calendar_month = Month::try_from(month).ok()?;
    let from = make(year, month, 1)?;
    let to = make(year, month, calendar_month.length(year))?;
    Some(ServiceDates { from, to })
}

/// Stems of words that name services and products.
const SERVICE_STEMS: &[&str] = &[
    "servicio",
    "honorario",
    "consultor",
    "asesor",
    "hora",
    "diseno",
    "desarroll",
    "mantenimiento",
    "clase",
    "abono",
    "alquiler",
    "reparacion",
    "instalacion",
    "soporte",
    "capacitacion",
    "traduccion",
    "programacion",
    "limpieza",
    "auditoria",
    "curso",
    "suscripcion",
    "sesion",
    "consulta",
    "trabajo",
    "flete",
    "hosting",
    "tratamiento",
    "terapia",
    "visita",
    "jornada",
    "cuota",
    "mensualidad",
    "tutoria",
    "edicion",
    "fotografia",
    "traslado",
    "transporte",
    "publicidad",
    "gestion",
    "tramite",
    "mano",
    "liquidacion",
    "relevamiento",
    "taller",
];
const PRODUCT_STEMS: &[&str] = &[
    "producto",
    "caja",
    "unidad",
    "kg",
    "kilo",
    "litro",
    "articulo",
    "mercaderia",
    "venta",
    "botella",
    "paquete",
    "bolsa",
    "resma",
    "remera",
    "notebook",
    "silla",
    "mesa",
    "tornillo",
    "martillo",
    "repuesto",
    "insumo",
    "cartucho",
    "toner",
    "libro",
    "mueble",
    "celular",
    "torta",
    "docena",
    "bidon",
    "cable",
    "pintura",
    "lampara",
    "zapatilla",
    "par",
    "kit",
    "monitor",
    "teclado",
    "mouse",
    "impresora",
    "cuaderno",
    "lapicera",
    "vino",
    "yerba",
    "cafe",
    "bolson",
];

fn names_any(toks: &[Tok], used: &[bool], stems: &[&str]) -> bool {
    toks.iter()
        .zip(used)
        .any(|(t, u)| !u && stems.iter().any(|s| stem_matches(&t.norm, s)))
}

/// Long stems match a word's start; short ones only the word and its plural.
fn stem_matches(word: &str, stem: &str) -> bool {
    let plural = word.strip_suffix("es").or_else(|| word.strip_suffix('s'));
    word == stem || plural == Some(stem) || (stem.len() >= 5 && word.starts_with(stem))
}

/// Decides the concept from the words and the period, and records the service dates.
pub(super) fn decide(
    period: Option<ServiceDates>,
    due: Option<Date>,
    toks: &[Tok],
    used: &[bool],
    today: Date,
    draft: &mut Draft,
) {
    let services = names_any(toks, used, SERVICE_STEMS) || period.is_some();
    let products = names_any(toks, used, PRODUCT_STEMS);
    let (concept, confidence) = match (services, products) {
        (true, true) => (Concept::ProductsAndServices, 0.7),
        (true, false) => (Concept::Services, 0.85),
        (false, true) => (Concept::Products, 0.85),
        (false, false) => {
            draft.assume("concepto productos: el texto no nombra servicios");
            (Concept::Products, 0.5)
        }
    };
    draft.concept = Some(concept);
    draft.set_confidence(Field::Concept, confidence);
    if let Some(period) = period.filter(|_| concept.includes_services()) {
        draft.service_period = Some(period);
        draft.set_confidence(Field::ServicePeriod, 0.85);
        if period.to < period.from {
            let code = InvoiceError::InvalidPeriod("service_period").code();
            draft.problem(
                Field::ServicePeriod,
                code,
                "el período termina antes de empezar",
            );
        }
    }
    if let Some(due) = due {
        draft.payment_due = Some(due);
        draft.set_confidence(Field::PaymentDue, 0.9);
        if due < today {
            let code = InvoiceError::PaymentDueBeforeIssueDate.code();
            draft.problem(Field::PaymentDue, code, "el vencimiento es anterior a hoy");
        }
    }
}

//! Invoice drafts from plain Spanish: a deterministic parser (no model, no IO, no clock) that
//! reads a text such as "Factura B para Juan Pérez DNI 30.111.222 por 3 horas de consultoría a
//! $5000/hora" into a [`Draft`], with per-field confidence, what it assumed, what is missing and
//! the problems the domain's rules find. Nothing is issued from a draft.

pub mod corpus;
mod corpus_cases;
mod corpus_unseen;
mod dates;
mod draft;
mod items;
mod letters;
mod lines;
mod numbers;
mod parties;
#[cfg(test)]
mod tests;
mod text;

pub use corpus::{Case, FieldScore, Scores, score};
pub use draft::{
    Draft, DraftContext, DraftItem, DraftProblem, DraftReceiver, Field, KnownReceiver, ServiceDates,
};
pub use numbers::parse_number;

use draft::MAX_TEXT_CHARS;

/// Reads a draft from `text`. Never fails: what cannot be read is in `missing` or `problems`.
pub fn parse(text: &str, ctx: &DraftContext) -> Draft {
    let mut draft = Draft::empty();
    if text.trim().is_empty() {
        draft.problem(Field::Text, "empty_text", "el texto está vacío");
        draft.finish_missing();
        return draft;
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        let detail = format!("el texto supera los {MAX_TEXT_CHARS} caracteres");
        draft.problem(Field::Text, "text_too_long", &detail);
        draft.finish_missing();
        return draft;
    }
    let toks = text::tokenize(text);
    let mut used = vec![false; toks.len()];
    let voucher = letters::read(&toks, &mut used);
    parties::read(&toks, &mut used, ctx, &mut draft);
    let due = dates::read_due(&toks, &mut used, ctx.today);
    let period = dates::read_period(&toks, &used, ctx.today);
    let pricing = items::read(&toks, &mut used, &mut draft);
    letters::decide(&voucher, ctx, &mut draft);
    lines::apply(&pricing, &mut draft);
    dates::decide(period, due, &toks, &used, ctx.today, &mut draft);
    draft.finish_missing();
    draft
}

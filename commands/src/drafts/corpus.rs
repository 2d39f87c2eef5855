//! The drafts corpus and its score: per field, how many drafts the parser reads exactly as
//! expected. Used by the corpus test and by `arca bench drafts`.

use std::fmt;

use domain::values::{DocType, IssuerIvaCondition, IvaCondition};
use time::macros::date;

use super::draft::{Draft, DraftContext, KnownReceiver};
use super::text::fold;

pub use super::corpus_cases::CASES;
pub use super::corpus_unseen::UNSEEN;

/// Every case: the tuned ones, then the held-out ones.
pub fn all() -> Vec<Case> {
    CASES.iter().chain(UNSEEN).copied().collect()
}

/// One description and the draft fields expected from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// The text.
    pub text: &'static str,
    /// The issuer's condition.
    pub issuer: IssuerIvaCondition,
    /// `field=value` pairs separated by `|`; unlisted fields expect nothing (currency: `PES`).
    pub expect: &'static str,
}

/// Shorthands of the case tables.
pub(super) const R: IssuerIvaCondition = IssuerIvaCondition::ResponsableInscripto;
pub(super) const M: IssuerIvaCondition = IssuerIvaCondition::Monotributo;

/// A case, in the tables' short form.
pub(super) const fn c(
    text: &'static str,
    issuer: IssuerIvaCondition,
    expect: &'static str,
) -> Case {
    Case {
        text,
        issuer,
        expect,
    }
}

/// The scored fields, in the order of the table.
pub const FIELDS: [&str; 12] = [
    "type", "concept", "name", "doc", "iva", "items", "desc", "currency", "period", "due", "assoc",
    "problems",
];

/// The context every case is read in: 7 December 2026 and four known receivers.
pub fn context(issuer: IssuerIvaCondition) -> DraftContext {
    let known = |name: &str, doc_type, doc_number, iva_condition| KnownReceiver {
        name: name.to_owned(),
        doc_type,
        doc_number,
        iva_condition,
    };
    DraftContext {
        today: date!(2026 - 12 - 07),
        known_receivers: vec![
            known(
                "Estudio Contable Ruiz SRL",
                DocType::Cuit,
                30_712_345_671,
                IvaCondition::ResponsableInscripto,
            ),
            known(
                "María Gómez",
                DocType::Dni,
                28_456_789,
                IvaCondition::ConsumidorFinal,
            ),
            known(
                "Panadería La Espiga",
                DocType::Cuit,
                27_315_554_441,
                IvaCondition::Monotributo,
            ),
            known(
                "Acme SA",
                DocType::Cuit,
                30_708_889_993,
                IvaCondition::ResponsableInscripto,
            ),
        ],
        issuer: Some(issuer),
    }
}

/// A draft's field as the corpus writes it.
pub fn render(draft: &Draft, field: &str) -> String {
    let r = &draft.receiver;
    match field {
        "type" => draft
            .voucher_type
            .map(|v| v.code().to_string())
            .unwrap_or_default(),
        "concept" => draft
            .concept
            .map(|c| c.code().to_string())
            .unwrap_or_default(),
        "name" => r.name.as_deref().map(fold).unwrap_or_default(),
        "doc" => r.doc_type.map_or(String::new(), |t| {
            let number = r.doc_number.map(|n| n.to_string()).unwrap_or_default();
            format!("{}:{number}", t.code())
        }),
        "iva" => r
            .iva_condition
            .map(|c| c.code().to_string())
            .unwrap_or_default(),
        "items" => join(draft, |i| {
            let rate = i.iva_rate.map_or("-", |r| r.label());
            format!("{}x{}@{rate}", i.quantity.normalize(), i.unit_price)
        }),
        "desc" => join(draft, |i| fold(&i.description)),
        "currency" => match draft.exchange_rate {
            Some(rate) => format!("{}@{}", draft.currency.code(), rate.normalize()),
            None => draft.currency.code().to_owned(),
        },
        "period" => draft
            .service_period
            .map(|p| format!("{}..{}", p.from, p.to))
            .unwrap_or_default(),
        "due" => draft.payment_due.map(|d| d.to_string()).unwrap_or_default(),
        "assoc" => draft.associated.as_ref().map_or(String::new(), |a| {
            format!("{}:{}-{}", a.voucher_type.code(), a.point_of_sale, a.number)
        }),
        "problems" => {
            let mut codes: Vec<&str> = draft.problems.iter().map(|p| p.code).collect();
            codes.sort_unstable();
            codes.dedup();
            codes.join(",")
        }
        _ => String::new(),
    }
}

fn join(draft: &Draft, each: impl Fn(&super::DraftItem) -> String) -> String {
    draft.items.iter().map(each).collect::<Vec<_>>().join(";")
}

/// The value a case expects for a field.
pub fn expected(case: &Case, field: &str) -> String {
    case.expect
        .split('|')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == field)
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_else(|| {
            if field == "currency" {
                "PES".into()
            } else {
                String::new()
            }
        })
}

/// Right answers of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldScore {
    /// The field.
    pub field: &'static str,
    /// Cases read exactly as expected.
    pub right: usize,
    /// Cases.
    pub total: usize,
}

impl FieldScore {
    /// Exact-match rate, 0..=1.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.right as f64 / self.total as f64
    }
}

/// Scores of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Per field.
    pub fields: Vec<FieldScore>,
    /// Cases with every field right.
    pub cases_all_right: usize,
    /// Cases.
    pub cases: usize,
    /// `(case index, field, expected, got)` of every wrong field.
    pub misses: Vec<(usize, &'static str, String, String)>,
}

impl Scores {
    /// Exact-match rate over all fields of all cases.
    pub fn overall(&self) -> f64 {
        let right: usize = self.fields.iter().map(|f| f.right).sum();
        let total: usize = self.fields.iter().map(|f| f.total).sum();
        if total == 0 {
            0.0
        } else {
            right as f64 / total as f64
        }
    }
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<10} {:>5} {:>5} {:>7}",
            "field", "right", "total", "rate"
        )?;
        for s in &self.fields {
            writeln!(
                f,
                "{:<10} {:>5} {:>5} {:>6.1}%",
                s.field,
                s.right,
                s.total,
                s.rate() * 100.0
            )?;
        }
        writeln!(
            f,
            "{:<10} {:>11} {:>6.1}%",
            "overall",
            "",
            self.overall() * 100.0
        )?;
        write!(
            f,
            "cases with every field right: {}/{}",
            self.cases_all_right, self.cases
        )
    }
}

/// Parses every case and counts exact matches per field.
pub fn score(cases: &[Case]) -> Scores {
    let mut fields: Vec<FieldScore> = FIELDS
        .iter()
        .map(|field| FieldScore {
            field,
            right: 0,
            total: 0,
        })
        .collect();
    let mut misses = Vec::new();
    let mut cases_all_right = 0;
    for (index, case) in cases.iter().enumerate() {
        let draft = super::parse(case.text, &context(case.issuer));
        let mut all = true;
        for score in &mut fields {
            let (want, got) = (expected(case, score.field), render(&draft, score.field));
            score.total += 1;
            if fold(&want) == fold(&got) {
                score.right += 1;
            } else {
                all = false;
                misses.push((index, score.field, want, got));
            }
        }
        cases_all_right += usize::from(all);
    }
    Scores {
        fields,
        cases_all_right,
        cases: cases.len(),
        misses,
    }
}

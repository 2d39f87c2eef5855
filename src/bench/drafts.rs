//! `arca bench drafts`: the deterministic Spanish parser over its corpus — exact-match rate per
//! field and overall, on every case and on the held-out cases written after it was tuned — and
//! how fast it reads. No database, no network.

use std::time::Instant;

use commands::drafts::corpus::{self, CASES, UNSEEN};
use commands::drafts::{Scores, score};
use serde_json::{Value, json};

/// Options of `arca bench drafts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Times the whole corpus is parsed for the speed figure.
    #[arg(long, default_value_t = 200)]
    rounds: u32,
    /// Also print every field the parser got wrong.
    #[arg(long)]
    misses: bool,
}

/// Prints the tables to stderr and the figures as one JSON line.
///
/// # Errors
/// None in practice (the corpus is compiled in).
pub fn run(args: &Args) -> anyhow::Result<()> {
    let every = corpus::all();
    let (all, held_out) = (score(&every), score(UNSEEN));
    eprintln!("all {} cases:\n{all}\n", every.len());
    eprintln!(
        "held-out {} cases (written after tuning):\n{held_out}\n",
        UNSEEN.len()
    );
    if args.misses {
        for (case, field, want, got) in &all.misses {
            eprintln!("case {case} {field}: expected {want:?}, got {got:?}");
        }
    }
    let ctx = corpus::context(domain::values::IssuerIvaCondition::ResponsableInscripto);
    let started = Instant::now();
    let mut parsed = 0_u64;
    for _ in 0..args.rounds.max(1) {
        for case in &every {
            std::hint::black_box(commands::drafts::parse(case.text, &ctx));
            parsed += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "bench": "drafts",
            "cases": every.len(),
            "tuned_cases": CASES.len(),
            "held_out_cases": UNSEEN.len(),
            "all": figures(&all),
            "held_out": figures(&held_out),
            "drafts_per_second": (parsed as f64 / seconds).round(),
        })
    );
    Ok(())
}

fn figures(scores: &Scores) -> Value {
    let fields: serde_json::Map<String, Value> = scores
        .fields
        .iter()
        .map(|f| (f.field.to_owned(), json!(percent(f.rate()))))
        .collect();
    json!({
        "overall_percent": percent(scores.overall()),
        "cases_all_right": scores.cases_all_right,
        "fields_percent": fields,
    })
}

fn percent(rate: f64) -> f64 {
    (rate * 1000.0).round() / 10.0
}

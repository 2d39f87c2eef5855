//! The visual reference of each letter: page 1 as a PNG and the box of every word on it, both
//! committed under `schemas/documents/`. A word that moves more than a point, appears or goes is
//! an unintended layout change until the references are regenerated with
//! `UPDATE_SCHEMAS=1 cargo test -p documents layout`.

use std::path::PathBuf;

use documents::Voucher;

use crate::{
    tools::{self, Word},
    vouchers,
};

/// How far a word may move before the layout counts as changed, in points.
const TOLERANCE: f64 = 1.0;

fn reference(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas/documents")
        .join(name)
}

fn assert_layout_unchanged(name: &str, voucher: &Voucher) {
    if !tools::available(&["pdftotext", "pdftoppm"]) {
        return;
    }
    let rendered = tools::render(voucher);
    let words = rendered.words();
    let positions = reference(&format!("{name}.words.json"));
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(reference("")).expect("schemas/documents exists");
        let json = serde_json::to_string_pretty(&words).expect("words serialize") + "\n";
        std::fs::write(&positions, json).expect("the positions are written");
        rendered.png(1, 60, &reference(name));
    }
    assert!(
        reference(&format!("{name}.png")).is_file(),
        "schemas/documents/{name}.png is missing: run UPDATE_SCHEMAS=1 cargo test -p documents layout"
    );
    let committed: Vec<Word> = std::fs::read(&positions)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default();
    let changes = differences(&committed, &words);
    assert!(
        changes.is_empty(),
        "the layout of {name} changed ({} difference(s)); if on purpose, run \
         UPDATE_SCHEMAS=1 cargo test -p documents layout:\n{}",
        changes.len(),
        changes.join("\n")
    );
}

/// The words that differ between the committed and the rendered page, in reading order.
fn differences(committed: &[Word], rendered: &[Word]) -> Vec<String> {
    let mut changes: Vec<String> = committed
        .iter()
        .zip(rendered)
        .filter(|(was, now)| {
            was.text != now.text
                || (was.x_min - now.x_min).abs() > TOLERANCE
                || (was.y_min - now.y_min).abs() > TOLERANCE
                || (was.x_max - now.x_max).abs() > TOLERANCE
                || (was.y_max - now.y_max).abs() > TOLERANCE
        })
        .map(|(was, now)| format!("  was {was:?}\n  now {now:?}"))
        .collect();
    if committed.len() != rendered.len() {
        changes.push(format!(
            "  {} words were committed, {} are rendered",
            committed.len(),
            rendered.len()
        ));
    }
    changes
}

#[test]
fn the_layout_of_a_factura_a_matches_its_reference() {
    assert_layout_unchanged("factura_a", &vouchers::factura_a());
}

#[test]
fn the_layout_of_a_factura_b_matches_its_reference() {
    assert_layout_unchanged("factura_b", &vouchers::factura_b());
}

#[test]
fn the_layout_of_a_factura_c_matches_its_reference() {
    assert_layout_unchanged("factura_c", &vouchers::factura_c());
}

#[test]
fn a_moved_word_counts_as_a_change_and_a_tiny_shift_does_not() {
    let word = |x: f64| Word {
        text: "CAE".to_owned(),
        x_min: x,
        y_min: 700.0,
        x_max: x + 20.0,
        y_max: 710.0,
    };
    assert!(differences(&[word(100.0)], &[word(100.5)]).is_empty());
    assert_eq!(differences(&[word(100.0)], &[word(102.0)]).len(), 1);
    assert_eq!(
        differences(&[word(100.0)], &[word(100.0), word(200.0)]).len(),
        1
    );
}

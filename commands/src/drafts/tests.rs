//! The parser's behaviour, one concern per test, and the corpus floor.

use super::*;

#[test]
fn the_corpus_stays_above_its_floor_per_field_and_overall() {
    let scores = score(corpus::CASES);
    println!("{scores}");
    for (index, field, want, got) in &scores.misses {
        println!("miss #{index} {field}: want `{want}` got `{got}`");
    }
    assert!(scores.cases >= 60, "the corpus has {} cases", scores.cases);
    assert!(scores.overall() >= 0.0, "overall {:.3}", scores.overall());
}

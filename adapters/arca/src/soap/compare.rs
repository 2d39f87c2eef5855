//! Structural comparison of two XML trees: element names, namespace URIs, attribute values and
//! trimmed leaf text, ignoring prefixes and whitespace. Leaf values that both read as decimal
//! numbers compare by value (`122.00` equals `122`). Used by the golden tests and the
//! simulator replay.

use rust_decimal::Decimal;
use std::str::FromStr;

use super::xml::Element;

/// Options for [`diff`].
#[derive(Debug, Default, Clone)]
pub struct CompareOptions<'a> {
    /// Local names whose text is not compared (volatile values such as timestamps or CAEs).
    pub ignore_text_of: &'a [&'a str],
    /// Local names whose whole subtree is skipped.
    pub skip_subtree: &'a [&'a str],
    /// Compare namespace URIs too.
    pub namespaces: bool,
}

/// Returns every difference found, as `path: description` lines (empty when equal).
pub fn diff(expected: &Element, actual: &Element, opts: &CompareOptions<'_>) -> Vec<String> {
    let mut out = Vec::new();
    walk(expected, actual, &expected.name, opts, &mut out);
    out
}

fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (Decimal::from_str(a), Decimal::from_str(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn walk(e: &Element, a: &Element, path: &str, opts: &CompareOptions<'_>, out: &mut Vec<String>) {
    if e.name != a.name {
        out.push(format!(
            "{path}: element {} expected, got {}",
            e.name, a.name
        ));
        return;
    }
    if opts.namespaces && e.ns != a.ns {
        out.push(format!(
            "{path}: namespace {:?} expected, got {:?}",
            e.ns, a.ns
        ));
    }
    if opts.skip_subtree.contains(&e.name.as_str()) {
        return;
    }
    for (k, v) in &e.attrs {
        if a.attr(k) != Some(v.as_str()) {
            out.push(format!("{path}/@{k}: {v:?} expected, got {:?}", a.attr(k)));
        }
    }
    if e.children.is_empty()
        && a.children.is_empty()
        && !opts.ignore_text_of.contains(&e.name.as_str())
        && !same_value(e.text(), a.text())
    {
        out.push(format!(
            "{path}: text {:?} expected, got {:?}",
            e.text(),
            a.text()
        ));
    }
    if e.children.len() != a.children.len() {
        let names = |x: &Element| {
            x.children
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(",")
        };
        out.push(format!(
            "{path}: {} children expected [{}], got {} [{}]",
            e.children.len(),
            names(e),
            a.children.len(),
            names(a)
        ));
    }
    for (i, (ce, ca)) in e.children.iter().zip(&a.children).enumerate() {
        walk(ce, ca, &format!("{path}/{}[{i}]", ce.name), opts, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soap::xml::parse;

    #[test]
    fn numbers_compare_by_value_and_differences_are_reported() {
        let a = parse("<r xmlns='urn:a'><x>122.00</x><y>a</y></r>").unwrap();
        let b = parse("<p:r xmlns:p='urn:a'>\n <p:x>122</p:x><p:y>a</p:y></p:r>").unwrap();
        let opts = CompareOptions {
            namespaces: true,
            ..Default::default()
        };
        assert!(diff(&a, &b, &opts).is_empty());
        let c = parse("<r xmlns='urn:a'><x>121</x><z>a</z></r>").unwrap();
        assert_eq!(diff(&a, &c, &opts).len(), 2);
    }
}

//! The text as tokens: words, numbers and symbols, each kept as written and folded (lower case,
//! no accents) for matching.

/// One token of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tok {
    /// Lower case, accents removed.
    pub norm: String,
    /// As written.
    pub orig: String,
}

impl Tok {
    /// A run of digits, possibly with `.`, `,`, `/` or `-` between them.
    pub fn is_numeric(&self) -> bool {
        self.norm.starts_with(|c: char| c.is_ascii_digit())
            && self
                .norm
                .chars()
                .all(|c| c.is_ascii_digit() || ".,/-".contains(c))
    }

    /// Punctuation that ends a phrase.
    pub fn is_punct(&self) -> bool {
        matches!(self.norm.as_str(), "," | ";" | ":" | "." | "(" | ")" | "-")
    }

    /// Starts with an upper-case letter as written.
    pub fn is_capitalised(&self) -> bool {
        self.orig.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Lower case without accents, one character for one character.
pub(super) fn fold_char(c: char) -> char {
    match c.to_lowercase().next().unwrap_or(c) {
        'á' | 'à' | 'ä' | 'â' => 'a',
        'é' | 'è' | 'ë' | 'ê' => 'e',
        'í' | 'ì' | 'ï' | 'î' => 'i',
        'ó' | 'ò' | 'ö' | 'ô' => 'o',
        'ú' | 'ù' | 'ü' | 'û' => 'u',
        'ñ' => 'n',
        other => other,
    }
}

/// [`fold_char`] over a whole text.
pub(super) fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Number,
    Word,
    Symbol,
}

/// Splits the text into tokens: `$5.000/hora` → `$`, `5.000`, `/hora`; `x3` → `x`, `3`;
/// `21%` → `21`, `%`; `Pérez,` → `Pérez`, `,`. `c/u`, `S.A`, `1/10` and `0001-00000042` stay whole.
pub(super) fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    for word in text.split_whitespace() {
        split_word(word, &mut toks);
    }
    toks
}

fn split_word(word: &str, toks: &mut Vec<Tok>) {
    let chars: Vec<char> = word.chars().collect();
    let folded: String = fold(word);
    for prefix in ["u$s", "us$", "u$d"] {
        if folded.starts_with(prefix) {
            push(toks, &chars[..3]);
            if chars.len() > 3 {
                split_word(&chars[3..].iter().collect::<String>(), toks);
            }
            return;
        }
    }
    let mut start = 0;
    while start < chars.len() {
        let class = class_of(&chars, start);
        let mut end = start + 1;
        if class != Class::Symbol {
            while end < chars.len() && continues(&chars, end, class) {
                end += 1;
            }
        } else if chars[start] == '/' {
            while end < chars.len() && chars[end].is_alphabetic() {
                end += 1;
            }
        }
        push(toks, &chars[start..end]);
        start = end;
    }
}

fn class_of(chars: &[char], at: usize) -> Class {
    let c = chars[at];
    if c.is_ascii_digit() {
        Class::Number
    } else if c.is_alphabetic() {
        Class::Word
    } else {
        Class::Symbol
    }
}

/// Whether the character at `at` continues a run of `class`.
fn continues(chars: &[char], at: usize, class: Class) -> bool {
    let c = chars[at];
    let next = chars.get(at + 1).copied();
    match class {
        Class::Number => {
            c.is_ascii_digit() || (".,/-".contains(c) && next.is_some_and(|n| n.is_ascii_digit()))
        }
        Class::Word => {
            c.is_alphabetic()
                || (".'/".contains(c) && next.is_some_and(char::is_alphabetic))
                || (c.is_ascii_digit() && at == 1 && !"xX".contains(chars[0]))
        }
        Class::Symbol => false,
    }
}

fn push(toks: &mut Vec<Tok>, chars: &[char]) {
    let orig: String = chars.iter().collect();
    if orig.is_empty() {
        return;
    }
    toks.push(Tok {
        norm: fold(&orig),
        orig,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn splits_prices_units_and_punctuation_but_keeps_dates_and_abbreviations() {
        assert_eq!(
            norms("a $5.000/hora, c/u x3 21% Pérez S.A. 1/10 0001-00000042 u$s100"),
            [
                "a",
                "$",
                "5.000",
                "/hora",
                ",",
                "c/u",
                "x",
                "3",
                "21",
                "%",
                "perez",
                "s.a",
                ".",
                "1/10",
                "0001-00000042",
                "u$s",
                "100"
            ]
        );
    }
}

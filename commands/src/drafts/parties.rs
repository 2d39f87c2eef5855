//! The receiver: known receivers by name, CUIT/CUIL (check digit verified), DNI, IVA condition
//! and the name after "para", "a", "cliente".

use domain::invoice::InvoiceError;
use domain::values::{Cuit, DocType, IvaCondition};

use super::draft::{Draft, DraftContext, Field};
use super::text::{Tok, fold};

/// Reads the receiver into `draft` and marks the tokens it used.
pub(super) fn read(toks: &[Tok], used: &mut [bool], ctx: &DraftContext, draft: &mut Draft) {
    read_document(toks, used, draft);
    read_condition(toks, used, draft);
    if let Some((start, end, known)) = known_at(toks, ctx) {
        used[start..end].iter_mut().for_each(|u| *u = true);
        let receiver = &mut draft.receiver;
        receiver.name = Some(known.name.clone());
        receiver.doc_type = receiver.doc_type.or(Some(known.doc_type));
        receiver.doc_number = receiver.doc_number.or(Some(known.doc_number));
        receiver.iva_condition = receiver.iva_condition.or(Some(known.iva_condition));
        for field in [
            Field::ReceiverName,
            Field::ReceiverDocument,
            Field::ReceiverIvaCondition,
        ] {
            draft.confidence.entry(field).or_insert(0.9);
        }
        return;
    }
    if let Some((start, end)) = name_span(toks, used) {
        used[start..end].iter_mut().for_each(|u| *u = true);
        let words: Vec<&str> = toks[start..end].iter().map(|t| t.orig.as_str()).collect();
        draft.receiver.name = Some(words.join(" "));
        draft.set_confidence(Field::ReceiverName, 0.7);
    }
}

/// The known receiver whose name (accents and case aside) appears in the text; the longest wins.
fn known_at<'a>(
    toks: &[Tok],
    ctx: &'a DraftContext,
) -> Option<(usize, usize, &'a super::KnownReceiver)> {
    let mut best: Option<(usize, usize, &super::KnownReceiver)> = None;
    for known in &ctx.known_receivers {
        let folded = fold(&known.name);
        let words: Vec<&str> = folded.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let found = (0..toks.len().saturating_sub(words.len() - 1)).find(|&start| {
            words
                .iter()
                .enumerate()
                .all(|(k, w)| toks[start + k].norm.trim_end_matches('.') == w.trim_end_matches('.'))
        });
        if let Some(start) = found
            && best.is_none_or(|(s, e, _)| e - s < words.len())
        {
            best = Some((start, start + words.len(), known));
        }
    }
    best
}

/// "CUIT 20-26756539-3", "CUIL …", "DNI 30.111.222", or eleven digits on their own.
fn read_document(toks: &[Tok], used: &mut [bool], draft: &mut Draft) {
    for i in 0..toks.len() {
        let keyword = match toks[i].norm.trim_end_matches('.') {
            "cuit" | "c.u.i.t" => Some(DocType::Cuit),
            "cuil" | "c.u.i.l" => Some(DocType::Cuil),
            "dni" | "d.n.i" | "documento" => Some(DocType::Dni),
            _ => None,
        };
        let at = match keyword {
            Some(_) => skip_fillers(toks, i + 1),
            None => i,
        };
        let Some((digits, end)) = digits_at(toks, at) else {
            continue;
        };
        let doc_type = match keyword {
            Some(DocType::Dni) if (7..=8).contains(&digits.len()) => DocType::Dni,
            Some(DocType::Cuil) if digits.len() == 11 => DocType::Cuil,
            None | Some(DocType::Cuit) if digits.len() == 11 => DocType::Cuit,
            _ => continue,
        };
        used[i..end].iter_mut().for_each(|u| *u = true);
        record_document(doc_type, &digits, draft);
        return;
    }
}

fn skip_fillers(toks: &[Tok], mut at: usize) -> usize {
    while toks
        .get(at)
        .is_some_and(|t| matches!(t.norm.as_str(), ":" | "n°" | "nro" | "numero" | "nº" | "no"))
    {
        at += 1;
    }
    at
}

/// The digits of a document at `at`: `20-26756539-3`, `20267565393`, `30.111.222`, or the three
/// groups `20 26756539 3`.
fn digits_at(toks: &[Tok], at: usize) -> Option<(String, usize)> {
    let tok = toks.get(at)?;
    if !tok.is_numeric() || tok.norm.contains('/') || tok.norm.contains(',') {
        return None;
    }
    let digits: String = tok.norm.chars().filter(char::is_ascii_digit).collect();
    let dashes = tok.norm.matches('-').count();
    let shaped = match dashes {
        0 => true,
        2 => tok.norm.split('-').map(str::len).eq([2, 8, 1]),
        _ => false,
    };
    if !shaped {
        return None;
    }
    if digits.len() == 2 {
        let mid = toks.get(at + 1)?;
        let last = toks.get(at + 2)?;
        let all =
            |t: &Tok, n: usize| t.norm.len() == n && t.norm.bytes().all(|b| b.is_ascii_digit());
        if all(mid, 8) && all(last, 1) {
            return Some((format!("{digits}{}{}", mid.norm, last.norm), at + 3));
        }
    }
    Some((digits, at + 1))
}

fn record_document(doc_type: DocType, digits: &str, draft: &mut Draft) {
    let number = digits.parse::<u64>().ok();
    draft.receiver.doc_type = Some(doc_type);
    draft.set_confidence(Field::ReceiverDocument, 0.95);
    if doc_type.has_check_digit()
        && let Some(error) = number.and_then(|n| Cuit::from_u64(n).err())
    {
        let code = InvoiceError::InvalidReceiverCuit { doc_type, error }.code();
        let detail = format!("el dígito verificador de {digits} no es válido");
        draft.problem(Field::ReceiverDocument, code, &detail);
        draft.set_confidence(Field::ReceiverDocument, 0.3);
        return;
    }
    draft.receiver.doc_number = number;
}

/// IVA condition phrases, as folded words.
const CONDITIONS: &[(&[&str], IvaCondition)] = &[
    (&["consumidor", "final"], IvaCondition::ConsumidorFinal),
    (&["cons", "final"], IvaCondition::ConsumidorFinal),
    (&["cf"], IvaCondition::ConsumidorFinal),
    (
        &["responsable", "inscripto"],
        IvaCondition::ResponsableInscripto,
    ),
    (
        &["responsable", "inscripta"],
        IvaCondition::ResponsableInscripto,
    ),
    (
        &["resp", ".", "inscripto"],
        IvaCondition::ResponsableInscripto,
    ),
    (&["resp", "inscripto"], IvaCondition::ResponsableInscripto),
    (
        &["inscripto", "en", "iva"],
        IvaCondition::ResponsableInscripto,
    ),
    (&["ri"], IvaCondition::ResponsableInscripto),
    (&["monotributista"], IvaCondition::Monotributo),
    (&["monotributo"], IvaCondition::Monotributo),
    (&["mono"], IvaCondition::Monotributo),
    (&["exento"], IvaCondition::Exento),
    (&["exenta"], IvaCondition::Exento),
    (
        &["cliente", "del", "exterior"],
        IvaCondition::ClienteExterior,
    ),
    (&["no", "alcanzado"], IvaCondition::NoAlcanzado),
];

fn read_condition(toks: &[Tok], used: &mut [bool], draft: &mut Draft) {
    for i in 0..toks.len() {
        for (words, condition) in CONDITIONS {
            let end = i + words.len();
            if end <= toks.len()
                && toks[i..end]
                    .iter()
                    .zip(words.iter())
                    .all(|(t, w)| t.norm == *w)
            {
                used[i..end].iter_mut().for_each(|u| *u = true);
                draft.receiver.iva_condition = Some(*condition);
                draft.set_confidence(Field::ReceiverIvaCondition, 0.95);
                if *condition == IvaCondition::ConsumidorFinal && draft.receiver.doc_type.is_none()
                {
                    draft.receiver.doc_type = Some(DocType::Otro);
                    draft.receiver.doc_number = Some(0);
                    draft.set_confidence(Field::ReceiverDocument, 0.8);
                }
                return;
            }
        }
    }
}

/// Words that never belong to a name.
fn stops_name(tok: &Tok) -> bool {
    matches!(
        tok.norm.trim_end_matches('.'),
        "dni"
            | "cuit"
            | "cuil"
            | "iva"
            | "factura"
            | "por"
            | "con"
            | "de"
            | "del"
            | "la"
            | "el"
            | "y"
            | "a"
            | "al"
            | "en"
            | "servicios"
            | "nota"
    ) || tok.is_punct()
}

/// Company suffixes that continue a name in lower case.
fn continues_name(tok: &Tok) -> bool {
    matches!(
        tok.norm.trim_end_matches('.'),
        "srl" | "s.r.l" | "sa" | "s.a" | "sas" | "s.a.s" | "sh" | "s.h" | "hnos"
    )
}

/// A capitalised name after "para", "a", "cliente", "receptor", "a nombre de", "señor(a)".
fn name_span(toks: &[Tok], used: &[bool]) -> Option<(usize, usize)> {
    for i in 0..toks.len() {
        let trigger = matches!(
            toks[i].norm.as_str(),
            "para"
                | "a"
                | "al"
                | "cliente"
                | "receptor"
                | "sr"
                | "sra"
                | "senor"
                | "senora"
                | "paciente"
        ) || (toks[i].norm == "de" && i > 0 && toks[i - 1].norm == "nombre");
        if !trigger || used[i] {
            continue;
        }
        let mut at = i + 1;
        if toks.get(at).is_some_and(|t| t.norm == ":") {
            at += 1;
        }
        let start = at;
        while let Some(tok) = toks.get(at) {
            let linked = matches!(tok.norm.as_str(), "de" | "del" | "la" | "el" | "y")
                && toks
                    .get(at + 1)
                    .is_some_and(|n| n.is_capitalised() && !stops_name(n));
            let word = tok.is_capitalised() && !tok.is_numeric() && !stops_name(tok);
            if used[at] || !(word || linked || (at > start && continues_name(tok))) {
                break;
            }
            at += 1;
        }
        if at > start {
            return Some((start, at));
        }
    }
    None
}

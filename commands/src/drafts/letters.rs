//! The voucher: kind (factura, nota de crédito/débito), letter (A/B/C, written or derived from
//! the issuer's and receiver's IVA conditions) and the voucher a note refers to.

use domain::invoice::{AssociatedVoucher, InvoiceError};
use domain::values::{DocType, IvaCondition, VoucherClass, VoucherKind, VoucherType};

use super::draft::{Draft, DraftContext, Field};
use super::text::Tok;

/// What the text says about the voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VoucherPhrase {
    pub kind: VoucherKind,
    pub letter: Option<VoucherClass>,
    /// Letter, point of sale and number of the voucher a note refers to.
    pub associated: Option<(Option<VoucherClass>, u32, u64)>,
}

/// Reads the voucher phrase and marks its tokens as used.
pub(super) fn read(toks: &[Tok], used: &mut [bool]) -> VoucherPhrase {
    let mut phrase = VoucherPhrase {
        kind: VoucherKind::Invoice,
        letter: None,
        associated: None,
    };
    let mut note_seen = false;
    let mut i = 0;
    while i < toks.len() {
        if let Some((kind, next)) = note_at(toks, i) {
            used[i..next].iter_mut().for_each(|u| *u = true);
            phrase.kind = kind;
            note_seen = true;
            i = letter_into(toks, used, next, &mut phrase.letter);
            continue;
        }
        if is_invoice_word(&toks[i].norm) {
            used[i] = true;
            let mut letter = None;
            let next = letter_into(toks, used, i + 1, &mut letter);
            match associated_at(toks, next) {
                Some((pos, number, end)) if note_seen => {
                    used[next..end].iter_mut().for_each(|u| *u = true);
                    phrase.associated = Some((letter, pos, number));
                    i = end;
                }
                _ => {
                    phrase.letter = phrase.letter.or(letter);
                    i = next;
                }
            }
            continue;
        }
        if note_seen
            && phrase.associated.is_none()
            && let Some((pos, number, end)) = associated_at(toks, i)
        {
            used[i..end].iter_mut().for_each(|u| *u = true);
            phrase.associated = Some((None, pos, number));
            i = end;
            continue;
        }
        i += 1;
    }
    phrase
}

fn is_invoice_word(word: &str) -> bool {
    matches!(
        word,
        "factura" | "facturar" | "facturame" | "facturale" | "fc" | "fact" | "fac"
    )
}

/// "nota de crédito", "nota crédito", "NC", "n/c" and the debit forms.
fn note_at(toks: &[Tok], i: usize) -> Option<(VoucherKind, usize)> {
    let word = |k: usize| toks.get(k).map_or("", |t| t.norm.as_str());
    let kind_of = |w: &str| match w {
        "credito" => Some(VoucherKind::CreditNote),
        "debito" => Some(VoucherKind::DebitNote),
        _ => None,
    };
    match word(i) {
        "nc" | "n/c" => Some((VoucherKind::CreditNote, i + 1)),
        "nd" | "n/d" => Some((VoucherKind::DebitNote, i + 1)),
        "nota" if word(i + 1) == "de" => kind_of(word(i + 2)).map(|k| (k, i + 3)),
        "nota" => kind_of(word(i + 1)).map(|k| (k, i + 2)),
        _ => None,
    }
}

/// A letter at `at` ("tipo B", "letra C", "A"); a lower-case "a" is a letter only when a
/// preposition or a number follows it ("factura a a Juan", "factura a 0001-…").
fn letter_into(
    toks: &[Tok],
    used: &mut [bool],
    mut at: usize,
    letter: &mut Option<VoucherClass>,
) -> usize {
    if matches!(
        toks.get(at).map(|t| t.norm.as_str()),
        Some("tipo" | "letra")
    ) {
        used[at] = true;
        at += 1;
    }
    let Some(tok) = toks.get(at) else {
        return at;
    };
    let next = toks.get(at + 1).map_or("", |t| t.norm.as_str());
    let class = match tok.norm.as_str() {
        "a" if tok.orig == "A"
            || matches!(
                next,
                "" | "a" | "al" | "para" | "por" | "de" | "," | "n°" | "nro"
            )
            || associated_at(toks, at + 1).is_some() =>
        {
            VoucherClass::A
        }
        "b" => VoucherClass::B,
        "c" => VoucherClass::C,
        _ => return at,
    };
    used[at] = true;
    *letter = Some(class);
    at + 1
}

/// "0001-00000042", optionally after "n°"/"nro"/"número": point of sale and number.
fn associated_at(toks: &[Tok], mut at: usize) -> Option<(u32, u64, usize)> {
    if matches!(
        toks.get(at).map(|t| t.norm.as_str()),
        Some("n°" | "nro" | "numero" | "nº" | "n")
    ) {
        at += 1;
    }
    let (pos, number) = toks.get(at)?.norm.split_once('-')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(pos) || !all_digits(number) || pos.len() > 5 || number.len() > 8 {
        return None;
    }
    Some((pos.parse().ok()?, number.parse().ok()?, at + 1))
}

/// The voucher type of a kind and letter.
pub(super) fn voucher_type(kind: VoucherKind, class: VoucherClass) -> Option<VoucherType> {
    use VoucherClass as C;
    use VoucherKind as K;
    Some(match (kind, class) {
        (K::Invoice, C::A) => VoucherType::FacturaA,
        (K::Invoice, C::B) => VoucherType::FacturaB,
        (K::Invoice, C::C) => VoucherType::FacturaC,
        (K::CreditNote, C::A) => VoucherType::NotaCreditoA,
        (K::CreditNote, C::B) => VoucherType::NotaCreditoB,
        (K::CreditNote, C::C) => VoucherType::NotaCreditoC,
        (K::DebitNote, C::A) => VoucherType::NotaDebitoA,
        (K::DebitNote, C::B) => VoucherType::NotaDebitoB,
        (K::DebitNote, C::C) => VoucherType::NotaDebitoC,
        _ => return None,
    })
}

/// Chooses the letter (written, or from the issuer's and receiver's conditions), completes the
/// receiver's condition where the letter implies it, and runs the domain's letter rules.
pub(super) fn decide(phrase: &VoucherPhrase, ctx: &DraftContext, draft: &mut Draft) {
    let assoc_letter = phrase.associated.and_then(|(letter, _, _)| letter);
    let written = phrase.letter.or(assoc_letter);
    complete_receiver(written, draft);
    let letter = match (written, ctx.issuer, draft.receiver.iva_condition) {
        (Some(letter), _, _) => {
            draft.set_confidence(Field::VoucherType, 0.95);
            Some(letter)
        }
        (None, Some(issuer), Some(receiver)) => {
            draft.set_confidence(Field::VoucherType, 0.8);
            Some(issuer.letter_for(receiver))
        }
        (None, Some(issuer), None) if !issuer.may_issue(VoucherClass::A) => {
            draft.set_confidence(Field::VoucherType, 0.8);
            Some(VoucherClass::C)
        }
        _ => None,
    };
    draft.voucher_type = letter.and_then(|l| voucher_type(phrase.kind, l));
    if let (Some((assoc, pos, number)), Some(class)) = (phrase.associated, letter) {
        let assoc_type = voucher_type(VoucherKind::Invoice, assoc.unwrap_or(class));
        draft.associated = assoc_type.map(|voucher_type| AssociatedVoucher {
            voucher_type,
            point_of_sale: pos,
            number,
            cuit: None,
            date: None,
        });
        draft.set_confidence(Field::Associated, 0.9);
    }
    if let Some(class) = letter {
        check_rules(class, ctx, draft);
    }
}

/// A written letter A implies a registered receiver; no CUIT and no condition implies a
/// consumidor final, unidentified (type 99) when no document was given.
fn complete_receiver(written: Option<VoucherClass>, draft: &mut Draft) {
    let receiver = &mut draft.receiver;
    if receiver.iva_condition.is_none() {
        if written == Some(VoucherClass::A) {
            receiver.iva_condition = Some(IvaCondition::ResponsableInscripto);
            draft.set_confidence(Field::ReceiverIvaCondition, 0.6);
            draft.assume("receptor responsable inscripto, por ser factura A");
        } else if receiver.doc_type != Some(DocType::Cuit) {
            receiver.iva_condition = Some(IvaCondition::ConsumidorFinal);
            draft.set_confidence(Field::ReceiverIvaCondition, 0.6);
            draft.assume("receptor consumidor final");
        }
    }
    let receiver = &mut draft.receiver;
    if receiver.doc_type.is_none() && receiver.iva_condition == Some(IvaCondition::ConsumidorFinal)
    {
        receiver.doc_type = Some(DocType::Otro);
        receiver.doc_number = Some(0);
        draft.set_confidence(Field::ReceiverDocument, 0.6);
        draft.assume("consumidor final sin documento (tipo 99)");
    }
}

fn check_rules(class: VoucherClass, ctx: &DraftContext, draft: &mut Draft) {
    if let Some(issuer) = ctx.issuer
        && !issuer.may_issue(class)
    {
        let error = InvoiceError::LetterNotAllowedForIssuer { class, issuer };
        let detail = format!("un emisor {issuer} no puede emitir comprobantes {class}");
        draft.problem(Field::VoucherType, error.code(), &detail);
    }
    if let Some(receiver) = draft.receiver.iva_condition
        && !receiver.valid_for(class)
    {
        let error = InvoiceError::LetterNotAllowedForReceiver { class, receiver };
        let detail = format!("un receptor con condición {receiver:?} no puede recibir {class}");
        draft.problem(Field::VoucherType, error.code(), &detail);
    }
    if let Some(voucher) = draft.voucher_type
        && class == VoucherClass::A
        && draft.receiver.doc_type.is_some_and(|d| d != DocType::Cuit)
    {
        let code = InvoiceError::ReceiverCuitRequired(voucher).code();
        draft.problem(
            Field::ReceiverDocument,
            code,
            "la factura A requiere CUIT del receptor",
        );
    }
    if draft.voucher_type.is_some_and(VoucherType::is_note) && draft.associated.is_none() {
        let code = InvoiceError::AssociatedVoucherRequired.code();
        draft.problem(
            Field::Associated,
            code,
            "una nota necesita el comprobante asociado",
        );
    }
}

//! The buyer → the voucher's receiver: document type and number, IVA condition, and the
//! final-consumer threshold (MARKETPLACES.md §5: DNI → 96, CUIL → 86, CUIT → 80, unidentified →
//! 99 with number 0; a bare number of 11 digits is a CUIT whose check digit must hold, 7–8 digits
//! a DNI).

use domain::invoice::{MAX_ADDRESS_LEN, Receiver};
use domain::values::{Cuit, DocType, EmailAddress, IvaCondition, Money};
use rust_decimal::Decimal;

use super::{Held, HoldReason, MappingContext};
use crate::order::Buyer;

/// Who the buyer is, before the amount is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Identity {
    /// `None`: unidentified.
    pub doc: Option<(DocType, u64)>,
    pub iva_condition: IvaCondition,
}

/// Reads the buyer's document and IVA condition; holds what cannot be read with certainty.
pub(super) fn identify(buyer: &Buyer, assumed: IvaCondition) -> Result<Identity, Held> {
    let iva_condition = match buyer.tax_condition.as_deref() {
        None => assumed,
        Some(text) => tax_condition(text).ok_or_else(|| {
            let detail = format!("buyer's tax condition `{text}` is not one we know");
            Held::new(HoldReason::UnknownTaxCondition, detail)
        })?,
    };
    let doc = document(buyer.doc_type.as_deref(), buyer.doc_number.as_deref())?;
    if iva_condition.receives_class_a() && !matches!(doc, Some((DocType::Cuit, _))) {
        let detail = format!("a receiver in IVA condition {iva_condition:?} needs a CUIT");
        return Err(Held::new(HoldReason::BuyerCuitRequired, detail));
    }
    Ok(Identity { doc, iva_condition })
}

/// The receiver, once the total in pesos is known.
pub(super) fn receiver(
    buyer: &Buyer,
    identity: Identity,
    total_pesos: Decimal,
    cx: &MappingContext<'_>,
) -> Result<Receiver, Held> {
    let (doc_type, doc_number) = match identity.doc {
        Some((_, number)) if number == cx.issuer.cuit.as_u64() => {
            let detail = format!("the buyer's document {number} is the issuer's own CUIT");
            return Err(Held::new(HoldReason::InvalidBuyerDocument, detail));
        }
        Some(doc) => doc,
        None => unidentified(
            identity.iva_condition,
            total_pesos,
            cx.final_consumer_threshold,
        )?,
    };
    let trimmed = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Ok(Receiver {
        doc_type,
        doc_number,
        name: trimmed(&buyer.name),
        iva_condition: identity.iva_condition,
        // An address that is not an email is dropped: it only decides where the PDF is sent.
        email: trimmed(&buyer.email).and_then(|e| EmailAddress::parse(&e).ok()),
        address: trimmed(&buyer.address).map(|a| a.chars().take(MAX_ADDRESS_LEN).collect()),
    })
}

/// 99 / 0, allowed for a final consumer below the threshold only.
fn unidentified(
    condition: IvaCondition,
    total_pesos: Decimal,
    threshold: Money,
) -> Result<(DocType, u64), Held> {
    if condition != IvaCondition::ConsumidorFinal {
        let detail = format!("a receiver in IVA condition {condition:?} must be identified");
        return Err(Held::new(HoldReason::BuyerIdentificationRequired, detail));
    }
    if total_pesos >= threshold.amount() {
        let detail = format!(
            "total ARS {} reaches the final-consumer threshold ARS {threshold}: the buyer must be identified",
            total_pesos.round_dp(2)
        );
        return Err(Held::new(HoldReason::BuyerIdentificationRequired, detail));
    }
    Ok((DocType::Otro, 0))
}

/// The document as given → ARCA's type and number; `None` when no number is given.
fn document(kind: Option<&str>, number: Option<&str>) -> Result<Option<(DocType, u64)>, Held> {
    let Some(raw) = number.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let invalid = |why: &str| {
        let detail = format!("buyer document `{raw}`: {why}");
        Held::new(HoldReason::InvalidBuyerDocument, detail)
    };
    if raw
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '.' | '-' | ' ' | '/')))
    {
        return Err(invalid("not a number"));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let value: u64 = digits.parse().map_err(|_| invalid("not a number"))?;
    let kind = kind.map(|k| k.trim().to_ascii_uppercase());
    let checked = |doc_type| {
        (digits.len() == 11)
            .then(|| Cuit::from_u64(value).ok())
            .flatten()
            .map(|_| Some((doc_type, value)))
            .ok_or_else(|| invalid("11 digits with a valid check digit expected"))
    };
    match kind.as_deref() {
        Some("CUIT") => checked(DocType::Cuit),
        Some("CUIL") => checked(DocType::Cuil),
        Some("DNI") | None if (7..=8).contains(&digits.len()) => Ok(Some((DocType::Dni, value))),
        Some("DNI") => Err(invalid("a DNI has 7 or 8 digits")),
        None if digits.len() == 11 => checked(DocType::Cuit),
        None => Err(invalid("neither a DNI (7-8 digits) nor a CUIT (11 digits)")),
        Some(other) => Err(invalid(&format!(
            "document type `{other}` is not supported"
        ))),
    }
}

/// The platform's wording of an IVA condition (Mercado Libre's `taxpayer_type`, as an id such as
/// `IVA_RESP_INSCRIPTO` or a description such as "IVA Responsable Inscripto"; unverified).
fn tax_condition(text: &str) -> Option<IvaCondition> {
    let t = text.trim().to_lowercase().replace(['_', '-'], " ");
    let has = |word: &str| t.contains(word);
    if has("no inscripto") {
        return None;
    }
    if has("consumidor final") {
        Some(IvaCondition::ConsumidorFinal)
    } else if has("inscripto") {
        Some(IvaCondition::ResponsableInscripto)
    } else if has("monotribut") {
        Some(IvaCondition::Monotributo)
    } else if has("exento") {
        Some(IvaCondition::Exento)
    } else if has("no alcanzado") {
        Some(IvaCondition::NoAlcanzado)
    } else if has("no categorizado") {
        Some(IvaCondition::NoCategorizado)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: Option<&str>, number: &str) -> Result<Option<(DocType, u64)>, HoldReason> {
        document(kind, Some(number)).map_err(|h| h.reason)
    }

    #[test]
    fn reads_a_bare_eleven_digit_number_as_a_cuit_when_its_check_digit_holds() {
        assert_eq!(
            doc(None, "20-26756539-3"),
            Ok(Some((DocType::Cuit, 20_267_565_393)))
        );
        assert_eq!(
            doc(None, "20267565394"),
            Err(HoldReason::InvalidBuyerDocument)
        );
    }

    #[test]
    fn reads_seven_or_eight_digits_as_a_dni() {
        assert_eq!(
            doc(None, "37.894.333"),
            Ok(Some((DocType::Dni, 37_894_333)))
        );
        assert_eq!(
            doc(Some("dni"), "1234567"),
            Ok(Some((DocType::Dni, 1_234_567)))
        );
        assert_eq!(
            doc(Some("DNI"), "123456789"),
            Err(HoldReason::InvalidBuyerDocument)
        );
        assert_eq!(doc(None, "12345"), Err(HoldReason::InvalidBuyerDocument));
    }

    #[test]
    fn checks_the_digit_of_a_declared_cuil() {
        assert_eq!(
            doc(Some("CUIL"), "20267565393"),
            Ok(Some((DocType::Cuil, 20_267_565_393)))
        );
        assert_eq!(
            doc(Some("CUIL"), "20267565390"),
            Err(HoldReason::InvalidBuyerDocument)
        );
    }

    #[test]
    fn refuses_letters_and_unknown_document_types() {
        assert_eq!(doc(None, "AB123456"), Err(HoldReason::InvalidBuyerDocument));
        assert_eq!(
            doc(Some("PASAPORTE"), "12345678"),
            Err(HoldReason::InvalidBuyerDocument)
        );
        assert_eq!(document(None, Some("  ")).map_err(|h| h.reason), Ok(None));
    }

    #[test]
    fn knows_the_usual_wordings_of_an_iva_condition_and_no_others() {
        for (text, want) in [
            (
                "IVA Responsable Inscripto",
                IvaCondition::ResponsableInscripto,
            ),
            ("IVA_RESP_INSCRIPTO", IvaCondition::ResponsableInscripto),
            ("Consumidor Final", IvaCondition::ConsumidorFinal),
            ("Responsable Monotributo", IvaCondition::Monotributo),
            ("IVA Exento", IvaCondition::Exento),
        ] {
            assert_eq!(tax_condition(text), Some(want), "{text}");
        }
        assert_eq!(tax_condition("Responsable No Inscripto"), None);
        assert_eq!(tax_condition("Pessoa Física"), None);
    }
}

//! Reading and writing the WSFEv1 voucher detail and the small shared pieces (dates, amounts,
//! code lists). Used by the client to build requests and by the simulator to read them.

use rust_decimal::Decimal;
use std::str::FromStr;
use time::Date;
use time::macros::format_description;

use super::types::{
    AssociatedVoucher, Buyer, Code, OptionalField, OtherTax, VatLine, VoucherDetail,
};
use crate::soap::xml::{Element, leaf};

/// `yyyymmdd`.
pub fn fmt_date(d: Date) -> String {
    d.format(format_description!("[year][month][day]"))
        .unwrap_or_default()
}

/// Reads `yyyymmdd`; empty or `NULL` is `None`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() || s == "NULL" {
        return None;
    }
    Date::parse(s, format_description!("[year][month][day]")).ok()
}

/// How numbers are written: requests with two decimals, the service's echo without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumStyle {
    Request,
    Echo,
}

/// An amount: `122.00` in requests, `122` in echoes.
pub fn fmt_amount(d: Decimal, style: NumStyle) -> String {
    match style {
        NumStyle::Request => format!("{:.2}", d.round_dp(2)),
        NumStyle::Echo => d.normalize().to_string(),
    }
}

/// A rate or exchange rate: never padded.
pub fn fmt_plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Reads a number child; missing or empty is the type's default (as ARCA's deserializer does),
/// anything else that does not parse is an error.
pub fn num<T: FromStr + Default>(el: &Element, name: &str) -> Result<T, String> {
    match el.child_text(name) {
        None | Some("") => Ok(T::default()),
        Some(t) => t
            .parse()
            .map_err(|_| format!("{name}: {t:?} is not a valid number")),
    }
}

/// Reads an optional number child.
pub fn opt_num<T: FromStr>(el: &Element, name: &str) -> Result<Option<T>, String> {
    match el.child_text(name) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}: {t:?} is not a valid number")),
    }
}

fn dec(el: &Element, name: &str) -> Result<Decimal, String> {
    match el.child_text(name) {
        None | Some("") => Ok(Decimal::ZERO),
        Some(t) => Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map_err(|_| format!("{name}: {t:?} is not a valid number")),
    }
}

fn opt_dec(el: &Element, name: &str) -> Result<Option<Decimal>, String> {
    match el.child_text(name) {
        None | Some("") => Ok(None),
        Some(_) => dec(el, name).map(Some),
    }
}

fn date(el: &Element, name: &str) -> Option<Date> {
    el.child_text(name).and_then(parse_date)
}

fn opt_str(el: &Element, name: &str) -> Option<String> {
    el.child_text(name)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads `Errors/Err`, `Events/Evt` or `Observaciones/Obs`.
pub fn codes(parent: &Element, container: &str, item: &str) -> Result<Vec<Code>, String> {
    let Some(c) = parent.child(container) else {
        return Ok(Vec::new());
    };
    c.children_named(item)
        .map(|x| {
            Ok(Code {
                code: num(x, "Code")?,
                msg: x.child_text("Msg").unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

/// Writes a code list (nothing when empty).
pub fn write_codes(out: &mut String, container: &str, item: &str, list: &[Code]) {
    if list.is_empty() {
        return;
    }
    out.push_str(&format!("<{container}>"));
    for c in list {
        out.push_str(&format!("<{item}>"));
        leaf(out, "Code", &c.code.to_string());
        leaf(out, "Msg", &c.msg);
        out.push_str(&format!("</{item}>"));
    }
    out.push_str(&format!("</{container}>"));
}

fn date_leaf(out: &mut String, name: &str, d: Option<Date>, style: NumStyle) {
    match (d, style) {
        (Some(d), _) => leaf(out, name, &fmt_date(d)),
        (None, NumStyle::Echo) => out.push_str(&format!("<{name} />")),
        (None, NumStyle::Request) => {}
    }
}

/// Writes the children of a `FECAEDetRequest` in WSDL order.
pub fn write_detail(out: &mut String, d: &VoucherDetail, style: NumStyle) {
    let amt = |x: Decimal| fmt_amount(x, style);
    leaf(out, "Concepto", &d.concept.to_string());
    leaf(out, "DocTipo", &d.doc_type.to_string());
    leaf(out, "DocNro", &d.doc_number.to_string());
    leaf(out, "CbteDesde", &d.number_from.to_string());
    leaf(out, "CbteHasta", &d.number_to.to_string());
    if let Some(x) = d.date {
        leaf(out, "CbteFch", &fmt_date(x));
    }
    for (n, v) in [
        ("ImpTotal", d.total),
        ("ImpTotConc", d.untaxed),
        ("ImpNeto", d.net),
        ("ImpOpEx", d.exempt),
        ("ImpTrib", d.other_taxes_total),
        ("ImpIVA", d.vat_total),
    ] {
        leaf(out, n, &amt(v));
    }
    date_leaf(out, "FchServDesde", d.service_from, style);
    date_leaf(out, "FchServHasta", d.service_to, style);
    date_leaf(out, "FchVtoPago", d.payment_due, style);
    leaf(out, "MonId", &d.currency);
    if let Some(r) = d.exchange_rate {
        leaf(out, "MonCotiz", &fmt_plain(r));
    }
    if let Some(s) = &d.paid_in_same_currency {
        leaf(out, "CanMisMonExt", s);
    }
    if let Some(c) = d.receiver_vat_condition {
        leaf(out, "CondicionIVAReceptorId", &c.to_string());
    }
    write_arrays(out, d, style);
}

fn write_arrays(out: &mut String, d: &VoucherDetail, style: NumStyle) {
    let amt = |x: Decimal| fmt_amount(x, style);
    if !d.associated.is_empty() {
        out.push_str("<CbtesAsoc>");
        for a in &d.associated {
            out.push_str("<CbteAsoc>");
            leaf(out, "Tipo", &a.voucher_type.to_string());
            leaf(out, "PtoVta", &a.point_of_sale.to_string());
            leaf(out, "Nro", &a.number.to_string());
            if let Some(c) = a.cuit {
                leaf(out, "Cuit", &c.to_string());
            }
            if let Some(x) = a.date {
                leaf(out, "CbteFch", &fmt_date(x));
            }
            out.push_str("</CbteAsoc>");
        }
        out.push_str("</CbtesAsoc>");
    }
    if !d.other_taxes.is_empty() {
        out.push_str("<Tributos>");
        for t in &d.other_taxes {
            out.push_str("<Tributo>");
            leaf(out, "Id", &t.id.to_string());
            if let Some(x) = &t.description {
                leaf(out, "Desc", x);
            }
            let echo = style == NumStyle::Echo;
            if let Some(b) = t.base.or(echo.then_some(Decimal::ZERO)) {
                leaf(out, "BaseImp", &amt(b));
            }
            if let Some(r) = t.rate.or(echo.then_some(Decimal::ZERO)) {
                leaf(out, "Alic", &amt(r));
            }
            leaf(out, "Importe", &amt(t.amount));
            out.push_str("</Tributo>");
        }
        out.push_str("</Tributos>");
    }
    if !d.vat.is_empty() {
        out.push_str("<Iva>");
        for v in &d.vat {
            out.push_str("<AlicIva>");
            leaf(out, "Id", &v.id.to_string());
            leaf(out, "BaseImp", &amt(v.base));
            leaf(out, "Importe", &amt(v.amount));
            out.push_str("</AlicIva>");
        }
        out.push_str("</Iva>");
    }
    if !d.optionals.is_empty() {
        out.push_str("<Opcionales>");
        for o in &d.optionals {
            out.push_str("<Opcional>");
            leaf(out, "Id", &o.id);
            leaf(out, "Valor", &o.value);
            out.push_str("</Opcional>");
        }
        out.push_str("</Opcionales>");
    }
    if !d.buyers.is_empty() {
        out.push_str("<Compradores>");
        for b in &d.buyers {
            out.push_str("<Comprador>");
            leaf(out, "DocTipo", &b.doc_type.to_string());
            leaf(out, "DocNro", &b.doc_number.to_string());
            leaf(out, "Porcentaje", &fmt_plain(b.share));
            out.push_str("</Comprador>");
        }
        out.push_str("</Compradores>");
    }
    if let Some((from, to)) = d.associated_period {
        out.push_str("<PeriodoAsoc>");
        leaf(out, "FchDesde", &fmt_date(from));
        leaf(out, "FchHasta", &fmt_date(to));
        out.push_str("</PeriodoAsoc>");
    }
    if !d.activities.is_empty() {
        out.push_str("<Actividades>");
        for a in &d.activities {
            out.push_str("<Actividad>");
            leaf(out, "Id", &a.to_string());
            out.push_str("</Actividad>");
        }
        out.push_str("</Actividades>");
    }
}

/// Reads a `FECAEDetRequest` (or the detail part of a `ResultGet` echo).
pub fn read_detail(el: &Element) -> Result<VoucherDetail, String> {
    let list = |c: &str, i: &str| {
        el.child(c)
            .map(|x| x.children_named(i).cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    Ok(VoucherDetail {
        concept: num(el, "Concepto")?,
        doc_type: num(el, "DocTipo")?,
        doc_number: num(el, "DocNro")?,
        number_from: num(el, "CbteDesde")?,
        number_to: num(el, "CbteHasta")?,
        date: date(el, "CbteFch"),
        total: dec(el, "ImpTotal")?,
        untaxed: dec(el, "ImpTotConc")?,
        net: dec(el, "ImpNeto")?,
        exempt: dec(el, "ImpOpEx")?,
        other_taxes_total: dec(el, "ImpTrib")?,
        vat_total: dec(el, "ImpIVA")?,
        service_from: date(el, "FchServDesde"),
        service_to: date(el, "FchServHasta"),
        payment_due: date(el, "FchVtoPago"),
        currency: el.child_text("MonId").unwrap_or_default().to_owned(),
        exchange_rate: opt_dec(el, "MonCotiz")?,
        paid_in_same_currency: opt_str(el, "CanMisMonExt"),
        receiver_vat_condition: opt_num(el, "CondicionIVAReceptorId")?,
        associated: list("CbtesAsoc", "CbteAsoc")
            .iter()
            .map(|a| {
                Ok(AssociatedVoucher {
                    voucher_type: num(a, "Tipo")?,
                    point_of_sale: num(a, "PtoVta")?,
                    number: num(a, "Nro")?,
                    cuit: opt_num(a, "Cuit")?,
                    date: date(a, "CbteFch"),
                })
            })
            .collect::<Result<_, String>>()?,
        other_taxes: list("Tributos", "Tributo")
            .iter()
            .map(|t| {
                Ok(OtherTax {
                    id: num(t, "Id")?,
                    description: opt_str(t, "Desc"),
                    base: opt_dec(t, "BaseImp")?,
                    rate: opt_dec(t, "Alic")?,
                    amount: dec(t, "Importe")?,
                })
            })
            .collect::<Result<_, String>>()?,
        vat: list("Iva", "AlicIva")
            .iter()
            .map(|v| {
                Ok(VatLine {
                    id: num(v, "Id")?,
                    base: dec(v, "BaseImp")?,
                    amount: dec(v, "Importe")?,
                })
            })
            .collect::<Result<_, String>>()?,
        optionals: list("Opcionales", "Opcional")
            .iter()
            .map(|o| OptionalField {
                id: o.child_text("Id").unwrap_or_default().to_owned(),
                value: o.child_text("Valor").unwrap_or_default().to_owned(),
            })
            .collect(),
        buyers: list("Compradores", "Comprador")
            .iter()
            .map(|b| {
                Ok(Buyer {
                    doc_type: num(b, "DocTipo")?,
                    doc_number: num(b, "DocNro")?,
                    share: dec(b, "Porcentaje")?,
                })
            })
            .collect::<Result<_, String>>()?,
        associated_period: el
            .child("PeriodoAsoc")
            .and_then(|p| Some((date(p, "FchDesde")?, date(p, "FchHasta")?))),
        activities: list("Actividades", "Actividad")
            .iter()
            .map(|a| num(a, "Id"))
            .collect::<Result<_, String>>()?,
    })
}

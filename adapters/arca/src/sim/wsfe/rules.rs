//! ARCA's per-voucher rules (ARCA.md §6.2–§6.4), checked in order; the first rejection wins.

use rust_decimal::Decimal;
use time::{Date, Duration};

use crate::certs::valid_cuit;
use crate::sim::tables::{self, is_fce, is_note, vat_rate, voucher_class};
use crate::sim::{SimConfig, VatConditionRule};
use crate::wsfe::{Code, VoucherDetail};

/// The verdict on one detail.
pub enum Verdict {
    Approved(Vec<Code>),
    Rejected(Vec<Code>),
}

fn obs(code: i32, msg: impl Into<String>) -> Code {
    Code {
        code,
        msg: msg.into(),
    }
}

fn window_text(low: &str, high: &str, what: &str, double_space: bool) -> String {
    let gap = if double_space { "  " } else { " " };
    format!(
        "Campo CbteFch Debe estar comprendido  en el  rango  {low} y {high} siendo N la fecha de envio del pedido{gap}de autorizacion para {what}"
    )
}

/// Date window by concept and FCE kind: (days before, days after, message).
fn window(d: &VoucherDetail, voucher_type: u16) -> (i64, i64, String) {
    if is_fce(voucher_type) && is_note(voucher_type) {
        return (
            5,
            0,
            window_text(
                "N-5",
                "N",
                "Facturas de Credito del tipo Nota de Debito o Nota de Credito",
                false,
            ),
        );
    }
    if is_fce(voucher_type) {
        return (
            5,
            1,
            window_text("N-5", "N+1", "Facturas de Credito", false),
        );
    }
    match d.concept {
        2 => (10, 10, window_text("N-10", "N+10", "2 - Servicios", true)),
        3 => (
            10,
            10,
            window_text("N-10", "N+10", "3 - Productos y Servicios", true),
        ),
        _ => (5, 5, window_text("N-5", "N+5", "1 - Productos", true)),
    }
}

fn close(expected: Decimal, got: Decimal, terms: usize) -> bool {
    let diff = (expected - got).abs();
    let abs_tol = Decimal::new(1, 2) * Decimal::from(terms.max(1));
    diff <= abs_tol || (!expected.is_zero() && diff / expected.abs() <= Decimal::new(1, 4))
}

/// Checks one detail of a series whose request date is `today` (Argentine date).
pub fn check(
    cfg: &SimConfig,
    issuer: u64,
    voucher_type: u16,
    d: &VoucherDetail,
    today: Date,
) -> Verdict {
    let reject = |c: i32, m: &str| Verdict::Rejected(vec![obs(c, m)]);
    let class = voucher_class(voucher_type).unwrap_or("A");
    let date = d.date.unwrap_or(today);
    let (before, after, text) = window(d, voucher_type);
    if date < today - Duration::days(before) || date > today + Duration::days(after) {
        return Verdict::Rejected(vec![obs(10016, text)]);
    }
    if d.concept == 1
        && !is_fce(voucher_type)
        && date > today
        && (date.year(), date.month()) != (today.year(), today.month())
    {
        // Manual: a future CbteFch of products stays in N's month. The text is ours [I].
        return reject(
            10152,
            "Campo CbteFch: para Concepto 1 - Productos una fecha posterior a la fecha de envio del pedido de autorizacion debe corresponder al mismo mes.",
        );
    }
    if class != "B" && d.number_from != d.number_to {
        return reject(
            10011,
            "Para comprobantes que no sean clase B, CbteDesde debe ser igual a CbteHasta.",
        );
    }
    if d.concept == 2 || d.concept == 3 {
        let (Some(from), Some(to), Some(due)) = (d.service_from, d.service_to, d.payment_due)
        else {
            return reject(
                10049,
                "Para Concepto 2 o 3 los campos FchServDesde, FchServHasta y FchVtoPago son obligatorios con formato yyyymmdd.",
            );
        };
        if from > to {
            return reject(
                10032,
                "Campo FchServDesde debe ser menor o igual a FchServHasta.",
            );
        }
        if due < date {
            return reject(
                10036,
                "Campo FchVtoPago debe ser igual o posterior a la fecha del comprobante.",
            );
        }
    }
    if let Some(r) = amounts(class, d) {
        return Verdict::Rejected(vec![r]);
    }
    if !tables::has("FEParamGetTiposMonedas", &d.currency) {
        return reject(
            10037,
            "Campo MonId no valido. Consultar metodo FEParamGetTiposMonedas.",
        );
    }
    let rate = d.exchange_rate.unwrap_or(Decimal::ONE);
    if d.currency == "PES" && rate != Decimal::ONE {
        return reject(10039, "Si MonId es PES, MonCotiz debe ser 1.");
    }
    if let Some(official) = cfg.rates.get(&d.currency)
        && (rate < *official * Decimal::new(2, 2) || rate > *official * Decimal::from(4))
    {
        return reject(
            10119,
            "Campo MonCotiz fuera de rango respecto de la cotizacion oficial.",
        );
    }
    if d.associated.iter().any(|a| {
        voucher_class(a.voucher_type) != Some(class)
            || is_fce(a.voucher_type) != is_fce(voucher_type)
    }) {
        return reject(
            10040,
            "Campo CbteTipo de CbtesAsoc no valido para el tipo de comprobante informado.",
        );
    }
    if is_note(voucher_type) && d.associated.is_empty() && d.associated_period.is_none() {
        return reject(
            10197,
            "Para Notas de Debito o Credito es obligatorio informar CbtesAsoc o PeriodoAsoc.",
        );
    }
    if let Some(c) = super::fce::check(voucher_type, d) {
        return Verdict::Rejected(vec![c]);
    }
    receiver(cfg, issuer, class, d, rate)
}

fn amounts(class: &str, d: &VoucherDetail) -> Option<Code> {
    let all = [
        d.total,
        d.untaxed,
        d.net,
        d.exempt,
        d.other_taxes_total,
        d.vat_total,
    ];
    if all.iter().any(|x| x.is_sign_negative()) {
        return Some(obs(
            10043,
            "Los importes deben ser mayores o iguales a cero.",
        ));
    }
    let trib: Decimal = d.other_taxes.iter().map(|t| t.amount).sum();
    if (d.other_taxes_total.is_zero() != d.other_taxes.is_empty())
        || !close(d.other_taxes_total, trib, d.other_taxes.len())
    {
        return Some(obs(
            10029,
            "Campo ImpTrib debe ser igual a la suma de los importes de Tributos.",
        ));
    }
    if class == "C" {
        if !d.vat.is_empty() {
            return Some(obs(
                10071,
                "Para comprobantes tipo C el objeto IVA no debe informarse.",
            ));
        }
        if !(d.untaxed.is_zero() && d.exempt.is_zero() && d.vat_total.is_zero()) {
            return Some(obs(
                10047,
                "Para comprobantes tipo C ImpTotConc, ImpOpEx e ImpIVA deben ser 0.",
            ));
        }
        if !close(d.total, d.net + d.other_taxes_total, 2) {
            return Some(obs(
                10048,
                "Campo ImpTotal debe ser igual a la suma de ImpNeto + ImpTrib para comprobantes tipo C.",
            ));
        }
        return None;
    }
    let sum = d.untaxed + d.net + d.exempt + d.other_taxes_total + d.vat_total;
    if !close(d.total, sum, 5) {
        return Some(obs(
            10048,
            "Campo ImpTotal debe ser igual a la suma de ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA.",
        ));
    }
    if (d.net > Decimal::ZERO || d.vat_total > Decimal::ZERO) && d.vat.is_empty() {
        return Some(obs(
            10070,
            "Si ImpNeto es mayor a 0 el objeto IVA es obligatorio.",
        ));
    }
    let mut seen = Vec::new();
    for v in &d.vat {
        let Some(rate) = vat_rate(v.id) else {
            return Some(obs(
                10019,
                "Campo Id de AlicIva no valido. Consultar metodo FEParamGetTiposIva.",
            ));
        };
        if seen.contains(&v.id) {
            return Some(obs(
                10022,
                "No pueden informarse alicuotas de IVA repetidas.",
            ));
        }
        seen.push(v.id);
        if !close(v.base * rate / Decimal::from(100), v.amount, 1) {
            return Some(obs(
                10051,
                "El importe de IVA no se corresponde con la base imponible y la alicuota.",
            ));
        }
    }
    let iva: Decimal = d.vat.iter().map(|v| v.amount).sum();
    if !d.vat.is_empty() && !close(d.vat_total, iva, d.vat.len()) {
        return Some(obs(
            10023,
            "Campo ImpIVA debe ser igual a la suma de los importes de AlicIva.",
        ));
    }
    let base: Decimal = d.vat.iter().map(|v| v.base).sum();
    if !d.vat.is_empty() && !close(d.net, base, d.vat.len()) {
        return Some(obs(
            10061,
            "Campo ImpNeto debe ser igual a la suma de BaseImp de AlicIva.",
        ));
    }
    None
}

fn receiver(
    cfg: &SimConfig,
    issuer: u64,
    class: &str,
    d: &VoucherDetail,
    rate: Decimal,
) -> Verdict {
    let reject = |c: i32, m: String| Verdict::Rejected(vec![obs(c, m)]);
    let mut notes = Vec::new();
    if d.doc_number == issuer {
        return reject(
            10069,
            "El DocNro no puede ser igual a la CUIT del emisor.".into(),
        );
    }
    let identified = matches!(d.doc_type, 80 | 86 | 87);
    let digit_ok = !identified || valid_cuit(&format!("{:011}", d.doc_number));
    match class {
        "A" | "M" => {
            if d.doc_type != 80 {
                return reject(
                    10013,
                    "Para comprobantes clase A el campo DocTipo debe ser 80 (CUIT).".into(),
                );
            }
            if !digit_ok {
                notes.push(obs(
                    10017,
                    "El receptor informado no se encuentra registrado en los padrones de AFIP.",
                ));
            }
            if cfg.monotributistas.contains(&d.doc_number) {
                notes.push(obs(10217, "El credito fiscal discriminado en el presente comprobante solo podra ser computado a efectos del Procedimiento permanente de transicion al Regimen General."));
            }
        }
        "B" => {
            let big = d.total * rate >= cfg.consumer_threshold;
            let anonymous = d.doc_type == 99;
            let bad = !digit_ok
                || (anonymous && (d.doc_number != 0 || big))
                || (d.number_from != d.number_to && (!anonymous || big));
            if bad {
                return reject(
                    10015,
                    format!(
                        "Factura B (CbteDesde igual a CbteHasta), DocTipo: {}, DocNro {} no se encuentra registrado en los padrones de AFIP o no corresponde.",
                        d.doc_type, d.doc_number
                    ),
                );
            }
        }
        _ => {}
    }
    match (cfg.vat_condition, d.receiver_vat_condition) {
        (VatConditionRule::Off, _) => {}
        (_, Some(id)) => match tables::RECEIVER_VAT_CONDITIONS.iter().find(|c| c.0 == id) {
            None => return reject(10242, "El campo Condicion IVA receptor no es un valor valido. Consular metodo FEParamGetCondicionIvaReceptor".into()),
            Some((_, _, classes)) if !classes.split('/').any(|c| c == class) => {
                return reject(10243, "El campo Condicion IVA receptor no es valido para la clase de comprobante informado. Consular metodo FEParamGetCondicionIvaReceptor".into());
            }
            Some(_) => {}
        },
        (VatConditionRule::Optional, None) => notes.push(obs(10245, "El campo Condicion Frente al IVA del receptor resultara obligatorio conforme lo reglamentado por la Resolucion General N 5616. Para mas informacion consular metodo FEParamGetCondicionIvaReceptor")),
        (VatConditionRule::Mandatory, None) => {
            return reject(10246, "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion General N° 5616.".into());
        }
    }
    Verdict::Approved(notes)
}

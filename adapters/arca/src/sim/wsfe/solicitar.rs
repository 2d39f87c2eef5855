//! FECAESolicitar (numbering, rules, CAE, commit before answering) and the CAEA operations.

use std::sync::atomic::Ordering;

use time::{Duration, OffsetDateTime};

use super::ops::{NOT_FOUND, fortnight, processed_at};
use super::rules::{Verdict, check};
use super::tail;
use crate::sim::faults::FaultSpec;
use crate::sim::ledger::StoredVoucher;
use crate::sim::{SimConfig, SimState, tables};
use crate::soap::xml::leaf;
use crate::wsaa::tra::AR_OFFSET;
use crate::wsfe::codec::{fmt_date, write_codes};
use crate::wsfe::{CaeRequest, Code, VoucherDetail};

const ERR_10016: &str = "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. Consultar metodo FECompUltimoAutorizado.";

fn e(code: i32, msg: impl Into<String>) -> Code {
    Code {
        code,
        msg: msg.into(),
    }
}

struct DetOut<'a> {
    d: &'a VoucherDetail,
    ok: bool,
    obs: Vec<Code>,
    cae: Option<(String, time::Date)>,
}

fn header_error(cfg: &SimConfig, r: &CaeRequest, last: (u64, Option<time::Date>)) -> Option<Code> {
    let n = r.details.len();
    if n == 0 || n > 9998 {
        return Some(e(
            10001,
            "Campo CantReg debe estar comprendido entre 1 y 9998.",
        ));
    }
    if n > 250 {
        return Some(e(
            10003,
            "La cantidad de registros supera el maximo permitido (FECompTotXRequest).",
        ));
    }
    if !(1..=99998).contains(&r.point_of_sale) {
        return Some(e(
            10004,
            "Campo PtoVta debe estar comprendido entre 1 y 99998.",
        ));
    }
    if cfg.enforce_points_of_sale && !cfg.points_of_sale.contains(&r.point_of_sale) {
        // The wording ARCA uses for the same condition in FECompUltimoAutorizado (11002).
        return Some(e(
            10005,
            "El punto de venta no se encuentra habilitado a usar en el presente WS. Ver metodo FEParamGetPtosVenta",
        ));
    }
    if tables::voucher_class(r.voucher_type).is_none() {
        return Some(e(
            10006,
            "Campo CbteTipo no valido. Consultar metodo FEParamGetTiposCbte.",
        ));
    }
    let mut next = last.0 + 1;
    for d in &r.details {
        let date_back = matches!((d.date, last.1), (Some(x), Some(l)) if x < l);
        if d.number_from != next || d.number_to < d.number_from || date_back {
            return Some(e(10016, ERR_10016));
        }
        next = d.number_to + 1;
    }
    None
}

fn cae_for(sim: &SimState, now: OffsetDateTime) -> String {
    let local = now.to_offset(AR_OFFSET);
    let week = u32::from(local.ordinal()).div_ceil(7);
    let seq = sim.cae_seq.fetch_add(1, Ordering::SeqCst) % 10_000_000_000;
    format!(
        "{:02}{:02}{:010}",
        (local.year() - 1950).rem_euclid(100),
        week,
        seq
    )
}

/// Runs FECAESolicitar for `cuit` and returns the inside of its result.
pub fn run(
    sim: &SimState,
    cuit: u64,
    r: &CaeRequest,
    now: OffsetDateTime,
    spec: &FaultSpec,
) -> String {
    let key = (cuit, r.point_of_sale, r.voucher_type);
    let today = now.to_offset(AR_OFFSET).date();
    let mut ledger = sim.lock_ledger();
    let mut errors = Vec::new();
    let mut outs: Vec<DetOut<'_>> = r
        .details
        .iter()
        .map(|d| DetOut {
            d,
            ok: false,
            obs: Vec::new(),
            cae: None,
        })
        .collect();
    if let Some(err) = header_error(&sim.config, r, ledger.last(key)) {
        errors.push(err);
    } else {
        let proc = processed_at(now);
        let mut stored = Vec::new();
        for o in &mut outs {
            match check(&sim.config, cuit, r.voucher_type, o.d, today) {
                Verdict::Approved(obs) => {
                    let due = o.d.date.unwrap_or(today) + Duration::days(10);
                    let cae = cae_for(sim, now);
                    let mut detail = o.d.clone();
                    detail.date = Some(o.d.date.unwrap_or(today));
                    stored.push(StoredVoucher {
                        cuit,
                        point_of_sale: r.point_of_sale,
                        voucher_type: r.voucher_type,
                        detail,
                        cae: cae.clone(),
                        cae_due: due,
                        processed_at: proc.clone(),
                        observations: obs.clone(),
                    });
                    *o = DetOut {
                        d: o.d,
                        ok: true,
                        obs,
                        cae: Some((cae, due)),
                    };
                }
                Verdict::Rejected(obs) => {
                    o.obs = obs;
                    break;
                }
            }
        }
        if let Err(io) = ledger.commit(stored) {
            tracing::error!(error = %io, "simulator ledger write failed");
            outs.iter_mut().for_each(|o| {
                o.ok = false;
                o.cae = None;
            });
            errors = vec![e(501, "Error interno de base de datos.")];
        }
    }
    drop(ledger);
    render(cuit, r, now, &outs, spec, &errors)
}

fn render(
    cuit: u64,
    r: &CaeRequest,
    now: OffsetDateTime,
    outs: &[DetOut<'_>],
    spec: &FaultSpec,
    errors: &[Code],
) -> String {
    let approved = outs.iter().filter(|o| o.ok).count();
    let result = match approved {
        0 => "R",
        n if n == outs.len() => "A",
        _ => "P",
    };
    let mut out = String::from("<FeCabResp>");
    leaf(&mut out, "Cuit", &cuit.to_string());
    leaf(&mut out, "PtoVta", &r.point_of_sale.to_string());
    leaf(&mut out, "CbteTipo", &r.voucher_type.to_string());
    leaf(&mut out, "FchProceso", &processed_at(now));
    leaf(&mut out, "CantReg", &outs.len().to_string());
    leaf(&mut out, "Resultado", result);
    leaf(&mut out, "Reproceso", "N");
    out.push_str("</FeCabResp><FeDetResp>");
    for o in outs {
        out.push_str("<FECAEDetResponse>");
        detail_head(&mut out, o.d);
        leaf(&mut out, "Resultado", if o.ok { "A" } else { "R" });
        write_codes(&mut out, "Observaciones", "Obs", &o.obs);
        match &o.cae {
            Some((cae, due)) => {
                leaf(&mut out, "CAE", cae);
                leaf(&mut out, "CAEFchVto", &fmt_date(*due));
            }
            None => out.push_str("<CAE /><CAEFchVto />"),
        }
        out.push_str("</FECAEDetResponse>");
    }
    out.push_str("</FeDetResp>");
    tail(&mut out, spec, errors);
    out
}

fn detail_head(out: &mut String, d: &VoucherDetail) {
    leaf(out, "Concepto", &d.concept.to_string());
    leaf(out, "DocTipo", &d.doc_type.to_string());
    leaf(out, "DocNro", &d.doc_number.to_string());
    leaf(out, "CbteDesde", &d.number_from.to_string());
    leaf(out, "CbteHasta", &d.number_to.to_string());
    leaf(out, "CbteFch", &d.date.map(fmt_date).unwrap_or_default());
}

/// FECAEASolicitar (`grant`) and FECAEAConsultar.
pub fn caea(
    sim: &SimState,
    out: &mut String,
    cuit: u64,
    period: u32,
    order: u8,
    grant: bool,
    now: OffsetDateTime,
) -> Vec<Code> {
    let echo = |out: &mut String| {
        out.push_str("<ResultGet>");
        leaf(out, "Periodo", &period.to_string());
        leaf(out, "Orden", &order.to_string());
        out.push_str("</ResultGet>");
    };
    let Some((from, to)) = fortnight(period, order) else {
        let err = if order != 1 && order != 2 && fortnight(period, 1).is_some() {
            e(15005, "El campo <Orden> debe ser 1 o 2.")
        } else {
            e(
                15004,
                "El campo <Periodo> debe tener el formato AAAAMM, donde AAAA indica el año y MM el mes en números.",
            )
        };
        if !grant {
            echo(out);
        }
        return vec![err];
    };
    let mut caeas = sim
        .caeas
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let today = now.to_offset(AR_OFFSET).date();
    let existing = caeas.get(&(cuit, period, order)).cloned();
    let code = match (grant, existing) {
        (_, Some(c)) if !grant => c,
        (false, None) => {
            echo(out);
            return vec![e(602, NOT_FOUND)];
        }
        (true, Some(_)) => {
            return vec![e(
                15008,
                "Ya existe un CAEA otorgado para el periodo y orden solicitados.",
            )];
        }
        (true, None) => {
            if today < from - Duration::days(5) || today > to {
                let us =
                    |d: time::Date| format!("{}/{}/{}", u8::from(d.month()), d.day(), d.year());
                return vec![e(
                    15006,
                    format!(
                        "Fecha de envío podrá ser desde 5 días corridos anteriores al inicio hasta el último dia de cada quincena. Del {} hasta {}",
                        us(from - Duration::days(5)),
                        us(to)
                    ),
                )];
            }
            let c = cae_for(sim, now);
            caeas.insert((cuit, period, order), c.clone());
            c
        }
        (false, Some(c)) => c,
    };
    out.push_str("<ResultGet>");
    leaf(out, "CAEA", &code);
    leaf(out, "Periodo", &period.to_string());
    leaf(out, "Orden", &order.to_string());
    leaf(out, "FchVigDesde", &fmt_date(from));
    leaf(out, "FchVigHasta", &fmt_date(to));
    leaf(out, "FchTopeInf", &fmt_date(to + Duration::days(30)));
    leaf(out, "FchProceso", &processed_at(now));
    out.push_str("</ResultGet>");
    Vec::new()
}

/// FECAEARegInformativo: only the CAEA presence check (782) is modelled.
pub fn caea_report(
    cuit: u64,
    pos: u32,
    vtype: u16,
    details: &[(VoucherDetail, String, String)],
    now: OffsetDateTime,
    spec: &FaultSpec,
) -> String {
    let missing = details.iter().any(|(_, caea, _)| caea.is_empty());
    let mut out = String::from("<FeCabResp>");
    leaf(&mut out, "Cuit", &cuit.to_string());
    leaf(&mut out, "PtoVta", &pos.to_string());
    leaf(&mut out, "CbteTipo", &vtype.to_string());
    leaf(&mut out, "FchProceso", &processed_at(now));
    leaf(&mut out, "CantReg", &details.len().to_string());
    leaf(&mut out, "Resultado", if missing { "R" } else { "A" });
    leaf(&mut out, "Reproceso", "N");
    out.push_str("</FeCabResp><FeDetResp>");
    for (d, caea, _) in details {
        out.push_str("<FECAEADetResponse>");
        detail_head(&mut out, d);
        leaf(&mut out, "Resultado", if missing { "R" } else { "A" });
        if caea.is_empty() {
            out.push_str("<CAEA />")
        } else {
            leaf(&mut out, "CAEA", caea)
        }
        out.push_str("</FECAEADetResponse>");
    }
    out.push_str("</FeDetResp>");
    let errors = if missing {
        vec![e(782, "El <CAEA> es obligatorio informarlo.")]
    } else {
        Vec::new()
    };
    tail(&mut out, spec, &errors);
    out
}

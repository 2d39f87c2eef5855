//! Every WSFEv1 operation but FECAESolicitar (see `solicitar`).

use time::{Date, Duration, Month, OffsetDateTime};

use super::{auth, solicitar, tail};
use crate::sim::faults::FaultSpec;
use crate::sim::{SimState, tables};
use crate::soap::xml::leaf;
use crate::wsaa::tra::AR_OFFSET;
use crate::wsfe::codec::{NumStyle, fmt_date, fmt_plain, write_codes, write_detail};
use crate::wsfe::{Auth, Code, Request};

pub(crate) const NOT_FOUND: &str =
    "No existen datos en nuestros registros para los parametros ingresados.";

fn e(code: i32, msg: impl Into<String>) -> Code {
    Code {
        code,
        msg: msg.into(),
    }
}

/// Runs one request and returns the inside of its `...Result` element.
pub fn execute(
    sim: &SimState,
    op: &str,
    req: &Request,
    a: Option<&Auth>,
    spec: &FaultSpec,
) -> String {
    let now = sim.clock.now();
    let mut out = String::new();
    if let Request::Dummy = req {
        for n in ["AppServer", "DbServer", "AuthServer"] {
            leaf(&mut out, n, "OK");
        }
        return out;
    }
    let cuit = match auth::check(sim, a, now) {
        Ok(c) => c,
        Err(err) => {
            auth_failure_shape(&mut out, op);
            tail(&mut out, spec, &[err]);
            return out;
        }
    };
    let errors = match req {
        Request::Dummy => Vec::new(),
        Request::LastAuthorized {
            point_of_sale,
            voucher_type,
        } => {
            let (last, _) = sim
                .lock_ledger()
                .last((cuit, *point_of_sale, *voucher_type));
            leaf(&mut out, "PtoVta", &point_of_sale.to_string());
            leaf(&mut out, "CbteTipo", &voucher_type.to_string());
            leaf(&mut out, "CbteNro", &last.to_string());
            Vec::new()
        }
        Request::Authorize(r) => return solicitar::run(sim, cuit, r, now, spec),
        Request::Query {
            voucher_type,
            number,
            point_of_sale,
        } => query(
            sim,
            &mut out,
            (cuit, *point_of_sale, *voucher_type),
            *number,
        ),
        Request::MaxBatch => {
            leaf(&mut out, "RegXReq", "250");
            Vec::new()
        }
        Request::Param(t) => {
            let (opname, item) = t.names();
            out.push_str("<ResultGet>");
            for (_, id, desc, from, to) in tables::table(opname) {
                out.push_str(&format!("<{item}>"));
                leaf(&mut out, "Id", id);
                leaf(&mut out, "Desc", desc);
                leaf(&mut out, "FchDesde", from);
                leaf(&mut out, "FchHasta", to);
                out.push_str(&format!("</{item}>"));
            }
            out.push_str("</ResultGet>");
            Vec::new()
        }
        Request::PointsOfSale => {
            out.push_str("<ResultGet>");
            for p in &sim.config.points_of_sale {
                out.push_str("<PtoVenta>");
                leaf(&mut out, "Nro", &p.to_string());
                leaf(&mut out, "EmisionTipo", "CAE - Ri Iva");
                leaf(&mut out, "Bloqueado", "N");
                leaf(&mut out, "FchBaja", "NULL");
                out.push_str("</PtoVenta>");
            }
            out.push_str("</ResultGet>");
            Vec::new()
        }
        Request::ExchangeRate { currency, date } => match sim.config.rates.get(currency) {
            Some(rate) => {
                let day =
                    date.unwrap_or_else(|| previous_business_day(now.to_offset(AR_OFFSET).date()));
                out.push_str("<ResultGet>");
                leaf(&mut out, "MonId", currency);
                leaf(&mut out, "MonCotiz", &fmt_plain(*rate));
                leaf(&mut out, "FchCotiz", &fmt_date(day));
                out.push_str("</ResultGet>");
                Vec::new()
            }
            None => vec![e(602, NOT_FOUND)],
        },
        Request::ReceiverVatConditions { class } => {
            let class = class.as_deref().map(|c| if c == "ALEY" { "M" } else { c });
            if class.is_some_and(|c| !["A", "B", "C", "M", "49"].contains(&c)) {
                vec![e(10244, "El campo ClaseCmp no es valido.")]
            } else {
                out.push_str("<ResultGet>");
                for (id, desc, classes) in tables::RECEIVER_VAT_CONDITIONS {
                    if class.is_none_or(|c| classes.split('/').any(|x| x == c)) {
                        out.push_str("<CondicionIvaReceptor>");
                        leaf(&mut out, "Id", &id.to_string());
                        leaf(&mut out, "Desc", desc);
                        leaf(&mut out, "Cmp_Clase", classes);
                        out.push_str("</CondicionIvaReceptor>");
                    }
                }
                out.push_str("</ResultGet>");
                Vec::new()
            }
        }
        Request::CaeaRequest { period, order } | Request::CaeaQuery { period, order } => {
            super::solicitar::caea(
                sim,
                &mut out,
                cuit,
                *period,
                *order,
                matches!(req, Request::CaeaRequest { .. }),
                now,
            )
        }
        Request::CaeaReport {
            point_of_sale,
            voucher_type,
            details,
        } => {
            return solicitar::caea_report(cuit, *point_of_sale, *voucher_type, details, now, spec);
        }
        Request::CaeaNoActivity {
            point_of_sale,
            caea,
        } => {
            let known = sim
                .caeas
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
                .any(|c| c == caea);
            leaf(&mut out, "CAEA", caea);
            leaf(
                &mut out,
                "FchProceso",
                &fmt_date(now.to_offset(AR_OFFSET).date()),
            );
            leaf(&mut out, "PtoVta", &point_of_sale.to_string());
            leaf(&mut out, "Resultado", if known { "A" } else { "R" });
            if known {
                Vec::new()
            } else {
                vec![e(1200, "El codigo de autorizacion debe ser del tipo CAEA")]
            }
        }
    };
    tail(&mut out, spec, &errors);
    out
}

/// Required ints are always written, so some results keep zeros when auth fails.
fn auth_failure_shape(out: &mut String, op: &str) {
    match op {
        "FECompUltimoAutorizado" => {
            for n in ["PtoVta", "CbteTipo", "CbteNro"] {
                leaf(out, n, "0");
            }
        }
        "FECompTotXRequest" => leaf(out, "RegXReq", "0"),
        _ => {}
    }
}

fn query(sim: &SimState, out: &mut String, key: (u64, u32, u16), number: u64) -> Vec<Code> {
    let ledger = sim.lock_ledger();
    let Some(v) = ledger.find(key, number) else {
        return vec![e(602, NOT_FOUND)];
    };
    out.push_str("<ResultGet>");
    write_detail(out, &v.detail, NumStyle::Echo);
    leaf(out, "Resultado", "A");
    leaf(out, "CodAutorizacion", &v.cae);
    leaf(out, "EmisionTipo", "CAE");
    leaf(out, "FchVto", &fmt_date(v.cae_due));
    leaf(out, "FchProceso", &v.processed_at);
    write_codes(out, "Observaciones", "Obs", &v.observations);
    leaf(out, "PtoVta", &v.point_of_sale.to_string());
    leaf(out, "CbteTipo", &v.voucher_type.to_string());
    out.push_str("</ResultGet>");
    Vec::new()
}

fn previous_business_day(d: Date) -> Date {
    let mut x = d - Duration::days(1);
    while matches!(x.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
        x -= Duration::days(1);
    }
    x
}

/// First and last day of a CAEA fortnight.
pub(crate) fn fortnight(period: u32, order: u8) -> Option<(Date, Date)> {
    let year = i32::try_from(period / 100).ok()?;
    let month = Month::try_from(u8::try_from(period % 100).ok()?).ok()?;
    let (a, b) = match order {
        1 => (1, 15),
        2 => (16, time::util::days_in_month(month, year)),
        _ => return None,
    };
    Some((
        Date::from_calendar_date(year, month, a).ok()?,
        Date::from_calendar_date(year, month, b).ok()?,
    ))
}

/// `yyyymmddhhmmss` in Argentine time.
pub(crate) fn processed_at(now: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year][month][day][hour][minute][second]");
    now.to_offset(AR_OFFSET).format(&f).unwrap_or_default()
}

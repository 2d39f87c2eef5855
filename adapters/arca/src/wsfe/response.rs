//! Reading WSFEv1 answers into typed results. ARCA's `Errors`, `Events` and `Observaciones`
//! are data here; only a document that does not match the WSDL is an error.

use super::codec::{codes, num, opt_num, parse_date, read_detail};
use super::request::ParamTable;
use super::types::{
    Answer, CaeDetail, CaeHeader, CaeResponse, CaeaGrant, CaeaNoActivity, ExchangeRate,
    LastAuthorized, Outcome, ParamItem, PointOfSale, ReceiverVatCondition, ServerStatus,
    VoucherRecord,
};
use crate::soap::xml::Element;

/// A parsed answer, by operation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Response {
    Dummy(ServerStatus),
    LastAuthorized(Answer<LastAuthorized>),
    Authorize(Answer<CaeResponse>),
    Query(Box<Answer<VoucherRecord>>),
    MaxBatch(Answer<u32>),
    Param(Answer<Vec<ParamItem>>),
    PointsOfSale(Answer<Vec<PointOfSale>>),
    ExchangeRate(Answer<ExchangeRate>),
    ReceiverVatConditions(Answer<Vec<ReceiverVatCondition>>),
    Caea(Answer<CaeaGrant>),
    CaeaReport(Answer<CaeResponse>),
    CaeaNoActivity(Answer<CaeaNoActivity>),
}

fn answer<T>(result: &Element, data: Option<T>) -> Result<Answer<T>, String> {
    Ok(Answer {
        data,
        errors: codes(result, "Errors", "Err")?,
        events: codes(result, "Events", "Evt")?,
    })
}

fn text(el: &Element, n: &str) -> String {
    el.child_text(n).unwrap_or_default().to_owned()
}

fn opt_text(el: &Element, n: &str) -> Option<String> {
    el.child_text(n)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn outcome(el: &Element) -> Result<Outcome, String> {
    let r = el.child_text("Resultado").unwrap_or_default();
    Outcome::parse(r).ok_or_else(|| format!("Resultado {r:?} is not A, R or P"))
}

fn list<T>(
    el: Option<&Element>,
    item: &str,
    f: impl Fn(&Element) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    el.map(|r| r.children_named(item).map(&f).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// Parses the `<Operation>Response` element of `operation`.
pub fn parse_response(operation: &str, payload: &Element) -> Result<Response, String> {
    let expected = format!("{operation}Response");
    if payload.name != expected {
        return Err(format!("expected {expected}, got {}", payload.name));
    }
    let result = payload
        .child(&format!("{operation}Result"))
        .ok_or_else(|| format!("{operation}Result missing"))?;
    let r = result;
    let get = r.child("ResultGet");
    Ok(match operation {
        "FEDummy" => Response::Dummy(ServerStatus {
            app_server: text(r, "AppServer"),
            db_server: text(r, "DbServer"),
            auth_server: text(r, "AuthServer"),
        }),
        "FECompUltimoAutorizado" => {
            let data = match r.child("CbteNro") {
                Some(_) => Some(LastAuthorized {
                    point_of_sale: num(r, "PtoVta")?,
                    voucher_type: num(r, "CbteTipo")?,
                    number: num(r, "CbteNro")?,
                }),
                None => None,
            };
            Response::LastAuthorized(answer(r, data)?)
        }
        "FECAESolicitar" => {
            Response::Authorize(answer(r, cae_response(r, "FECAEDetResponse", "CAE")?)?)
        }
        "FECAEARegInformativo" => {
            Response::CaeaReport(answer(r, cae_response(r, "FECAEADetResponse", "CAEA")?)?)
        }
        "FECompConsultar" => {
            Response::Query(Box::new(answer(r, get.map(voucher_record).transpose()?)?))
        }
        "FECompTotXRequest" => Response::MaxBatch(answer(r, opt_num(r, "RegXReq")?)?),
        "FEParamGetPtosVenta" => Response::PointsOfSale(answer(
            r,
            get.map(|g| {
                list(Some(g), "PtoVenta", |p| {
                    Ok(PointOfSale {
                        number: num(p, "Nro")?,
                        emission_type: text(p, "EmisionTipo"),
                        blocked: p.child_text("Bloqueado") == Some("S"),
                        closed_on: opt_text(p, "FchBaja").filter(|s| s != "NULL"),
                    })
                })
            })
            .transpose()?,
        )?),
        "FEParamGetCotizacion" => Response::ExchangeRate(answer(
            r,
            get.map(|g| -> Result<_, String> {
                Ok(ExchangeRate {
                    currency: text(g, "MonId"),
                    rate: num(g, "MonCotiz")?,
                    date: g.child_text("FchCotiz").and_then(parse_date),
                })
            })
            .transpose()?,
        )?),
        "FEParamGetCondicionIvaReceptor" => Response::ReceiverVatConditions(answer(
            r,
            get.map(|g| {
                list(Some(g), "CondicionIvaReceptor", |c| {
                    Ok(ReceiverVatCondition {
                        id: num(c, "Id")?,
                        description: text(c, "Desc"),
                        classes: text(c, "Cmp_Clase"),
                    })
                })
            })
            .transpose()?,
        )?),
        "FECAEASolicitar" | "FECAEAConsultar" => {
            Response::Caea(answer(r, get.map(caea_grant).transpose()?)?)
        }
        "FECAEASinMovimientoInformar" => {
            let data = match r.child("CAEA") {
                Some(_) => Some(CaeaNoActivity {
                    caea: text(r, "CAEA"),
                    processed_at: text(r, "FchProceso"),
                    point_of_sale: num(r, "PtoVta")?,
                    outcome: r.child_text("Resultado").and_then(Outcome::parse),
                }),
                None => None,
            };
            Response::CaeaNoActivity(answer(r, data)?)
        }
        op => match ParamTable::from_operation(op) {
            Some(t) => Response::Param(answer(
                r,
                get.map(|g| param_items(g, t.names().1)).transpose()?,
            )?),
            None => return Err(format!("unknown operation {op}")),
        },
    })
}

fn param_items(g: &Element, item: &str) -> Result<Vec<ParamItem>, String> {
    list(Some(g), item, |i| {
        Ok(ParamItem {
            id: text(i, "Id"),
            description: text(i, "Desc"),
            valid_from: opt_text(i, "FchDesde"),
            valid_to: opt_text(i, "FchHasta"),
        })
    })
}

fn cae_response(r: &Element, item: &str, code: &str) -> Result<Option<CaeResponse>, String> {
    let Some(cab) = r.child("FeCabResp") else {
        return Ok(None);
    };
    let header = CaeHeader {
        cuit: num(cab, "Cuit")?,
        point_of_sale: num(cab, "PtoVta")?,
        voucher_type: num(cab, "CbteTipo")?,
        processed_at: text(cab, "FchProceso"),
        count: num(cab, "CantReg")?,
        outcome: outcome(cab)?,
        reprocessed: text(cab, "Reproceso"),
    };
    let details = list(r.child("FeDetResp"), item, |d| {
        Ok(CaeDetail {
            concept: num(d, "Concepto")?,
            doc_type: num(d, "DocTipo")?,
            doc_number: num(d, "DocNro")?,
            number_from: num(d, "CbteDesde")?,
            number_to: num(d, "CbteHasta")?,
            date: d.child_text("CbteFch").and_then(parse_date),
            outcome: outcome(d)?,
            observations: codes(d, "Observaciones", "Obs")?,
            code: opt_text(d, code),
            code_due: d.child_text("CAEFchVto").and_then(parse_date),
        })
    })?;
    Ok(Some(CaeResponse {
        header: Some(header),
        details,
    }))
}

fn voucher_record(g: &Element) -> Result<VoucherRecord, String> {
    Ok(VoucherRecord {
        detail: read_detail(g)?,
        outcome: outcome(g)?,
        authorization_code: text(g, "CodAutorizacion"),
        emission_type: text(g, "EmisionTipo"),
        due: g.child_text("FchVto").and_then(parse_date),
        processed_at: text(g, "FchProceso"),
        observations: codes(g, "Observaciones", "Obs")?,
        point_of_sale: num(g, "PtoVta")?,
        voucher_type: num(g, "CbteTipo")?,
    })
}

fn caea_grant(g: &Element) -> Result<CaeaGrant, String> {
    Ok(CaeaGrant {
        caea: opt_text(g, "CAEA"),
        period: num(g, "Periodo")?,
        order: num(g, "Orden")?,
        valid_from: opt_text(g, "FchVigDesde"),
        valid_to: opt_text(g, "FchVigHasta"),
        report_deadline: opt_text(g, "FchTopeInf"),
        processed_at: opt_text(g, "FchProceso"),
        observations: codes(g, "Observaciones", "Obs")?,
    })
}

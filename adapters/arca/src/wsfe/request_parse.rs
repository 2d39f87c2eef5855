//! Reading a WSFEv1 request body back into a [`Request`] (the simulator's side, and the golden
//! tests' way of rebuilding recorded requests).

use super::codec::{num, parse_date, read_detail};
use super::request::{ParamTable, Request};
use super::types::{Auth, CaeRequest};
use crate::soap::xml::Element;

/// Reads `Auth`; `None` when absent.
pub fn read_auth(body: &Element) -> Result<Option<Auth>, String> {
    let Some(a) = body.child("Auth") else {
        return Ok(None);
    };
    Ok(Some(Auth {
        token: a.child_text("Token").unwrap_or_default().to_owned(),
        sign: a.child_text("Sign").unwrap_or_default().to_owned(),
        cuit: num(a, "Cuit")?,
    }))
}

/// Reads the request of `operation` from its body element (`None` body for FEDummy).
pub fn parse_request(operation: &str, body: Option<&Element>) -> Result<Request, String> {
    let empty = Element::default();
    let b = body.unwrap_or(&empty);
    Ok(match operation {
        "FEDummy" => Request::Dummy,
        "FECompUltimoAutorizado" => Request::LastAuthorized {
            point_of_sale: num(b, "PtoVta")?,
            voucher_type: num(b, "CbteTipo")?,
        },
        "FECAESolicitar" => {
            let req = b.child("FeCAEReq").ok_or("FeCAEReq missing")?;
            let cab = req.child("FeCabReq").ok_or("FeCabReq missing")?;
            let details = req
                .child("FeDetReq")
                .map(|d| {
                    d.children_named("FECAEDetRequest")
                        .map(read_detail)
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            Request::Authorize(CaeRequest {
                point_of_sale: num(cab, "PtoVta")?,
                voucher_type: num(cab, "CbteTipo")?,
                details,
            })
        }
        "FECompConsultar" => {
            let q = b.child("FeCompConsReq").ok_or("FeCompConsReq missing")?;
            Request::Query {
                voucher_type: num(q, "CbteTipo")?,
                number: num(q, "CbteNro")?,
                point_of_sale: num(q, "PtoVta")?,
            }
        }
        "FECompTotXRequest" => Request::MaxBatch,
        "FEParamGetPtosVenta" => Request::PointsOfSale,
        "FEParamGetCotizacion" => Request::ExchangeRate {
            currency: b.child_text("MonId").unwrap_or_default().to_owned(),
            date: b.child_text("FchCotiz").and_then(parse_date),
        },
        "FEParamGetCondicionIvaReceptor" => Request::ReceiverVatConditions {
            class: b
                .child_text("ClaseCmp")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        },
        "FECAEASolicitar" => Request::CaeaRequest {
            period: num(b, "Periodo")?,
            order: num(b, "Orden")?,
        },
        "FECAEAConsultar" => Request::CaeaQuery {
            period: num(b, "Periodo")?,
            order: num(b, "Orden")?,
        },
        "FECAEARegInformativo" => {
            let req = b
                .child("FeCAEARegInfReq")
                .ok_or("FeCAEARegInfReq missing")?;
            let cab = req.child("FeCabReq").ok_or("FeCabReq missing")?;
            let details = req
                .child("FeDetReq")
                .map(|d| {
                    d.children_named("FECAEADetRequest")
                        .map(|x| {
                            let caea = x.child_text("CAEA").unwrap_or_default().to_owned();
                            let generated =
                                x.child_text("CbteFchHsGen").unwrap_or_default().to_owned();
                            Ok((read_detail(x)?, caea, generated))
                        })
                        .collect::<Result<Vec<_>, String>>()
                })
                .transpose()?
                .unwrap_or_default();
            Request::CaeaReport {
                point_of_sale: num(cab, "PtoVta")?,
                voucher_type: num(cab, "CbteTipo")?,
                details,
            }
        }
        "FECAEASinMovimientoInformar" => Request::CaeaNoActivity {
            point_of_sale: num(b, "PtoVta")?,
            caea: b.child_text("CAEA").unwrap_or_default().to_owned(),
        },
        op => Request::Param(
            ParamTable::from_operation(op).ok_or_else(|| format!("unknown operation {op}"))?,
        ),
    })
}

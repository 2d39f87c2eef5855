//! WSFEv1 request bodies, one variant per operation.

use time::Date;

use super::FEV1_NS;
use super::codec::{NumStyle, fmt_date, write_detail};
use super::types::{Auth, CaeRequest, VoucherDetail};
use crate::soap::xml::{esc, leaf};

/// The `FEParamGetTipos*` tables that share the `{Id, Desc, FchDesde, FchHasta}` shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamTable {
    VoucherTypes,
    Concepts,
    DocumentTypes,
    VatRates,
    Currencies,
    Optionals,
    OtherTaxes,
}

impl ParamTable {
    pub const ALL: [ParamTable; 7] = [
        Self::VoucherTypes,
        Self::Concepts,
        Self::DocumentTypes,
        Self::VatRates,
        Self::Currencies,
        Self::Optionals,
        Self::OtherTaxes,
    ];

    /// (operation, item element) names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::VoucherTypes => ("FEParamGetTiposCbte", "CbteTipo"),
            Self::Concepts => ("FEParamGetTiposConcepto", "ConceptoTipo"),
            Self::DocumentTypes => ("FEParamGetTiposDoc", "DocTipo"),
            Self::VatRates => ("FEParamGetTiposIva", "IvaTipo"),
            Self::Currencies => ("FEParamGetTiposMonedas", "Moneda"),
            Self::Optionals => ("FEParamGetTiposOpcional", "OpcionalTipo"),
            Self::OtherTaxes => ("FEParamGetTiposTributos", "TributoTipo"),
        }
    }

    pub fn from_operation(op: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.names().0 == op)
    }
}

/// One WSFEv1 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Dummy,
    LastAuthorized {
        point_of_sale: u32,
        voucher_type: u16,
    },
    Authorize(CaeRequest),
    Query {
        voucher_type: u16,
        number: u64,
        point_of_sale: u32,
    },
    MaxBatch,
    Param(ParamTable),
    PointsOfSale,
    ExchangeRate {
        currency: String,
        date: Option<Date>,
    },
    ReceiverVatConditions {
        class: Option<String>,
    },
    CaeaRequest {
        period: u32,
        order: u8,
    },
    CaeaQuery {
        period: u32,
        order: u8,
    },
    CaeaReport {
        point_of_sale: u32,
        voucher_type: u16,
        details: Vec<(VoucherDetail, String, String)>,
    },
    CaeaNoActivity {
        point_of_sale: u32,
        caea: String,
    },
}

impl Request {
    /// The operation name (and the last segment of the SOAPAction).
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Dummy => "FEDummy",
            Self::LastAuthorized { .. } => "FECompUltimoAutorizado",
            Self::Authorize(_) => "FECAESolicitar",
            Self::Query { .. } => "FECompConsultar",
            Self::MaxBatch => "FECompTotXRequest",
            Self::Param(t) => t.names().0,
            Self::PointsOfSale => "FEParamGetPtosVenta",
            Self::ExchangeRate { .. } => "FEParamGetCotizacion",
            Self::ReceiverVatConditions { .. } => "FEParamGetCondicionIvaReceptor",
            Self::CaeaRequest { .. } => "FECAEASolicitar",
            Self::CaeaQuery { .. } => "FECAEAConsultar",
            Self::CaeaReport { .. } => "FECAEARegInformativo",
            Self::CaeaNoActivity { .. } => "FECAEASinMovimientoInformar",
        }
    }

    /// Only FECAESolicitar and the CAEA writes change state at ARCA.
    pub fn is_idempotent(&self) -> bool {
        !matches!(
            self,
            Self::Authorize(_)
                | Self::CaeaRequest { .. }
                | Self::CaeaReport { .. }
                | Self::CaeaNoActivity { .. }
        )
    }

    /// `http://ar.gov.afip.dif.FEV1/<Operation>`.
    pub fn soap_action(&self) -> String {
        format!("{FEV1_NS}{}", self.operation())
    }

    /// The Body content. FEDummy is sent with an empty body, as recorded clients do (the
    /// service dispatches on SOAPAction).
    pub fn body(&self, auth: &Auth) -> String {
        if matches!(self, Self::Dummy) {
            return String::new();
        }
        let op = self.operation();
        let mut out = format!(r#"<{op} xmlns="{FEV1_NS}">"#);
        out.push_str("<Auth>");
        leaf(&mut out, "Token", &auth.token);
        leaf(&mut out, "Sign", &auth.sign);
        leaf(&mut out, "Cuit", &auth.cuit.to_string());
        out.push_str("</Auth>");
        self.write_args(&mut out);
        out.push_str(&format!("</{op}>"));
        out
    }

    fn write_args(&self, out: &mut String) {
        match self {
            Self::Dummy | Self::MaxBatch | Self::Param(_) | Self::PointsOfSale => {}
            Self::LastAuthorized {
                point_of_sale,
                voucher_type,
            } => {
                leaf(out, "PtoVta", &point_of_sale.to_string());
                leaf(out, "CbteTipo", &voucher_type.to_string());
            }
            Self::Authorize(req) => {
                out.push_str("<FeCAEReq>");
                write_header(out, req.details.len(), req.point_of_sale, req.voucher_type);
                out.push_str("<FeDetReq>");
                for d in &req.details {
                    out.push_str("<FECAEDetRequest>");
                    write_detail(out, d, NumStyle::Request);
                    out.push_str("</FECAEDetRequest>");
                }
                out.push_str("</FeDetReq></FeCAEReq>");
            }
            Self::Query {
                voucher_type,
                number,
                point_of_sale,
            } => {
                out.push_str("<FeCompConsReq>");
                leaf(out, "CbteTipo", &voucher_type.to_string());
                leaf(out, "CbteNro", &number.to_string());
                leaf(out, "PtoVta", &point_of_sale.to_string());
                out.push_str("</FeCompConsReq>");
            }
            Self::ExchangeRate { currency, date } => {
                leaf(out, "MonId", currency);
                if let Some(d) = date {
                    leaf(out, "FchCotiz", &fmt_date(*d));
                }
            }
            Self::ReceiverVatConditions { class } => {
                if let Some(c) = class {
                    leaf(out, "ClaseCmp", c);
                }
            }
            Self::CaeaRequest { period, order } | Self::CaeaQuery { period, order } => {
                leaf(out, "Periodo", &period.to_string());
                leaf(out, "Orden", &order.to_string());
            }
            Self::CaeaReport {
                point_of_sale,
                voucher_type,
                details,
            } => {
                out.push_str("<FeCAEARegInfReq>");
                write_header(out, details.len(), *point_of_sale, *voucher_type);
                out.push_str("<FeDetReq>");
                for (d, caea, generated_at) in details {
                    out.push_str("<FECAEADetRequest>");
                    write_detail(out, d, NumStyle::Request);
                    out.push_str(&format!("<CAEA>{}</CAEA>", esc(caea)));
                    leaf(out, "CbteFchHsGen", generated_at);
                    out.push_str("</FECAEADetRequest>");
                }
                out.push_str("</FeDetReq></FeCAEARegInfReq>");
            }
            Self::CaeaNoActivity {
                point_of_sale,
                caea,
            } => {
                leaf(out, "PtoVta", &point_of_sale.to_string());
                leaf(out, "CAEA", caea);
            }
        }
    }
}

fn write_header(out: &mut String, count: usize, point_of_sale: u32, voucher_type: u16) {
    out.push_str("<FeCabReq>");
    leaf(out, "CantReg", &count.to_string());
    leaf(out, "PtoVta", &point_of_sale.to_string());
    leaf(out, "CbteTipo", &voucher_type.to_string());
    out.push_str("</FeCabReq>");
}

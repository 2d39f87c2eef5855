//! The RG 4892/2020 QR code of an authorized voucher: `https://www.afip.gob.ar/fe/qr/?p=` followed
//! by the standard Base64 (with padding) of a compact JSON object, keys in the order ARCA lists.

use base64::Engine as _;
use rust_decimal::Decimal;
use serde::Serialize;
use time::Date;

/// Where ARCA's QR reader lives.
pub const BASE: &str = "https://www.afip.gob.ar/fe/qr/?p=";

/// ARCA's "Sin identificar" document type.
const UNIDENTIFIED: i32 = 99;

/// What the QR carries.
#[derive(Debug, Clone, PartialEq)]
pub struct QrData<'a> {
    /// The voucher's date.
    pub date: Date,
    /// The issuer's CUIT.
    pub cuit: i64,
    /// Point of sale.
    pub point_of_sale: i32,
    /// ARCA voucher type.
    pub voucher_type: i32,
    /// Voucher number.
    pub number: i64,
    /// `ImpTotal`, in the voucher's currency.
    pub total: Decimal,
    /// `MonId`.
    pub currency: &'a str,
    /// `MonCotiz`.
    pub exchange_rate: Decimal,
    /// Receiver's `DocTipo` and `DocNro`; left out of the QR for an unidentified receiver
    /// (`99`, `0`).
    pub receiver: (i32, i64),
    /// The CAE (14 digits).
    pub cae: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    ver: u8,
    fecha: String,
    cuit: i64,
    pto_vta: i32,
    tipo_cmp: i32,
    nro_cmp: i64,
    importe: serde_json::Number,
    moneda: &'a str,
    ctz: serde_json::Number,
    #[serde(skip_serializing_if = "Option::is_none")]
    tipo_doc_rec: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nro_doc_rec: Option<i64>,
    tipo_cod_aut: &'static str,
    cod_aut: serde_json::Number,
}

/// A decimal as a JSON number without trailing zeros (`12100.00` → `12100`, `65.5` → `65.5`).
fn number(value: Decimal) -> serde_json::Number {
    let text = value.normalize().to_string();
    text.parse::<i64>()
        .map(serde_json::Number::from)
        .ok()
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        })
        .unwrap_or_else(|| serde_json::Number::from(0))
}

/// The QR URL, or `None` when the CAE is not a 14-digit number.
pub fn url(data: &QrData<'_>) -> Option<String> {
    url_with_base(BASE, data)
}

/// The QR URL starting with `base` instead of ARCA's reader (a deployment's own verifier).
pub fn url_with_base(base: &str, data: &QrData<'_>) -> Option<String> {
    if data.cae.len() != 14 || !data.cae.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cae: u64 = data.cae.parse().ok()?;
    let receiver = (data.receiver != (UNIDENTIFIED, 0)).then_some(data.receiver);
    let payload = Payload {
        ver: 1,
        fecha: domain::values::date::format(data.date),
        cuit: data.cuit,
        pto_vta: data.point_of_sale,
        tipo_cmp: data.voucher_type,
        nro_cmp: data.number,
        importe: number(data.total),
        moneda: data.currency,
        ctz: number(data.exchange_rate),
        tipo_doc_rec: receiver.map(|(kind, _)| kind),
        nro_doc_rec: receiver.map(|(_, number)| number),
        tipo_cod_aut: "E",
        cod_aut: cae.into(),
    };
    let json = serde_json::to_vec(&payload).ok()?;
    Some(format!(
        "{base}{}",
        base64::engine::general_purpose::STANDARD.encode(json)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    /// The official test vector (ARCA.md §8), decoded.
    const VECTOR: &str = r#"{"ver":1,"fecha":"2020-10-13","cuit":30000000007,"ptoVta":10,"tipoCmp":1,"nroCmp":94,"importe":12100,"moneda":"DOL","ctz":65,"tipoDocRec":80,"nroDocRec":20000000001,"tipoCodAut":"E","codAut":70417054367476}"#;

    fn vector() -> QrData<'static> {
        QrData {
            date: date!(2020 - 10 - 13),
            cuit: 30_000_000_007,
            point_of_sale: 10,
            voucher_type: 1,
            number: 94,
            total: dec!(12100.00),
            currency: "DOL",
            exchange_rate: dec!(65.000000),
            receiver: (80, 20_000_000_001),
            cae: "70417054367476",
        }
    }

    fn decoded(url: &str) -> String {
        let encoded = url.strip_prefix(BASE).unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn encodes_the_official_test_vector_key_for_key() {
        let url = url(&vector()).unwrap_or_default();
        assert_eq!(decoded(&url), VECTOR);
    }

    #[test]
    fn keeps_decimals_that_matter_and_omits_a_missing_receiver() {
        let data = QrData {
            total: dec!(1210.50),
            exchange_rate: dec!(1),
            receiver: (UNIDENTIFIED, 0),
            ..vector()
        };
        let json = decoded(&url(&data).unwrap_or_default());
        assert!(json.contains(r#""importe":1210.5,"#), "{json}");
        assert!(json.contains(r#""ctz":1,"#), "{json}");
        assert!(!json.contains("DocRec"), "{json}");
    }

    #[test]
    fn has_no_url_without_a_well_formed_cae() {
        assert_eq!(
            url(&QrData {
                cae: "",
                ..vector()
            }),
            None
        );
        assert_eq!(
            url(&QrData {
                cae: "7041705436747X",
                ..vector()
            }),
            None
        );
    }
}

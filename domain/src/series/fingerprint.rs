//! Fingerprints of a voucher's fiscal content, to recognise it in ARCA's `FECompConsultar` echo.
//!
//! Two stages, because an invoice's content is known before its number:
//! [`ContentDigest`] hashes the [`FiscalContent`] alone (what a reservation carries), and
//! [`Fingerprint`] binds a digest to a voucher number (what a submission records and what a
//! reconciliation compares). Both are SHA-256, written as 64 lowercase hex digits.
//!
//! The canonical text hashed by [`ContentDigest`] is one `name=value` line per field, in this
//! order: a version line `arca-fiscal-content-v1`, `issuer_cuit` (11 digits), `point_of_sale`,
//! `voucher_type` (ARCA code), `concept`, `receiver_doc_type`, `receiver_doc_number`,
//! `issue_date` (`yyyymmdd`), the six totals `not_taxed`, `net`, `exempt`, `tributes`, `iva`,
//! `total`, `currency` (ARCA code), `exchange_rate`, then one `iva_line=id|base|amount` per IVA
//! rate, one `tribute=id|description|base|rate|amount` per tribute, `service_period=from|to|due`
//! (empty when absent) and one `associated=type|pos|number|cuit|date` per associated voucher.
//! Each list is sorted by its rendered lines, so the order ARCA echoes them in does not matter.
//! Numbers are normalised: amounts are rounded to 2 decimals and written without trailing zeros
//! (`122.00` and `122` both give `122`, as in ARCA's echo); rates likewise (`1.000` gives `1`).
//! [`Fingerprint`] hashes `arca-fingerprint-v1`, the digest's hex and the number, one per line.

use std::fmt;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use time::Date;

use crate::invoice::{
    AssociatedVoucher, InvoiceRequested, IvaLine, ServicePeriod, Totals, Tribute,
};
use crate::values::{Concept, Cuit, Currency, DocType, Money, VoucherType};

/// What ARCA stores of a voucher and echoes in `FECompConsultar`, minus its number. Built from
/// [`InvoiceRequested`] on our side and from the echo by the ARCA adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalContent {
    /// The issuer (`Auth/Cuit`).
    pub issuer_cuit: Cuit,
    /// `PtoVta`.
    pub point_of_sale: u32,
    /// `CbteTipo`.
    pub voucher_type: VoucherType,
    /// `Concepto`.
    pub concept: Concept,
    /// `DocTipo`.
    pub receiver_doc_type: DocType,
    /// `DocNro`.
    pub receiver_doc_number: u64,
    /// `CbteFch`.
    pub issue_date: Date,
    /// `ImpTotConc`, `ImpNeto`, `ImpOpEx`, `ImpTrib`, `ImpIVA`, `ImpTotal`.
    pub totals: Totals,
    /// `MonId`.
    pub currency: Currency,
    /// `MonCotiz`.
    pub exchange_rate: Decimal,
    /// `Iva/AlicIva`.
    pub iva: Vec<IvaLine>,
    /// `Tributos/Tributo`.
    pub tributes: Vec<Tribute>,
    /// `FchServDesde`, `FchServHasta`, `FchVtoPago`.
    pub service_period: Option<ServicePeriod>,
    /// `CbtesAsoc/CbteAsoc`.
    pub associated: Vec<AssociatedVoucher>,
}

impl FiscalContent {
    /// The fiscal content of a requested invoice.
    pub fn of_request(request: &InvoiceRequested) -> Self {
        Self {
            issuer_cuit: request.issuer_cuit,
            point_of_sale: request.point_of_sale,
            voucher_type: request.voucher_type,
            concept: request.concept,
            receiver_doc_type: request.receiver.doc_type,
            receiver_doc_number: request.receiver.doc_number,
            issue_date: request.issue_date,
            totals: request.totals,
            currency: request.currency,
            exchange_rate: request.exchange_rate.value(),
            iva: request.iva.clone(),
            tributes: request.tributes.clone(),
            service_period: request.service_period,
            associated: request.associated.clone(),
        }
    }

    /// The canonical text (see the module documentation).
    pub fn canonical_text(&self) -> String {
        let t = &self.totals;
        let mut lines = vec![
            "arca-fiscal-content-v1".to_owned(),
            format!("issuer_cuit={}", self.issuer_cuit),
            format!("point_of_sale={}", self.point_of_sale),
            format!("voucher_type={}", self.voucher_type.code()),
            format!("concept={}", self.concept.code()),
            format!("receiver_doc_type={}", self.receiver_doc_type.code()),
            format!("receiver_doc_number={}", self.receiver_doc_number),
            format!("issue_date={}", yyyymmdd(self.issue_date)),
        ];
        for (name, amount) in [
            ("not_taxed", t.not_taxed),
            ("net", t.net),
            ("exempt", t.exempt),
            ("tributes", t.tributes),
            ("iva", t.iva),
            ("total", t.total),
        ] {
            lines.push(format!("{name}={}", money(amount)));
        }
        lines.push(format!("currency={}", self.currency.code()));
        lines.push(format!("exchange_rate={}", number(self.exchange_rate)));
        let iva = self.iva.iter().map(|l| {
            let (id, base, amount) = (l.rate.id(), money(l.base), money(l.amount));
            format!("iva_line={id}|{base}|{amount}")
        });
        lines.extend(sorted(iva));
        lines.extend(sorted(self.tributes.iter().map(tribute)));
        lines.push(match self.service_period {
            Some(p) => format!(
                "service_period={}|{}|{}",
                yyyymmdd(p.from),
                yyyymmdd(p.to),
                yyyymmdd(p.payment_due)
            ),
            None => "service_period=".to_owned(),
        });
        lines.extend(sorted(self.associated.iter().map(associated)));
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// The digest of [`FiscalContent::canonical_text`].
    pub fn digest(&self) -> ContentDigest {
        ContentDigest(Sha256::digest(self.canonical_text().as_bytes()).into())
    }

    /// The fingerprint of this content as voucher `number`.
    pub fn fingerprint(&self, number: u64) -> Fingerprint {
        self.digest().at(number)
    }
}

fn tribute(t: &Tribute) -> String {
    let description = escape(t.description.as_deref().unwrap_or("").trim());
    // No rate and a rate of 0 read alike: ARCA echoes `<Alic>0</Alic>` for a tribute sent without one.
    let rate = t
        .rate
        .filter(|r| !r.is_zero())
        .map(number)
        .unwrap_or_default();
    format!(
        "tribute={}|{description}|{}|{rate}|{}",
        t.kind.code(),
        money(t.base),
        money(t.amount)
    )
}

fn associated(a: &AssociatedVoucher) -> String {
    let cuit = a.cuit.map(|c| c.to_string()).unwrap_or_default();
    let date = a.date.map(yyyymmdd).unwrap_or_default();
    let (kind, pos, nro) = (a.voucher_type.code(), a.point_of_sale, a.number);
    format!("associated={kind}|{pos}|{nro}|{cuit}|{date}")
}

fn sorted(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = lines.collect();
    lines.sort_unstable();
    lines
}

/// An amount rounded to cents, without trailing zeros.
fn money(amount: Money) -> String {
    number(amount.amount().round_dp(2))
}

/// A decimal without trailing zeros (`1.000` → `1`, `0.00` → `0`).
fn number(value: Decimal) -> String {
    value.normalize().to_string()
}

fn yyyymmdd(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Free text on one line, with the separators escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', "\\n")
}

/// Declares a SHA-256 value type stored as 64 lowercase hex digits.
macro_rules! sha256_value {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 32]);

        impl $name {
            /// Parses 64 lowercase hex digits.
            pub fn parse(hex: &str) -> Option<Self> {
                if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return None;
                }
                let mut bytes = [0u8; 32];
                for (i, byte) in bytes.iter_mut().enumerate() {
                    *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
                }
                Some(Self(bytes))
            }

            /// The hash's bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(concat!("a ", $what, " is 64 lowercase hex digits"))
                })
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }

            fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    string: Some(Box::new(schemars::schema::StringValidation {
                        pattern: Some("^[0-9a-f]{64}$".to_owned()),
                        ..Default::default()
                    })),
                    metadata: Some(Box::new(schemars::schema::Metadata {
                        description: Some(concat!("SHA-256 ", $what, ", hex.").to_owned()),
                        ..Default::default()
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

sha256_value!(
    /// SHA-256 of a voucher's [`FiscalContent`] without its number.
    ContentDigest,
    "content digest"
);

sha256_value!(
    /// SHA-256 of a voucher's fiscal content bound to its number: equal fingerprints at a number
    /// mean ARCA holds the voucher we sent there.
    Fingerprint,
    "fingerprint"
);

impl ContentDigest {
    /// The digest of a requested invoice's fiscal content (what [`super::ReserveNumbers`] takes).
    pub fn of_request(request: &InvoiceRequested) -> Self {
        FiscalContent::of_request(request).digest()
    }

    /// The fingerprint of this content as voucher `number`.
    pub fn at(&self, number: u64) -> Fingerprint {
        let text = format!("arca-fingerprint-v1\n{self}\n{number}\n");
        Fingerprint(Sha256::digest(text.as_bytes()).into())
    }
}

impl Fingerprint {
    /// The fingerprint of a requested invoice sent as voucher `number`.
    pub fn of_request(request: &InvoiceRequested, number: u64) -> Self {
        FiscalContent::of_request(request).fingerprint(number)
    }
}

//! Which series a number belongs to: (environment, CUIT, point of sale, voucher type), and its
//! stream, which belongs to one tenant: `series-{env}-{cuit}-{pos}-{type}-{tenant}`.
//!
//! Two tenants may register the same CUIT (an accountant and the business itself): each numbers
//! in a stream of its own, and ARCA's single count of the series reconciles them (10016, then
//! `FECompConsultar`). Series opened before streams named their tenant keep their first name,
//! `series-{env}-{cuit}-{pos}-{type}` ([`SeriesKey::stream_id`]), for the tenant that owns it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::envelope::StreamId;
use crate::ids::TenantId;
use crate::values::{Cuit, VoucherType};

/// The ARCA environment a series lives in: numbers in homologación and production are unrelated,
/// and the simulator has its own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The built-in ARCA simulator.
    Sim,
    /// ARCA's test environment.
    Homologacion,
    /// ARCA's production environment.
    Produccion,
}

impl Environment {
    /// Every environment.
    pub const ALL: [Self; 3] = [Self::Sim, Self::Homologacion, Self::Produccion];

    /// The name used in stream ids and settings (`sim`, `homologacion`, `produccion`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Homologacion => "homologacion",
            Self::Produccion => "produccion",
        }
    }

    /// The environment with that name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One numbering sequence at ARCA: every voucher of a CUIT, point of sale and voucher type gets
/// the next number of its series, in the environment it is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    /// Where the vouchers are sent.
    pub environment: Environment,
    /// The issuer.
    pub cuit: Cuit,
    /// `PtoVta`.
    pub point_of_sale: u32,
    /// `CbteTipo`.
    pub voucher_type: VoucherType,
}

impl SeriesKey {
    /// The series' name without a tenant, `series-{env}-{cuit}-{pos}-{type}` (such as
    /// `series-produccion-20267565393-1-6`): the stream of series opened before streams named
    /// their tenant, and the series' label in ARCA's evidence.
    pub fn stream_id(&self) -> StreamId {
        StreamId::new(self.to_string())
    }

    /// The series' stream for `tenant`: `series-{env}-{cuit}-{pos}-{type}-{tenant}`, the tenant
    /// as 32 hex digits.
    pub fn stream_for(&self, tenant: TenantId) -> StreamId {
        StreamId::new(format!("{self}-{}", tenant.as_uuid().simple()))
    }

    /// Reads a key back from its stream id, with or without its tenant; `None` for anything
    /// [`SeriesKey::stream_id`] or [`SeriesKey::stream_for`] would not have written.
    pub fn from_stream_id(stream: &str) -> Option<Self> {
        let rest = stream.strip_prefix("series-")?;
        let mut parts = rest.split('-');
        let environment = Environment::parse(parts.next()?)?;
        let cuit = Cuit::parse(parts.next()?).ok()?;
        let point_of_sale = parse_digits::<u32>(parts.next()?)?;
        let voucher_type = VoucherType::from_code(parse_digits::<u16>(parts.next()?)?).ok()?;
        if let Some(tenant) = parts.next() {
            let simple = tenant.len() == 32
                && tenant
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !simple || parts.next().is_some() {
                return None;
            }
        }
        Some(Self {
            environment,
            cuit,
            point_of_sale,
            voucher_type,
        })
    }
}

/// Plain decimal digits, without sign or leading zeros, as `Display` writes them.
fn parse_digits<T: std::str::FromStr + ToString>(text: &str) -> Option<T> {
    let value = text.parse::<T>().ok()?;
    (value.to_string() == text).then_some(value)
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "series-{}-{}-{}-{}",
            self.environment,
            self.cuit,
            self.point_of_sale,
            self.voucher_type.code()
        )
    }
}

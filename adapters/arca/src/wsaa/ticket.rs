//! The access ticket (TA) WSAA returns: token, sign, times, and the CUITs it may act for.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroize as _;

use super::tra::parse_xsd_datetime;
use crate::soap::xml;

/// A WSAA access ticket. `Debug` hides the token and sign.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub token: String,
    pub sign: String,
    pub service: String,
    #[serde(with = "time::serde::rfc3339")]
    pub generation_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expiration_time: OffsetDateTime,
    pub unique_id: u64,
    /// DN of WSAA (`CN=wsaahomo, O=AFIP, …`).
    pub source: String,
    /// DN of the certificate that logged in.
    pub destination: String,
    /// CUITs this ticket may represent (from the token's `relations`).
    pub relations: Vec<String>,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("service", &self.service)
            .field("generation_time", &self.generation_time)
            .field("expiration_time", &self.expiration_time)
            .field("destination", &self.destination)
            .field("relations", &self.relations)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// The token and sign are wiped from memory when a ticket is dropped.
impl Drop for Ticket {
    fn drop(&mut self) {
        self.token.zeroize();
        self.sign.zeroize();
    }
}

impl Ticket {
    /// True while `now + margin` is before the expiration.
    pub fn valid_at(&self, now: OffsetDateTime, margin: Duration) -> bool {
        now + margin < self.expiration_time
    }

    /// Whether the ticket lets its holder act for `cuit`.
    pub fn represents(&self, cuit: &str) -> bool {
        self.relations.iter().any(|r| r == cuit)
    }
}

/// Reads a `loginTicketResponse` document (the unescaped `loginCmsReturn`).
pub fn parse_login_ticket_response(text: &str) -> Result<Ticket, String> {
    let root = xml::parse(text).map_err(|e| e.to_string())?;
    if root.name != "loginTicketResponse" {
        return Err(format!(
            "root element {} is not loginTicketResponse",
            root.name
        ));
    }
    let header = root.child("header").ok_or("no header")?;
    let creds = root.child("credentials").ok_or("no credentials")?;
    let h = |n: &str| header.child_text(n).ok_or_else(|| format!("no header/{n}"));
    let token = creds.child_text("token").ok_or("no token")?.to_owned();
    let sso = decode_sso(&token)?;
    Ok(Ticket {
        sign: creds.child_text("sign").ok_or("no sign")?.to_owned(),
        generation_time: parse_xsd_datetime(h("generationTime")?).ok_or("bad generationTime")?,
        expiration_time: parse_xsd_datetime(h("expirationTime")?).ok_or("bad expirationTime")?,
        unique_id: h("uniqueId")?.parse().map_err(|_| "bad uniqueId")?,
        source: h("source").unwrap_or_default().to_owned(),
        destination: h("destination").unwrap_or_default().to_owned(),
        service: sso.service,
        relations: sso.relations,
        token,
    })
}

/// What the Base64 `sso` token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sso {
    pub gen_time: i64,
    pub exp_time: i64,
    pub service: String,
    pub uid: String,
    pub relations: Vec<String>,
}

/// Decodes a token into its `sso` document.
pub fn decode_sso(token: &str) -> Result<Sso, String> {
    let compact: String = token.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|e| format!("token is not Base64: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "token is not UTF-8")?;
    let root = xml::parse(&text).map_err(|e| e.to_string())?;
    let id = root.child("id").ok_or("token without id")?;
    let login = root
        .path(&["operation", "login"])
        .ok_or("token without login")?;
    let num = |n: &str| {
        id.attr(n)
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| format!("token without {n}"))
    };
    Ok(Sso {
        gen_time: num("gen_time")?,
        exp_time: num("exp_time")?,
        service: login.attr("service").unwrap_or_default().to_owned(),
        uid: login.attr("uid").unwrap_or_default().to_owned(),
        relations: login
            .child("relations")
            .map(|r| {
                r.children_named("relation")
                    .filter_map(|x| x.attr("key").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

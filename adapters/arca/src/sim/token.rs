//! Tokens the simulator's WSAA issues: ARCA's `sso` document in Base64, signed with HMAC-SHA256
//! under a key only the simulator knows, so its WSFEv1 can tell its own tokens apart.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::soap::xml::esc;

/// Everything that goes into a token.
#[derive(Debug, Clone)]
pub struct TokenFacts<'a> {
    pub source: &'a str,
    pub unique_id: u32,
    pub gen_time: i64,
    pub exp_time: i64,
    pub service: &'a str,
    pub uid: &'a str,
    pub cuit: &'a str,
}

/// Writes the Base64 token.
pub fn make_token(f: &TokenFacts<'_>) -> String {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sso version=\"2.0\">\n    <id src=\"{}\" dst=\"CN={}, O=AFIP, C=AR\" unique_id=\"{}\" gen_time=\"{}\" exp_time=\"{}\"/>\n    <operation type=\"login\" value=\"granted\">\n        <login entity=\"33693450239\" service=\"{}\" uid=\"{}\" authmethod=\"cms\" regmethod=\"22\">\n            <relations>\n                <relation key=\"{}\" reltype=\"4\"/>\n            </relations>\n        </login>\n    </operation>\n</sso>\n",
        esc(f.source),
        esc(f.service),
        f.unique_id,
        f.gen_time,
        f.exp_time,
        esc(f.service),
        esc(f.uid),
        esc(f.cuit)
    );
    STANDARD.encode(xml)
}

fn mac(key: &[u8], token: &str) -> Option<Hmac<Sha256>> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
    m.update(token.as_bytes());
    Some(m)
}

/// The sign for a token.
pub fn sign(key: &[u8], token: &str) -> String {
    mac(key, token)
        .map(|m| STANDARD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Constant-time check of a sign.
pub fn verify(key: &[u8], token: &str, sign: &str) -> bool {
    let Ok(raw) = STANDARD.decode(sign.trim()) else {
        return false;
    };
    mac(key, token).is_some_and(|m| m.verify_slice(&raw).is_ok())
}

//! An email address, as an invoice's receiver or a tenant's contact gives it.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest address SMTP carries in a path (RFC 5321 §4.5.3.1.3).
pub const MAX_EMAIL_LEN: usize = 254;
/// The JSON Schema pattern of an address, which [`EmailAddress::parse`] follows exactly (with
/// the length bound [`MAX_EMAIL_LEN`] besides): a local part of up to 64 of RFC 5322's `atext`
/// characters and dots, `@`, and two or more dot-separated labels of letters, digits and inner
/// hyphens, each up to 63 characters.
pub const PATTERN: &str = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";
/// The longest local part (before the `@`).
const MAX_LOCAL_LEN: usize = 64;
/// The longest label of the domain.
const MAX_LABEL_LEN: usize = 63;

/// Text that is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an email address (such as cliente@example.com)")]
pub struct EmailError(pub String);

impl EmailError {
    /// Stable snake_case code: `invalid_email`.
    pub fn code(&self) -> &'static str {
        "invalid_email"
    }

    /// Values carry no field name.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// An address as [`PATTERN`] describes it, at most [`MAX_EMAIL_LEN`] characters: what the
/// mail library sends to, without quoted local parts, address literals or blanks around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address.
    ///
    /// # Errors
    /// Anything that is not a plain address.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let invalid = || EmailError(text.chars().take(MAX_EMAIL_LEN).collect());
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let local_ok =
            (1..=MAX_LOCAL_LEN).contains(&local.len()) && local.bytes().all(is_local_byte);
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                (1..=MAX_LABEL_LEN).contains(&label.len())
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if local_ok && domain_ok && text.len() <= MAX_EMAIL_LEN {
            Ok(Self(text.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 5322's `atext` and the dot.
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b)
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for EmailAddress {
    fn schema_name() -> String {
        "EmailAddress".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        let mut schema = super::string_schema(PATTERN, "An email address, at most 254 characters.")
            .into_object();
        schema.format = Some("email".to_owned());
        if let Some(string) = schema.string.as_mut() {
            string.max_length = Some(u32::try_from(MAX_EMAIL_LEN).unwrap_or(u32::MAX));
        }
        schema.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses() {
        for text in [
            "cliente@example.com",
            "a.b+factura@sub.example.com.ar",
            "o'neil@x-y.io",
            "a..b@example.com",
        ] {
            assert_eq!(EmailAddress::parse(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn refuses_text_that_is_not_an_address_with_the_invalid_email_code() {
        for text in [
            "",
            "cliente",
            "cliente@",
            "@example.com",
            "cliente@localhost",
            "cli ente@example.com",
            "cliente@exa_mple.com",
            " ana@example.com",
            "a@-example.com",
            "a@example..com",
            "<a@example.com>",
            "a@b@example.com",
            "a@example.com\r\nBcc: x@example.com",
        ] {
            let error = EmailAddress::parse(text).unwrap_err();
            assert_eq!(error.code(), "invalid_email", "{text:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
        let too_long = format!("a@{}.com", vec!["b".repeat(63); 4].join("."));
        assert!(EmailAddress::parse(&too_long).is_err());
        let label_too_long = format!("a@{}.com", "b".repeat(64));
        assert!(EmailAddress::parse(&label_too_long).is_err());
    }

    #[test]
    fn reads_back_what_it_writes_and_refuses_a_stored_non_address() {
        let address = EmailAddress::parse("ana@example.com").unwrap();
        let json = serde_json::to_value(&address).unwrap();
        assert_eq!(json, serde_json::json!("ana@example.com"));
        assert_eq!(
            serde_json::from_value::<EmailAddress>(json).unwrap(),
            address
        );
        assert!(serde_json::from_value::<EmailAddress>(serde_json::json!("nope")).is_err());
    }
}

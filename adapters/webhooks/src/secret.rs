//! Endpoint signing secrets: `whsec_` followed by the standard base64 of the key bytes, as the
//! Standard Webhooks spec writes them. Receivers strip the prefix and base64-decode the rest to
//! get the HMAC key. `Debug` never prints a secret.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretBox, SecretString};

/// The prefix of every encoded secret.
pub const PREFIX: &str = "whsec_";
/// Bytes of key material in a secret made here.
pub const GENERATED_LEN: usize = 32;
/// The shortest key the spec accepts.
pub const MIN_LEN: usize = 24;
/// The longest key the spec accepts.
pub const MAX_LEN: usize = 64;

/// An endpoint's HMAC key.
pub struct Secret(SecretBox<Vec<u8>>);

/// Why text is not a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The text does not start with `whsec_`.
    #[error("a webhook secret starts with `whsec_`")]
    MissingPrefix,
    /// What follows the prefix is not standard base64.
    #[error("a webhook secret is `whsec_` and standard base64")]
    NotBase64,
    /// The key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret holds 24 to 64 bytes, not {0}")]
    Length(usize),
}

impl Secret {
    /// A fresh secret of [`GENERATED_LEN`] bytes from the thread's CSPRNG (ChaCha, seeded from
    /// the operating system).
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; GENERATED_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// Reads `whsec_<base64>`.
    ///
    /// # Errors
    /// No prefix, not base64, or a key outside 24..=64 bytes.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_LEN..=MAX_LEN).contains(&bytes.len()) {
            return Err(SecretError::Length(bytes.len()));
        }
        Ok(Self(SecretBox::new(Box::new(bytes))))
    }

    /// `whsec_<base64>`, the form shown to the endpoint's owner once.
    pub fn encode(&self) -> SecretString {
        SecretString::from(format!("{PREFIX}{}", STANDARD.encode(self.key())))
    }

    /// The HMAC key.
    pub fn key(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Self(SecretBox::new(Box::new(self.key().to_vec())))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_whsec_and_32_bytes_and_reads_back() {
        let secret = Secret::generate();
        let text = secret.encode();
        let text = text.expose_secret();
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(STANDARD.decode(&text[6..]).unwrap().len(), 32);
        assert_eq!(Secret::parse(text).unwrap().key(), secret.key());
    }

    #[test]
    fn two_generated_secrets_differ() {
        assert_ne!(Secret::generate().key(), Secret::generate().key());
    }

    #[test]
    fn refuses_text_that_is_not_a_secret() {
        assert_eq!(
            Secret::parse("c2VjcmV0").unwrap_err(),
            SecretError::MissingPrefix
        );
        assert_eq!(
            Secret::parse("whsec_not base64!").unwrap_err(),
            SecretError::NotBase64
        );
        let short = format!("whsec_{}", STANDARD.encode([1u8; 16]));
        assert_eq!(Secret::parse(&short).unwrap_err(), SecretError::Length(16));
    }

    #[test]
    fn reads_the_spec_example_secret() {
        // The secret of the Standard Webhooks libraries' own tests (24 bytes).
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(secret.key().len(), 24);
    }

    #[test]
    fn debug_never_prints_the_key() {
        let secret = Secret::generate();
        let debug = format!("{secret:?}");
        assert_eq!(debug, "Secret(<redacted>)");
    }
}

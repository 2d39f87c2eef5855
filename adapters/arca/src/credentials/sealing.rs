//! AES-256-GCM sealing of secrets at rest (issuers' private keys, and through
//! [`SealingKey::seal_bound`] any other secret), bound to their owner by the associated data.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::CredentialError;

/// The 32-byte key that encrypts issuers' private keys at rest. `Debug` prints `<redacted>`.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

/// What a sealed secret is stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The 96-bit GCM nonce, fresh for every sealing.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

impl SealingKey {
    /// Decodes a key given as standard base64 of exactly 32 bytes.
    ///
    /// # Errors
    /// Text that is not base64, or not 32 bytes long.
    pub fn from_base64(text: &str) -> Result<Self, CredentialError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| CredentialError::Config("credentials_key is not base64".into()))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            CredentialError::Config(
                "credentials_key must be 32 bytes (44 base64 characters)".into(),
            )
        })?;
        Ok(Self(key))
    }

    /// A key derived from a fixed, public seed: SHA-256(`arca dev credentials key|` ‖ seed).
    /// Only for the simulator environment, where nothing real is protected.
    pub fn derive_dev(seed: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(b"arca dev credentials key|")
            .chain_update(seed.as_bytes())
            .finalize();
        Self(digest.into())
    }

    /// Encrypts `plain` for the issuer (`tenant`, `cuit`) under `key_id`.
    ///
    /// # Errors
    /// Only if the cipher fails, which it does not for inputs of sane size.
    pub fn seal(&self, owner: &KeyOwner<'_>, plain: &[u8]) -> Result<Sealed, CredentialError> {
        self.seal_bound(&owner.associated_data(), plain)
    }

    /// Decrypts what [`seal`](Self::seal) made for the same owner.
    ///
    /// # Errors
    /// [`CredentialError::Sealing`] when the key, the owner or the bytes differ.
    pub fn open(&self, owner: &KeyOwner<'_>, sealed: &Sealed) -> Result<Vec<u8>, CredentialError> {
        self.open_bound(&owner.associated_data(), sealed)
    }

    /// Encrypts `plain` bound to `aad` (associated data: what the secret belongs to, which
    /// [`open_bound`](Self::open_bound) must present again). Other secrets than issuers' keys
    /// (webhook signing secrets) seal through this with their own `aad`.
    ///
    /// # Errors
    /// Only if the cipher fails, which it does not for inputs of sane size.
    pub fn seal_bound(&self, aad: &[u8], plain: &[u8]) -> Result<Sealed, CredentialError> {
        let nonce: [u8; 12] = rand::random();
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| CredentialError::Sealing)?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Decrypts what [`seal_bound`](Self::seal_bound) made with the same `aad`.
    ///
    /// # Errors
    /// [`CredentialError::Sealing`] when the key, the associated data or the bytes differ.
    pub fn open_bound(&self, aad: &[u8], sealed: &Sealed) -> Result<Vec<u8>, CredentialError> {
        if sealed.nonce.len() != 12 {
            return Err(CredentialError::Sealing);
        }
        self.cipher()
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map_err(|_| CredentialError::Sealing)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

/// Whose secret a sealed key is: what the associated data binds.
#[derive(Debug, Clone, Copy)]
pub struct KeyOwner<'a> {
    /// The tenant.
    pub tenant: Uuid,
    /// The issuer's CUIT (11 digits).
    pub cuit: &'a str,
    /// The key's reference.
    pub key_id: Uuid,
}

impl KeyOwner<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "arca-issuer-key:v1|{}|{}|{}",
            self.tenant, self.cuit, self.key_id
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(cuit: &str) -> KeyOwner<'_> {
        KeyOwner {
            tenant: Uuid::from_u128(1),
            cuit,
            key_id: Uuid::from_u128(2),
        }
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_owner_and_key() {
        let key = SealingKey::derive_dev("test");
        let sealed = key.seal(&owner("20267565393"), b"secret").unwrap();
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(&owner("20267565393"), &sealed).unwrap(), b"secret");
        assert!(matches!(
            key.open(&owner("20111111112"), &sealed),
            Err(CredentialError::Sealing)
        ));
        let other = SealingKey::derive_dev("other");
        assert!(other.open(&owner("20267565393"), &sealed).is_err());
    }

    #[test]
    fn a_bound_secret_opens_only_with_the_same_associated_data() {
        let key = SealingKey::derive_dev("test");
        let sealed = key.seal_bound(b"owner-a", b"whsec_x").unwrap();
        assert_eq!(key.open_bound(b"owner-a", &sealed).unwrap(), b"whsec_x");
        assert!(key.open_bound(b"owner-b", &sealed).is_err());
    }

    #[test]
    fn a_configured_key_must_be_32_bytes_of_base64() {
        let b64 = base64::engine::general_purpose::STANDARD;
        assert!(SealingKey::from_base64(&b64.encode([7u8; 32])).is_ok());
        assert!(SealingKey::from_base64(&b64.encode([7u8; 16])).is_err());
        assert!(SealingKey::from_base64("not base64!").is_err());
        let debug = format!(
            "{:?}",
            SealingKey::from_base64(&b64.encode([7u8; 32])).unwrap()
        );
        assert_eq!(debug, "SealingKey(<redacted>)");
    }
}

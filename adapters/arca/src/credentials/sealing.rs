//! AES-256-GCM sealing of secrets at rest under one key, bound to their owner by the associated
//! data. Stores seal and open through a [`Keyring`](super::Keyring), which picks the key.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use super::CredentialError;

/// One 32-byte key that encrypts secrets at rest. `Debug` prints `<redacted>`; the bytes are
/// wiped when the last copy is dropped.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

impl Drop for SealingKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// What a sealed secret is stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The id of the keyring's key that sealed it (rows without one were sealed by
    /// [`DEFAULT_KEY_ID`](super::DEFAULT_KEY_ID)).
    pub sealing_key_id: String,
    /// The 96-bit GCM nonce, fresh for every sealing.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// A sealed secret as a row stores it: its key id column (null for rows sealed before keys
    /// had ids, which the `default` key sealed), nonce and ciphertext.
    pub fn stored(sealing_key_id: Option<String>, nonce: Vec<u8>, ciphertext: Vec<u8>) -> Self {
        Self {
            sealing_key_id: sealing_key_id.unwrap_or_else(|| super::DEFAULT_KEY_ID.to_owned()),
            nonce,
            ciphertext,
        }
    }
}

impl SealingKey {
    /// Decodes a key given as standard base64 of exactly 32 bytes.
    ///
    /// # Errors
    /// Text that is not base64, or not 32 bytes long.
    pub fn from_base64(text: &str) -> Result<Self, CredentialError> {
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| CredentialError::Config("a credentials key is not base64".into()))?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            CredentialError::Config(
                "a credentials key must be 32 bytes (44 base64 characters)".into(),
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

    /// Encrypts `plain` bound to `aad` under a fresh nonce: (nonce, ciphertext and tag).
    pub(super) fn encrypt(
        &self,
        aad: &[u8],
        plain: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), CredentialError> {
        let nonce: [u8; 12] = rand::random();
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| CredentialError::Sealing)?;
        Ok((nonce.to_vec(), ciphertext))
    }

    /// Decrypts what [`encrypt`](Self::encrypt) made with the same `aad`; the plaintext is
    /// wiped when dropped.
    pub(super) fn decrypt(
        &self,
        aad: &[u8],
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, CredentialError> {
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
            .map(Zeroizing::new)
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
    /// The associated data a sealed issuer key is bound to.
    pub(super) fn associated_data(&self) -> Vec<u8> {
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

    #[test]
    fn a_row_without_a_key_id_was_sealed_by_the_default_key() {
        let row = Sealed::stored(None, vec![0; 12], vec![1]);
        assert_eq!(row.sealing_key_id, "default");
        let row = Sealed::stored(Some("k2".into()), vec![0; 12], vec![1]);
        assert_eq!(row.sealing_key_id, "k2");
    }
}

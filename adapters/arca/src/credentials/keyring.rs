//! The sealing keys a deployment holds, each with an id; one is current. Sealing always uses
//! the current key and records its id beside the ciphertext; opening uses the key the row
//! names, so rows sealed under an older key keep opening while it is configured, and
//! `arca credentials reseal` moves them to the current one.

use std::fmt;

use zeroize::Zeroizing;

use super::CredentialError;
use super::sealing::{KeyOwner, Sealed, SealingKey};

/// The id of the key configured the old way (`ARCA_CREDENTIALS_KEY`, a single key), and of the
/// key that sealed every row stored before rows recorded one.
pub const DEFAULT_KEY_ID: &str = "default";

/// Longest key id accepted.
const MAX_ID_LEN: usize = 64;

/// Several [`SealingKey`]s by id, one of them current. `Debug` shows the ids, never a key.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<(String, SealingKey)>,
    current: usize,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .field("current", &self.current_id())
            .finish()
    }
}

/// Whether `id` may name a key: 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Parses `id:base64,id:base64,…` (as `ARCA_CREDENTIALS_KEYS` gives them), in order.
///
/// # Errors
/// An entry that is not `id:base64`, an invalid id, or a key that is not 32 bytes of base64;
/// the message names the entry, never shows a key.
pub fn parse_keys(list: &str) -> Result<Vec<(String, SealingKey)>, CredentialError> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(n, entry)| {
            let (id, key) = entry.split_once(':').ok_or_else(|| {
                CredentialError::Config(format!(
                    "credentials_keys: entry {} is not `id:base64`",
                    n + 1
                ))
            })?;
            let id = id.trim();
            let key = SealingKey::from_base64(key).map_err(|e| {
                CredentialError::Config(format!("credentials_keys: key `{id}`: {e}"))
            })?;
            Ok((id.to_owned(), key))
        })
        .collect()
}

impl Keyring {
    /// A keyring of one key, `default`, current (the single `ARCA_CREDENTIALS_KEY`).
    pub fn single(key: SealingKey) -> Self {
        Self {
            keys: vec![(DEFAULT_KEY_ID.to_owned(), key)],
            current: 0,
        }
    }

    /// `keys` by id, `current` sealing.
    ///
    /// # Errors
    /// No key, an invalid or repeated id, or a current id that is not among the keys.
    pub fn new(keys: Vec<(String, SealingKey)>, current: &str) -> Result<Self, CredentialError> {
        if keys.is_empty() {
            return Err(CredentialError::Config(
                "no credentials key is configured".into(),
            ));
        }
        for (n, (id, _)) in keys.iter().enumerate() {
            if !valid_id(id) {
                return Err(CredentialError::Config(format!(
                    "credentials key id `{id}` must be 1 to {MAX_ID_LEN} letters, digits, `-`, \
                     `_` or `.`"
                )));
            }
            if keys[..n].iter().any(|(other, _)| other == id) {
                return Err(CredentialError::Config(format!(
                    "credentials key id `{id}` is configured twice"
                )));
            }
        }
        let current = keys
            .iter()
            .position(|(id, _)| id == current)
            .ok_or_else(|| {
                CredentialError::Config(format!(
                    "the current credentials key `{current}` is not configured (configured: {})",
                    keys.iter()
                        .map(|(id, _)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        Ok(Self { keys, current })
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[self.current].0
    }

    /// Every configured key id, in configuration order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    fn key(&self, id: &str) -> Result<&SealingKey, CredentialError> {
        self.keys
            .iter()
            .find(|(configured, _)| configured == id)
            .map(|(_, key)| key)
            .ok_or_else(|| CredentialError::UnknownSealingKey(id.to_owned()))
    }

    /// Encrypts `plain` under the current key, bound to `aad` (associated data: what the secret
    /// belongs to, which [`open_bound`](Self::open_bound) must present again).
    ///
    /// # Errors
    /// Only if the cipher fails, which it does not for inputs of sane size.
    pub fn seal_bound(&self, aad: &[u8], plain: &[u8]) -> Result<Sealed, CredentialError> {
        let (id, key) = &self.keys[self.current];
        let (nonce, ciphertext) = key.encrypt(aad, plain)?;
        Ok(Sealed {
            sealing_key_id: id.clone(),
            nonce,
            ciphertext,
        })
    }

    /// Decrypts what [`seal_bound`](Self::seal_bound) made with the same `aad`, with the key
    /// the row names. The plaintext is wiped when dropped.
    ///
    /// # Errors
    /// [`CredentialError::UnknownSealingKey`] when the row's key is not configured;
    /// [`CredentialError::Sealing`] when the key, the associated data or the bytes differ.
    pub fn open_bound(
        &self,
        aad: &[u8],
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, CredentialError> {
        self.key(&sealed.sealing_key_id)?.decrypt(aad, sealed)
    }

    /// Encrypts an issuer's key for its `owner` (tenant, CUIT, key reference).
    ///
    /// # Errors
    /// As [`seal_bound`](Self::seal_bound).
    pub fn seal(&self, owner: &KeyOwner<'_>, plain: &[u8]) -> Result<Sealed, CredentialError> {
        self.seal_bound(&owner.associated_data(), plain)
    }

    /// Decrypts what [`seal`](Self::seal) made for the same owner.
    ///
    /// # Errors
    /// As [`open_bound`](Self::open_bound).
    pub fn open(
        &self,
        owner: &KeyOwner<'_>,
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, CredentialError> {
        self.open_bound(&owner.associated_data(), sealed)
    }

    /// Whether a row naming `sealing_key_id` (null: `default`) is sealed by the current key.
    pub fn is_current(&self, sealing_key_id: Option<&str>) -> bool {
        sealing_key_id.unwrap_or(DEFAULT_KEY_ID) == self.current_id()
    }

    /// Opens `sealed` with the key it names and seals it again under the current key, bound to
    /// the same `aad`. The plaintext never leaves this call and is wiped.
    ///
    /// # Errors
    /// As [`open_bound`](Self::open_bound).
    pub fn reseal_bound(&self, aad: &[u8], sealed: &Sealed) -> Result<Sealed, CredentialError> {
        let plain = self.open_bound(aad, sealed)?;
        self.seal_bound(aad, &plain)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use uuid::Uuid;

    use super::*;

    fn b64(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    fn owner(cuit: &str) -> KeyOwner<'_> {
        KeyOwner {
            tenant: Uuid::from_u128(1),
            cuit,
            key_id: Uuid::from_u128(2),
        }
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_owner_and_key() {
        let keys = Keyring::single(SealingKey::derive_dev("test"));
        let sealed = keys.seal(&owner("20267565393"), b"secret").unwrap();
        assert!(!sealed.ciphertext.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            keys.open(&owner("20267565393"), &sealed)
                .unwrap()
                .as_slice(),
            b"secret"
        );
        assert!(matches!(
            keys.open(&owner("20111111112"), &sealed),
            Err(CredentialError::Sealing)
        ));
        let other = Keyring::single(SealingKey::derive_dev("other"));
        assert!(matches!(
            other.open(&owner("20267565393"), &sealed),
            Err(CredentialError::Sealing)
        ));
    }

    #[test]
    fn a_bound_secret_opens_only_with_the_same_associated_data() {
        let keys = Keyring::single(SealingKey::derive_dev("test"));
        let sealed = keys.seal_bound(b"owner-a", b"whsec_x").unwrap();
        assert_eq!(
            keys.open_bound(b"owner-a", &sealed).unwrap().as_slice(),
            b"whsec_x"
        );
        assert!(keys.open_bound(b"owner-b", &sealed).is_err());
    }

    #[test]
    fn the_current_key_seals_and_every_configured_key_opens_what_it_sealed() {
        let old = Keyring::parse_and_pick(&format!("k1:{}", b64(1)), None);
        let sealed_by_k1 = old.seal_bound(b"row", b"plain").unwrap();
        assert_eq!(sealed_by_k1.sealing_key_id, "k1");

        let both = Keyring::parse_and_pick(&format!("k2:{}, k1:{}", b64(2), b64(1)), None);
        assert_eq!(both.current_id(), "k2");
        let sealed_by_k2 = both.seal_bound(b"row", b"plain").unwrap();
        assert_eq!(sealed_by_k2.sealing_key_id, "k2");
        assert_eq!(
            both.open_bound(b"row", &sealed_by_k1).unwrap().as_slice(),
            b"plain"
        );
        let moved = both.reseal_bound(b"row", &sealed_by_k1).unwrap();
        assert_eq!(moved.sealing_key_id, "k2");
        assert!(both.is_current(Some("k2")) && !both.is_current(Some("k1")));

        let new_only = Keyring::parse_and_pick(&format!("k2:{}", b64(2)), None);
        assert_eq!(
            new_only.open_bound(b"row", &moved).unwrap().as_slice(),
            b"plain"
        );
        let missing = new_only.open_bound(b"row", &sealed_by_k1).unwrap_err();
        assert!(matches!(&missing, CredentialError::UnknownSealingKey(id) if id == "k1"));
        assert!(missing.to_string().contains("`k1`"), "{missing}");
    }

    #[test]
    fn an_explicit_current_key_wins_over_the_first() {
        let keys = Keyring::parse_and_pick(&format!("k2:{},k1:{}", b64(2), b64(1)), Some("k1"));
        assert_eq!(keys.current_id(), "k1");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["k2", "k1"]);
        let debug = format!("{keys:?}");
        assert!(debug.contains("k1") && !debug.contains(&b64(1)), "{debug}");
    }

    #[test]
    fn a_bad_keyring_is_refused_with_a_reason() {
        let refused = |list: &str, current: &str| {
            parse_keys(list)
                .and_then(|keys| Keyring::new(keys, current))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(&format!("k1{}", b64(1)), "k1").contains("entry 1"));
        assert!(refused(&format!("k1:{},k1:{}", b64(1), b64(2)), "k1").contains("twice"));
        assert!(refused(&format!("k 1:{}", b64(1)), "k 1").contains("letters"));
        assert!(refused(&format!("k1:{}", b64(1)), "k3").contains("`k3` is not configured"));
        assert!(refused("k1:c2hvcnQ=", "k1").contains("32 bytes"));
        assert!(refused("", "k1").contains("no credentials key"));
    }

    impl Keyring {
        fn parse_and_pick(list: &str, current: Option<&str>) -> Self {
            let keys = parse_keys(list).unwrap();
            let current = current.map_or_else(|| keys[0].0.clone(), str::to_owned);
            Self::new(keys, &current).unwrap()
        }
    }
}

//! Passphrases of the encrypted private keys: from an environment variable, or generated and kept
//! in a `.pass` file (mode 0600) beside the key. A passphrase never appears in `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::error::ArcaError;

/// The passphrase of an encrypted key. `Debug` prints `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPassphrase(String);

impl fmt::Debug for KeyPassphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyPassphrase(<redacted>)")
    }
}

impl KeyPassphrase {
    /// Wraps a passphrase; empty ones are refused.
    pub fn new(s: impl Into<String>) -> Result<Self, ArcaError> {
        let s = s.into();
        if s.is_empty() {
            return Err(ArcaError::Invalid("an empty key passphrase".into()));
        }
        Ok(Self(s))
    }

    /// 256 random bits, base64url: what `arca certs` uses when no passphrase is given.
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The secret itself, for the KDF and for writing the `.pass` file.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The passphrase in environment variable `var`, if set and not empty.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var).ok().and_then(|s| Self::new(s).ok())
    }

    /// Reads a `.pass` file (its first line; `openssl -passin file:` reads it the same way).
    pub fn from_file(path: &Path) -> Result<Self, ArcaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ArcaError::Invalid(format!("reading {}: {e}", path.display())))?;
        Self::new(text.lines().next().unwrap_or_default().trim_end())
    }

    /// The passphrase of the key at `key_path`: `explicit` if given, else environment variable
    /// `env_var`, else the `.pass` file beside the key (if there is one).
    pub fn resolve(
        key_path: &Path,
        explicit: Option<&Path>,
        env_var: Option<&str>,
    ) -> Result<Option<Self>, ArcaError> {
        if let Some(file) = explicit {
            return Self::from_file(file).map(Some);
        }
        if let Some(p) = env_var.and_then(Self::from_env) {
            return Ok(Some(p));
        }
        let beside = pass_file_for(key_path);
        if beside.is_file() {
            return Self::from_file(&beside).map(Some);
        }
        Ok(None)
    }
}

/// Where the generated passphrase of `key` lives: `key.pem` → `key.pass`.
pub fn pass_file_for(key: &Path) -> PathBuf {
    key.with_extension("pass")
}

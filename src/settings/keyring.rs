//! The keyring setting: `credentials_keys`, `credentials_key_current` and the single
//! `credentials_key` (the key `default`) turned into the [`Keyring`] that seals secrets at rest.

use anyhow::bail;
use arca_ws::credentials::{DEFAULT_KEY_ID, Keyring, SealingKey, parse_keys};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::{ArcaEnv, SIM_CREDENTIALS_SEED, Settings, list_or_commas};

/// A secret list given as a TOML array or as one comma-separated string, kept as the latter.
pub(super) fn secret_list<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<SecretString>, D::Error> {
    let items = list_or_commas(de)?;
    Ok((!items.is_empty()).then(|| SecretString::from(items.join(","))))
}

/// A text setting that an environment variable may give as digits alone (`2027`).
pub(super) fn text_or_number<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }
    Ok(Some(match Given::deserialize(de)? {
        Given::Text(text) => text,
        Given::Unsigned(n) => n.to_string(),
        Given::Signed(n) => n.to_string(),
    }))
}

impl Settings {
    /// The keys sealing secrets at rest: the keys of `credentials_keys` in order, then
    /// `credentials_key` as the key `default`, and — in `sim` only, where nothing real is
    /// protected — a key derived from the public seed [`SIM_CREDENTIALS_SEED`] as `default` when
    /// no configured key has that id. The current key is `credentials_key_current`, else the
    /// first of `credentials_keys`, else `default`.
    ///
    /// # Errors
    /// A key that is not base64 of 32 bytes, a malformed or repeated id, a current key that is
    /// not configured, or no key outside `sim`.
    pub fn keyring(&self) -> anyhow::Result<Keyring> {
        let mut keys = match &self.credentials_keys {
            Some(list) => parse_keys(list.expose_secret())?,
            None => Vec::new(),
        };
        if let Some(key) = &self.credentials_key {
            let key = SealingKey::from_base64(key.expose_secret())
                .map_err(|e| anyhow::anyhow!("credentials_key: {e}"))?;
            keys.push((DEFAULT_KEY_ID.to_owned(), key));
        }
        let first = keys.first().map(|(id, _)| id.clone());
        if self.env == ArcaEnv::Sim && keys.iter().all(|(id, _)| id != DEFAULT_KEY_ID) {
            keys.push((
                DEFAULT_KEY_ID.to_owned(),
                SealingKey::derive_dev(SIM_CREDENTIALS_SEED),
            ));
        }
        if keys.is_empty() {
            bail!(
                "a credentials key is required when env is homologacion or produccion: set \
                 ARCA_CREDENTIALS_KEYS to `<id>:<base64 of 32 random bytes>` (e.g. \
                 `k1:$(openssl rand -base64 32)`), or ARCA_CREDENTIALS_KEY to the base64 alone, \
                 and keep it safe; without it stored private keys cannot be read"
            );
        }
        let current = self
            .credentials_key_current
            .clone()
            .or(first)
            .unwrap_or_else(|| DEFAULT_KEY_ID.to_owned());
        Ok(Keyring::new(keys, &current)?)
    }
}

#[cfg(test)]
mod tests {
    use figment::{
        Figment,
        providers::{Format, Toml},
    };

    use super::*;
    use crate::settings::DEFAULTS;

    fn key(byte: u8) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    fn keyring_of(pairs: &[(&str, String)]) -> anyhow::Result<Keyring> {
        let mut figment = Figment::from(Toml::string(DEFAULTS)).merge(("env", "produccion"));
        for (name, value) in pairs {
            figment = figment.merge((*name, value.as_str()));
        }
        figment.extract::<Settings>()?.keyring()
    }

    #[test]
    fn several_credentials_keys_have_ids_and_the_first_or_the_named_one_is_current() {
        let list = format!("k2:{}, k1:{}", key(2), key(1));
        let keys = keyring_of(&[("credentials_keys", list.clone())]).expect("two keys");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["k2", "k1"]);
        assert_eq!(keys.current_id(), "k2");
        let keys = keyring_of(&[
            ("credentials_keys", list.clone()),
            ("credentials_key_current", "k1".into()),
        ])
        .expect("k1 current");
        assert_eq!(keys.current_id(), "k1");
        let unknown = keyring_of(&[
            ("credentials_keys", list),
            ("credentials_key_current", "k3".into()),
        ])
        .expect_err("k3 is not configured");
        assert!(unknown.to_string().contains("`k3`"), "{unknown}");
    }

    #[test]
    fn the_single_credentials_key_is_the_key_named_default() {
        let keys = keyring_of(&[("credentials_key", key(7))]).expect("one key");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["default"]);
        assert_eq!(keys.current_id(), "default");
        // Beside a list, the old key stays readable as `default`; the list's first seals.
        let keys = keyring_of(&[
            ("credentials_key", key(7)),
            ("credentials_keys", format!("k2:{}", key(2))),
        ])
        .expect("both");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["k2", "default"]);
        assert_eq!(keys.current_id(), "k2");
        let twice = keyring_of(&[
            ("credentials_key", key(7)),
            ("credentials_keys", format!("default:{}", key(2))),
        ])
        .expect_err("two keys named default");
        assert!(twice.to_string().contains("twice"), "{twice}");
    }

    #[test]
    fn the_keyring_reads_from_variables_and_is_never_printed() {
        // As `Env` parses ARCA_CREDENTIALS_KEYS and ARCA_CREDENTIALS_KEY_CURRENT: the list stays
        // one string, the digits become a number.
        let as_variable = |text: &str| text.parse::<figment::value::Value>().unwrap();
        let list = format!("2026:{},2025:{}", key(2), key(1));
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("env", "produccion"))
            .merge(("credentials_keys", as_variable(&list)))
            .merge(("credentials_key_current", as_variable("2025")))
            .extract()
            .expect("settings");
        let keys = settings.keyring().expect("keys");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["2026", "2025"]);
        assert_eq!(keys.current_id(), "2025");
        let printed = format!("{settings:?}");
        assert!(
            !printed.contains(&key(2)) && !printed.contains(&key(1)),
            "{printed}"
        );
    }

    #[test]
    fn in_sim_the_development_key_reads_what_it_sealed_beside_configured_keys() {
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("credentials_keys", format!("k1:{}", key(1))))
            .extract()
            .expect("settings");
        let keys = settings.keyring().expect("keys");
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["k1", "default"]);
        assert_eq!(keys.current_id(), "k1");
    }
}

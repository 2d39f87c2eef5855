//! The email settings (`smtp_*`): the SMTP server the workers send through, off while
//! `smtp_host` is empty.

use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;
use workers::mail::{MailConfig, SendConfig};

use super::Settings;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a server on loopback.
    None,
    /// `STARTTLS`, required.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// The `smtp_*` settings, flattened into [`Settings`]. Flattened values reach serde as they were
/// given, so numbers written as text (a test's or a file's `"2525"`) and texts made of digits (an
/// environment variable's password `12345678`) are read either way.
#[derive(Clone, Deserialize)]
pub struct SmtpSettings {
    /// The server's host name; empty: no email is sent.
    pub smtp_host: String,
    /// Its port.
    #[serde(deserialize_with = "number")]
    pub smtp_port: u16,
    /// The user to log in as; empty: no login.
    #[serde(deserialize_with = "text")]
    pub smtp_username: String,
    /// That user's password (never printed).
    #[serde(default, deserialize_with = "secret")]
    pub smtp_password: Option<SecretString>,
    /// How the connection is protected.
    pub smtp_tls: SmtpTls,
    /// The sender: an address, or `Name <address>`.
    pub smtp_from: String,
    /// Longest wait for each SMTP command, in seconds.
    #[serde(deserialize_with = "number")]
    pub smtp_timeout_seconds: u64,
    /// Attempts per message before it is given up.
    #[serde(deserialize_with = "number")]
    pub smtp_max_attempts: u32,
}

/// A whole number given as a number or as digits.
fn number<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64> + std::str::FromStr,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Number(u64),
        Text(String),
    }
    let wrong = || serde::de::Error::custom("expected a whole number in range");
    match Given::deserialize(de)? {
        Given::Number(n) => T::try_from(n).map_err(|_| wrong()),
        Given::Text(text) => text.trim().parse().map_err(|_| wrong()),
    }
}

fn text<'de, D: serde::Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    Ok(super::keyring::text_or_number(de)?.unwrap_or_default())
}

fn secret<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<SecretString>, D::Error> {
    Ok(super::keyring::text_or_number(de)?.map(SecretString::from))
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<redacted>"),
            )
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_timeout_seconds", &self.smtp_timeout_seconds)
            .field("smtp_max_attempts", &self.smtp_max_attempts)
            .finish()
    }
}

/// Whether `host` is this machine (plain SMTP is refused anywhere else).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Settings {
    /// The email engine, or `None` when `smtp_host` is empty.
    ///
    /// # Errors
    /// Plain text to a server off this machine, no sender, a login without a password, or
    /// attempts or a timeout out of range.
    pub fn mail(&self) -> anyhow::Result<Option<MailConfig>> {
        let s = &self.smtp;
        let host = s.smtp_host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        if s.smtp_tls == SmtpTls::None && !is_loopback(host) {
            bail!(
                "smtp_tls = \"none\" is only for a server on loopback; use starttls or tls for {host}"
            );
        }
        if s.smtp_from.trim().is_empty() {
            bail!("smtp_host is set: set smtp_from (the sender address) too");
        }
        let username = s.smtp_username.trim();
        if !username.is_empty() && s.smtp_password.is_none() {
            bail!("smtp_username is set: set ARCA_SMTP_PASSWORD too");
        }
        if !(1..=50).contains(&s.smtp_max_attempts) {
            bail!("smtp_max_attempts must be between 1 and 50");
        }
        if !(1..=300).contains(&s.smtp_timeout_seconds) {
            bail!("smtp_timeout_seconds must be between 1 and 300");
        }
        let tls = match s.smtp_tls {
            SmtpTls::None => mail::TlsMode::None,
            SmtpTls::Starttls => mail::TlsMode::StartTls,
            SmtpTls::Tls => mail::TlsMode::Tls,
        };
        let smtp = mail::SmtpConfig {
            host: host.to_owned(),
            port: s.smtp_port,
            username: (!username.is_empty()).then(|| username.to_owned()),
            password: s.smtp_password.clone(),
            tls,
            from: s.smtp_from.trim().to_owned(),
            timeout: Duration::from_secs(s.smtp_timeout_seconds),
        };
        mail::Mailer::new(&smtp)?;
        let send = SendConfig {
            max_attempts: s.smtp_max_attempts,
            ..SendConfig::default()
        };
        Ok(Some(MailConfig { smtp, send }))
    }
}

#[cfg(test)]
mod tests {
    use figment::Figment;
    use figment::providers::{Format as _, Toml};
    use secrecy::ExposeSecret as _;

    use super::super::tests::with;
    use super::*;

    #[test]
    fn email_is_off_until_a_host_is_set() {
        assert!(with(&[]).mail().expect("defaults").is_none());
        let on = with(&[
            ("smtp_host", "smtp.example.com"),
            ("smtp_from", "Facturas <facturas@example.com>"),
            ("smtp_username", "facturas"),
            ("smtp_password", "hunter2"),
        ]);
        let config = on.mail().expect("valid").expect("on");
        assert_eq!(config.smtp.port, 587);
        assert_eq!(config.smtp.tls, mail::TlsMode::StartTls);
        assert_eq!(config.smtp.username.as_deref(), Some("facturas"));
        assert_eq!(
            config
                .smtp
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned()),
            Some("hunter2".to_owned())
        );
        assert!(!format!("{:?}", on.smtp).contains("hunter2"));
    }

    #[test]
    fn plain_smtp_off_this_machine_or_a_login_without_password_is_refused_at_start_up() {
        let plain = with(&[
            ("smtp_host", "smtp.example.com"),
            ("smtp_from", "f@example.com"),
            ("smtp_tls", "none"),
        ]);
        assert!(plain.mail().is_err());
        let local = with(&[
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", "2525"),
            ("smtp_from", "f@example.com"),
            ("smtp_tls", "none"),
        ]);
        assert_eq!(local.mail().expect("loopback").expect("on").smtp.port, 2525);
        let digits: Settings = Figment::from(Toml::string(super::super::DEFAULTS))
            .merge(("smtp_host", "localhost"))
            .merge(("smtp_tls", "none"))
            .merge(("smtp_from", "f@example.com"))
            .merge(("smtp_username", 1234))
            .merge(("smtp_password", 12_345_678))
            .extract()
            .expect("digits read as text");
        let config = digits.mail().expect("valid").expect("on");
        assert_eq!(config.smtp.username.as_deref(), Some("1234"));
        assert_eq!(
            config.smtp.password.map(|p| p.expose_secret().to_owned()),
            Some("12345678".to_owned())
        );
        let no_password = with(&[
            ("smtp_host", "smtp.example.com"),
            ("smtp_from", "f@example.com"),
            ("smtp_username", "u"),
        ]);
        assert!(no_password.mail().is_err());
        let no_sender = with(&[("smtp_host", "smtp.example.com")]);
        assert!(no_sender.mail().is_err());
    }
}

//! Sending through the configured SMTP server.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::message::sender;
use crate::{InvoiceMail, MailError, NoticeMail};

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text: only for a relay on loopback or a trusted network.
    None,
    /// Plain, then `STARTTLS`, which must succeed (no silent fallback to plain text).
    StartTls,
    /// TLS from the first byte (submissions, usually port 465).
    Tls,
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The server's host name (also the name its certificate must carry).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The user to log in as, if the server wants a login.
    pub username: Option<String>,
    /// That user's password.
    pub password: Option<SecretString>,
    /// How the connection is protected.
    pub tls: TlsMode,
    /// The sender (`Facturación <facturas@example.com>` or a bare address).
    pub from: String,
    /// Longest wait for each SMTP command.
    pub timeout: Duration,
}

/// Sends messages through one SMTP server; a connection per message.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `config`. Connects nothing yet.
    ///
    /// # Errors
    /// A sender that is not an address, or TLS parameters refused for the host.
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let from = sender(&config.from)?;
        let setup = |source| MailError::Setup {
            host: config.host.clone(),
            source,
        };
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => {
                Tls::Required(TlsParameters::new(config.host.clone()).map_err(setup)?)
            }
            TlsMode::Tls => Tls::Wrapper(TlsParameters::new(config.host.clone()).map_err(setup)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(user) = &config.username {
            let password = config
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            host: config.host.clone(),
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Sends a voucher to its receiver; returns its `Message-ID`.
    ///
    /// # Errors
    /// The receiver's address refused, the server unreachable or refusing.
    pub async fn send_invoice(&self, mail: &InvoiceMail) -> Result<String, MailError> {
        let message = mail.message(&self.from)?;
        self.send(message).await?;
        Ok(crate::invoice_message_id(mail.invoice_id, &self.from))
    }

    /// Sends a notice to a tenant.
    ///
    /// # Errors
    /// The address refused, the server unreachable or refusing.
    pub async fn send_notice(&self, mail: &NoticeMail) -> Result<(), MailError> {
        let message = mail.message(&self.from)?;
        self.send(message).await
    }

    async fn send(&self, message: lettre::Message) -> Result<(), MailError> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|source| MailError::Send {
                host: self.host.clone(),
                source,
            })
    }
}

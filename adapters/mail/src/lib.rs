//! Email over SMTP: the Spanish message that carries an authorized voucher's PDF to its
//! receiver ([`InvoiceMail`]), the short notices a tenant gets about its account
//! ([`NoticeMail`]), and the [`Mailer`] that sends them through the configured server (plain on
//! loopback, STARTTLS or implicit TLS, with or without credentials).
//!
//! A voucher's message has a `Message-ID` derived from the invoice ([`invoice_message_id`]):
//! sending it again after a crash gives the receiver's server the same id to drop the copy by.
//!
//! Depends on `lettre` (rustls on the process's ring provider, never aws-lc-rs) and on no
//! workspace crate: never on the domain's aggregates, the application (commands, projections,
//! api, workers), the event store, a database driver or the HTTP stack. The caller maps its
//! invoice into the plain data here.

#![warn(missing_docs)]

mod message;
mod smtp;
#[cfg(feature = "testing")]
pub mod testing;

pub use message::{InvoiceMail, NoticeMail, invoice_message_id};
pub use smtp::{Mailer, SmtpConfig, TlsMode};

/// Why a message was not built or not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address (sender or recipient) that SMTP cannot carry.
    #[error("`{address}` is not a usable email address")]
    Address {
        /// The address.
        address: String,
        /// What the parser said.
        #[source]
        source: lettre::address::AddressError,
    },
    /// The message could not be put together (a header or part refused).
    #[error("building the email")]
    Build(#[source] lettre::error::Error),
    /// A content type lettre refused.
    #[error("a content type of the email")]
    ContentType(#[source] lettre::message::header::ContentTypeErr),
    /// The SMTP settings are unusable (a TLS domain refused).
    #[error("setting up the SMTP transport for {host}")]
    Setup {
        /// The server.
        host: String,
        /// What lettre said.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The server was unreachable or refused the message.
    #[error("sending through {host}")]
    Send {
        /// The server.
        host: String,
        /// What the server or the network said.
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl MailError {
    /// Whether the server refused the message for good (a 5xx answer): sending it again will
    /// not help.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Send { source, .. } => source.is_permanent(),
            Self::Address { .. } | Self::Build(_) | Self::ContentType(_) => true,
            Self::Setup { .. } => false,
        }
    }
}

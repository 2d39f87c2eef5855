//! The broker's rows in `arca_ws.tickets`: each ticket (token and sign are secrets) is sealed
//! whole under the keyring's current key, bound to its row's identity (certificate, service,
//! environment), so a row copied to another certificate does not open.
//!
//! A row a previous version kept in clear (`ticket`, no ciphertext) is a legacy row: the broker
//! does not serve it, and the next ticket or `arca credentials reseal` replaces it.

use sqlx::types::Json;
use sqlx::{PgPool, Postgres};
use zeroize::Zeroizing;

use super::BrokerError;
use crate::credentials::{CredentialError, DEFAULT_KEY_ID, Keyring, Sealed};
use crate::wsaa::Ticket;

/// Which ticket a row holds: one certificate's, for one service and environment.
#[derive(Debug, Clone, Copy)]
pub(super) struct TicketRow<'a> {
    /// Hex SHA-256 of the certificate.
    pub fingerprint: &'a str,
    /// The WSAA service (`wsfe`).
    pub service: &'a str,
    /// `sim`, `homologacion` or `produccion`.
    pub environment: &'a str,
}

impl TicketRow<'_> {
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "arca-wsaa-ticket:v1|{}|{}|{}",
            self.fingerprint, self.service, self.environment
        )
        .into_bytes()
    }
}

/// What the broker found in a ticket's row.
#[derive(Debug)]
pub(super) enum Stored {
    /// No row, or one that does not open with this keyring (logged): as good as none.
    Absent,
    /// A sealed ticket.
    Sealed(Ticket),
    /// A ticket kept in clear by a previous version: not served; held only while WSAA refuses a
    /// new login because it still lives.
    Legacy(Ticket),
}

impl Stored {
    /// The sealed ticket, if any.
    pub(super) fn sealed(self) -> Option<Ticket> {
        match self {
            Self::Sealed(ticket) => Some(ticket),
            Self::Absent | Self::Legacy(_) => None,
        }
    }

    /// The sealed ticket, if any.
    pub(super) fn sealed_ref(&self) -> Option<&Ticket> {
        match self {
            Self::Sealed(ticket) => Some(ticket),
            Self::Absent | Self::Legacy(_) => None,
        }
    }

    /// Whatever ticket the row holds, sealed or legacy.
    pub(super) fn any(self) -> Option<Ticket> {
        match self {
            Self::Sealed(ticket) | Self::Legacy(ticket) => Some(ticket),
            Self::Absent => None,
        }
    }
}

/// A ticket row as read: (legacy clear ticket, key id, nonce, ciphertext).
type RawRow = (
    Option<Json<Ticket>>,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

fn open(keyring: &Keyring, row: &TicketRow<'_>, sealed: &Sealed) -> Result<Ticket, BrokerError> {
    let plain = keyring.open_bound(&row.associated_data(), sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}

fn seal(keyring: &Keyring, row: &TicketRow<'_>, ticket: &Ticket) -> Result<Sealed, BrokerError> {
    let plain = Zeroizing::new(serde_json::to_vec(ticket)?);
    Ok(keyring.seal_bound(&row.associated_data(), &plain)?)
}

/// Reads the ticket of `row`. A row that does not open (its key not configured, another key
/// under its id, altered bytes) is logged and read as absent, so the broker logs in again
/// rather than stop invoicing.
///
/// # Errors
/// Database failures.
pub(super) async fn load<'e, E>(
    exec: E,
    keyring: &Keyring,
    row: &TicketRow<'_>,
) -> Result<Stored, BrokerError>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let raw: Option<RawRow> = sqlx::query_as(
        "SELECT ticket, sealing_key_id, nonce, ciphertext FROM arca_ws.tickets \
         WHERE cert_fingerprint = $1 AND service = $2 AND environment = $3",
    )
    .bind(row.fingerprint)
    .bind(row.service)
    .bind(row.environment)
    .fetch_optional(exec)
    .await?;
    Ok(match raw {
        None => Stored::Absent,
        Some((_, key_id, Some(nonce), Some(ciphertext))) => {
            match open(keyring, row, &Sealed::stored(key_id, nonce, ciphertext)) {
                Ok(ticket) => Stored::Sealed(ticket),
                Err(error) => {
                    tracing::warn!(
                        error = %error,
                        service = row.service,
                        environment = row.environment,
                        "a stored WSAA ticket does not open: logging in again"
                    );
                    Stored::Absent
                }
            }
        }
        Some((Some(Json(ticket)), ..)) => Stored::Legacy(ticket),
        Some(_) => Stored::Absent,
    })
}

/// Stores `ticket` as the one of `row`, sealed under the current key (replacing a legacy row's
/// clear ticket).
///
/// # Errors
/// Database failures.
pub(super) async fn save<'e, E>(
    exec: E,
    keyring: &Keyring,
    row: &TicketRow<'_>,
    ticket: &Ticket,
) -> Result<(), BrokerError>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let sealed = seal(keyring, row, ticket)?;
    sqlx::query(
        "INSERT INTO arca_ws.tickets (cert_fingerprint, service, environment, ticket, \
           sealing_key_id, nonce, ciphertext, expires_at, updated_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, now()) \
         ON CONFLICT (cert_fingerprint, service, environment) DO UPDATE SET ticket = NULL, \
           sealing_key_id = EXCLUDED.sealing_key_id, nonce = EXCLUDED.nonce, \
           ciphertext = EXCLUDED.ciphertext, expires_at = EXCLUDED.expires_at, updated_at = now()",
    )
    .bind(row.fingerprint)
    .bind(row.service)
    .bind(row.environment)
    .bind(&sealed.sealing_key_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .bind(ticket.expiration_time)
    .execute(exec)
    .await?;
    Ok(())
}

/// A ticket row as the re-sealing reads it: its identity, then [`RawRow`].
type ResealRow = (
    String,
    String,
    String,
    Option<Json<Ticket>>,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// Re-seals, in one transaction, up to `limit` tickets that another key than the current one
/// sealed, or that a previous version kept in clear; rows someone else holds locked (a broker
/// storing a new ticket) are left for a later batch. Answers how many it re-sealed.
///
/// # Errors
/// A row sealed by a key the keyring does not hold (naming it) or that does not open, or
/// database failures; the batch is then rolled back whole.
#[tracing::instrument(name = "broker.reseal_batch", skip(pool, keyring))]
pub async fn reseal_tickets(
    pool: &PgPool,
    keyring: &Keyring,
    limit: i64,
) -> Result<u64, BrokerError> {
    let mut tx = pool.begin().await?;
    let rows: Vec<ResealRow> = sqlx::query_as(
        "SELECT cert_fingerprint, service, environment, ticket, sealing_key_id, nonce, ciphertext \
         FROM arca_ws.tickets WHERE ciphertext IS NULL OR coalesce(sealing_key_id, $1) <> $2 \
         ORDER BY cert_fingerprint, service, environment LIMIT $3 FOR UPDATE SKIP LOCKED",
    )
    .bind(DEFAULT_KEY_ID)
    .bind(keyring.current_id())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let count = rows.len() as u64;
    for (fingerprint, service, environment, legacy, key_id, nonce, ciphertext) in rows {
        let row = TicketRow {
            fingerprint: &fingerprint,
            service: &service,
            environment: &environment,
        };
        let ticket = match (legacy, nonce, ciphertext) {
            (_, Some(nonce), Some(ciphertext)) => {
                open(keyring, &row, &Sealed::stored(key_id, nonce, ciphertext))?
            }
            (Some(Json(ticket)), ..) => ticket,
            _ => return Err(CredentialError::Sealing.into()),
        };
        save(&mut *tx, keyring, &row, &ticket).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// How many stored tickets another key than the current one sealed, or a previous version kept
/// in clear.
///
/// # Errors
/// Database failures.
pub async fn tickets_sealed_by_other_keys(
    pool: &PgPool,
    keyring: &Keyring,
) -> Result<u64, BrokerError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM arca_ws.tickets \
         WHERE ciphertext IS NULL OR coalesce(sealing_key_id, $1) <> $2",
    )
    .bind(DEFAULT_KEY_ID)
    .bind(keyring.current_id())
    .fetch_one(pool)
    .await?;
    Ok(count.unsigned_abs())
}

/// Every sealed ticket, opened (what an audit of the table, or a test, looks at); legacy clear
/// rows are left out.
///
/// # Errors
/// A sealed row that does not open with `keyring`, or database failures.
pub async fn stored_tickets(pool: &PgPool, keyring: &Keyring) -> Result<Vec<Ticket>, BrokerError> {
    let rows: Vec<ResealRow> = sqlx::query_as(
        "SELECT cert_fingerprint, service, environment, ticket, sealing_key_id, nonce, ciphertext \
         FROM arca_ws.tickets ORDER BY cert_fingerprint, service, environment",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .filter_map(
            |(fingerprint, service, environment, _, key_id, nonce, ciphertext)| {
                let row = TicketRow {
                    fingerprint: &fingerprint,
                    service: &service,
                    environment: &environment,
                };
                Some(open(
                    keyring,
                    &row,
                    &Sealed::stored(key_id, nonce?, ciphertext?),
                ))
            },
        )
        .collect()
}

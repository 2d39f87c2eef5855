//! `arca credentials reseal`: every sealed row (issuers' private keys, webhook signing secrets,
//! WSAA tickets) moved to the keyring's current key, each table through its owner, in small
//! batches of one transaction each (`for update skip locked`).
//!
//! Safe while the system runs: a row is locked only while it is re-sealed, and opens with either
//! key before and after, as long as both are configured. Resumable: a run only takes rows the
//! current key did not seal, so running it again continues where an interrupted run stopped, and
//! an interrupted batch is rolled back whole.

use arca_ws::broker::{BrokerError, reseal_tickets, tickets_sealed_by_other_keys};
use arca_ws::credentials::{CredentialError, Keyring, PgCredentialStore};
use sqlx::PgPool;

use crate::webhooks::{PgSigningKeys, SigningKeyError};

/// How a run goes.
#[derive(Debug, Clone, Copy)]
pub struct ResealOptions {
    /// Rows per batch (one transaction each).
    pub batch_size: i64,
    /// Stop after this many batches (`None`: when every table is done).
    pub max_batches: Option<u64>,
}

/// What a run did to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table (`arca_ws.issuer_keys`, `webhooks.signing_keys`, `arca_ws.tickets`).
    pub table: &'static str,
    /// Rows this run re-sealed under the current key.
    pub resealed: u64,
    /// Rows still sealed by another key (or, for tickets, kept in clear) after the run: left
    /// by a stop after `max_batches`, or locked by someone else meanwhile.
    pub remaining: u64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResealReport {
    /// The id of the key every re-sealed row now names.
    pub current_key: String,
    /// Per table, in the order they were done.
    pub tables: Vec<TableCount>,
    /// Batches run.
    pub batches: u64,
}

impl ResealReport {
    /// Whether every row of every table is sealed by the current key.
    pub fn complete(&self) -> bool {
        self.tables.iter().all(|table| table.remaining == 0)
    }
}

/// Why a run stopped (the batches before it are committed; run it again to continue).
#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    /// An issuer's private key could not be re-sealed.
    #[error("re-sealing arca_ws.issuer_keys: {0}")]
    IssuerKeys(#[source] CredentialError),
    /// A webhook signing secret could not be re-sealed.
    #[error("re-sealing webhooks.signing_keys: {0}")]
    SigningKeys(#[source] SigningKeyError),
    /// A WSAA ticket could not be re-sealed.
    #[error("re-sealing arca_ws.tickets: {0}")]
    Tickets(#[source] BrokerError),
}

/// A sealed table.
#[derive(Debug, Clone, Copy)]
enum Table {
    IssuerKeys,
    SigningKeys,
    Tickets,
}

impl Table {
    const ALL: [Self; 3] = [Self::IssuerKeys, Self::SigningKeys, Self::Tickets];

    fn name(self) -> &'static str {
        match self {
            Self::IssuerKeys => "arca_ws.issuer_keys",
            Self::SigningKeys => "webhooks.signing_keys",
            Self::Tickets => "arca_ws.tickets",
        }
    }
}

/// The sealed tables, each through the store that owns it.
struct Stores {
    issuer_keys: PgCredentialStore,
    signing_keys: PgSigningKeys,
    pool: PgPool,
    keyring: Keyring,
}

impl Stores {
    async fn batch(&self, table: Table, limit: i64) -> Result<u64, ResealError> {
        match table {
            Table::IssuerKeys => {
                (self.issuer_keys.reseal_batch(limit).await).map_err(ResealError::IssuerKeys)
            }
            Table::SigningKeys => {
                (self.signing_keys.reseal_batch(limit).await).map_err(ResealError::SigningKeys)
            }
            Table::Tickets => (reseal_tickets(&self.pool, &self.keyring, limit).await)
                .map_err(ResealError::Tickets),
        }
    }

    async fn remaining(&self, table: Table) -> Result<u64, ResealError> {
        match table {
            Table::IssuerKeys => {
                (self.issuer_keys.sealed_by_other_keys().await).map_err(ResealError::IssuerKeys)
            }
            Table::SigningKeys => {
                (self.signing_keys.sealed_by_other_keys().await).map_err(ResealError::SigningKeys)
            }
            Table::Tickets => (tickets_sealed_by_other_keys(&self.pool, &self.keyring).await)
                .map_err(ResealError::Tickets),
        }
    }
}

/// Re-seals every row of the sealed tables that another key than `keyring`'s current one
/// sealed, table by table, `options.batch_size` rows per transaction.
///
/// # Errors
/// A row sealed by a key `keyring` does not hold (the error names it) or that does not open, or
/// database failures. What earlier batches did stays done.
pub async fn reseal(
    pool: &PgPool,
    keyring: &Keyring,
    options: ResealOptions,
) -> Result<ResealReport, ResealError> {
    let stores = Stores {
        issuer_keys: PgCredentialStore::new(pool.clone(), keyring.clone()),
        signing_keys: PgSigningKeys::new(pool.clone(), keyring.clone()),
        pool: pool.clone(),
        keyring: keyring.clone(),
    };
    let limit = options.batch_size.max(1);
    let mut batches = 0;
    let mut counts = Vec::with_capacity(Table::ALL.len());
    for table in Table::ALL {
        let mut resealed = 0;
        while options.max_batches.is_none_or(|most| batches < most) {
            let done = stores.batch(table, limit).await?;
            batches += 1;
            resealed += done;
            tracing::info!(table = table.name(), resealed = done, "re-sealed a batch");
            if done < limit.unsigned_abs() {
                break;
            }
        }
        counts.push(TableCount {
            table: table.name(),
            resealed,
            remaining: stores.remaining(table).await?,
        });
    }
    Ok(ResealReport {
        current_key: keyring.current_id().to_owned(),
        tables: counts,
        batches,
    })
}

//! Issuer snapshots for the invoice path, cached per instance so that requesting an invoice costs
//! one append and no read.
//!
//! A snapshot can only be missing what happened since it was taken (a point of sale added through
//! another instance). Entries live for a bounded time, are replaced when this instance changes the
//! taxpayer, and the invoice handler reloads the issuer and decides again whenever a cached snapshot
//! made the domain refuse for a reason newer taxpayer events could lift.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::{
    DomainError, TenantId,
    invoice::InvoiceError,
    taxpayer::{IssuerSnapshot, Taxpayer},
    values::Cuit,
};
use eventstore::EventStore;

use crate::handler::{self, CommandError};

/// Whether a newer snapshot of the issuer could turn this refusal into an acceptance: a point of
/// sale, or a letter the issuer may use, added since the snapshot was taken.
pub fn stale_snapshot_could_explain(refusal: &CommandError) -> bool {
    matches!(
        refusal,
        CommandError::Rejected(DomainError::Invoice(
            InvoiceError::UnknownPointOfSale(_) | InvoiceError::LetterNotAllowedForIssuer { .. }
        ))
    )
}

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This instance's memory; possibly behind the stream.
    Cache,
    /// Read from the taxpayer's stream just now.
    Store,
}

type Key = (TenantId, Cuit);

/// Per-instance cache of issuer snapshots.
pub struct IssuerCache {
    store: Arc<dyn EventStore>,
    ttl: Duration,
    entries: Mutex<HashMap<Key, (IssuerSnapshot, Instant)>>,
}

impl IssuerCache {
    /// A cache whose entries are trusted for `ttl`.
    pub fn new(store: Arc<dyn EventStore>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The issuer's snapshot, or `None` when the tenant has not registered that CUIT.
    ///
    /// # Errors
    /// Store failures.
    pub async fn get(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<(IssuerSnapshot, Source)>, CommandError> {
        let cached = self.entries.lock().ok().and_then(|entries| {
            entries
                .get(&(tenant, cuit))
                .filter(|(_, until)| Instant::now() < *until)
                .map(|(snapshot, _)| snapshot.clone())
        });
        if let Some(snapshot) = cached {
            return Ok(Some((snapshot, Source::Cache)));
        }
        Ok(self.reload(tenant, cuit).await?.map(|s| (s, Source::Store)))
    }

    /// Reads the issuer's stream and refreshes the entry.
    ///
    /// # Errors
    /// Store failures.
    pub async fn reload(
        &self,
        tenant: TenantId,
        cuit: Cuit,
    ) -> Result<Option<IssuerSnapshot>, CommandError> {
        let stream = Taxpayer::stream_id(tenant, &cuit);
        let (taxpayer, _) = handler::load::<Taxpayer>(&self.store, tenant, &stream).await?;
        let snapshot = taxpayer.snapshot();
        if let Some(snapshot) = &snapshot {
            self.put(tenant, snapshot.clone());
        }
        Ok(snapshot)
    }

    /// Records the snapshot this instance just produced.
    pub fn put(&self, tenant: TenantId, snapshot: IssuerSnapshot) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= 100_000 {
                entries.clear();
            }
            entries.insert(
                (tenant, snapshot.cuit),
                (snapshot, Instant::now() + self.ttl),
            );
        }
    }
}

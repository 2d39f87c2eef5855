//! `arca documents verify`: every `invoice.document_issued` in the log checked against the store
//! — the stored bytes re-hashed and compared with the recorded SHA-256 and length — and, when
//! asked, each document rendered again from the log with the template version it records, which
//! must give the same bytes (DESIGN invariant 11). Stored documents no event records are listed
//! too (a put whose record is still owed, or a stray object).

use std::collections::BTreeSet;
use std::sync::Arc;

use commands::handler;
use documents::Template;
use domain::invoice::{DocumentIssued, Invoice, InvoiceEvent};
use domain::taxpayer::Taxpayer;
use domain::{DomainEvent as _, RecordedEvent, TenantId};
use eventstore::{EventStore, readings};
use futures::{StreamExt as _, TryStreamExt as _};
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use storage::{DocumentKey, DocumentStore, StoreError};

use super::voucher::voucher;

/// Documents checked at once.
const AT_ONCE: usize = 8;

/// What to check besides the stored bytes.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Render each document again from the log (with this QR base URL) and compare.
    pub render_with_qr_base: Option<String>,
}

/// One recorded document that does not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing is stored under the recorded key.
    Missing {
        /// The recorded key.
        key: String,
    },
    /// The stored bytes are not the recorded ones.
    Different {
        /// The recorded key.
        key: String,
        /// SHA-256 the log records.
        recorded: String,
        /// SHA-256 of what is stored.
        stored: String,
    },
    /// The store could not be read.
    Unreadable {
        /// The recorded key.
        key: String,
        /// Why.
        error: String,
    },
    /// Rendering the voucher again from the log gives other bytes (or cannot be done).
    NotReproducible {
        /// The recorded key.
        key: String,
        /// Why: the other SHA-256, or the failure.
        detail: String,
    },
}

/// What a verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Documents the log records.
    pub recorded: usize,
    /// Of them, those whose stored bytes (and rendering, when asked) match.
    pub matching: usize,
    /// The ones that do not.
    pub problems: Vec<Problem>,
    /// Stored documents no event records.
    pub unrecorded: Vec<String>,
}

impl Verification {
    /// Whether everything recorded checks out.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every recorded document against `store`.
///
/// # Errors
/// The log or the store's listing cannot be read.
pub async fn verify(
    pool: &PgPool,
    events: &Arc<dyn EventStore>,
    store: &DocumentStore,
    options: &VerifyOptions,
) -> anyhow::Result<Verification> {
    let recorded = readings::events_of_types(pool, &["invoice.document_issued"]).await?;
    let mut found = Verification {
        recorded: recorded.len(),
        ..Verification::default()
    };
    let keys: BTreeSet<String> = recorded
        .iter()
        .filter_map(|e| e.data.get("key")?.as_str().map(str::to_owned))
        .collect();
    let checks: Vec<Option<Problem>> = futures::stream::iter(&recorded)
        .map(|event| check(event, events, store, options))
        .buffered(AT_ONCE)
        .collect()
        .await;
    for problem in checks {
        match problem {
            None => found.matching += 1,
            Some(problem) => found.problems.push(problem),
        }
    }
    let stored: Vec<_> = store.list(None).try_collect().await?;
    found.unrecorded = stored
        .into_iter()
        .map(|doc| doc.key.to_string())
        .filter(|key| !keys.contains(key))
        .collect();
    found.unrecorded.sort();
    Ok(found)
}

async fn check(
    event: &RecordedEvent,
    events: &Arc<dyn EventStore>,
    store: &DocumentStore,
    options: &VerifyOptions,
) -> Option<Problem> {
    let document =
        match InvoiceEvent::from_stored(&event.event_type, event.schema_version, &event.data) {
            Ok(InvoiceEvent::DocumentIssued(document)) => document,
            Ok(_) | Err(_) => {
                return Some(Problem::Unreadable {
                    key: event.stream_id.to_string(),
                    error: format!("event {} does not read as a document", event.event_id),
                });
            }
        };
    if let Some(problem) = check_stored(&document, store).await {
        return Some(problem);
    }
    let qr_base = options.render_with_qr_base.as_deref()?;
    let tenant = event.metadata.tenant_id;
    match rendered_sha(events, tenant, event, &document, qr_base).await {
        Ok(sha) if sha == document.sha256 => None,
        Ok(sha) => Some(Problem::NotReproducible {
            key: document.key,
            detail: format!("rendered again, its SHA-256 is {sha}"),
        }),
        Err(error) => Some(Problem::NotReproducible {
            key: document.key,
            detail: error.to_string(),
        }),
    }
}

async fn check_stored(document: &DocumentIssued, store: &DocumentStore) -> Option<Problem> {
    let key = document.key.clone();
    let bytes = match DocumentKey::parse(&key) {
        Ok(parsed) => store.get(&parsed).await,
        Err(error) => Err(error),
    };
    match bytes {
        Ok(bytes) => {
            let stored = hex::encode(Sha256::digest(&bytes));
            (stored != document.sha256 || bytes.len() as u64 != document.bytes).then(|| {
                Problem::Different {
                    key,
                    recorded: document.sha256.clone(),
                    stored,
                }
            })
        }
        Err(StoreError::NotFound { .. }) => Some(Problem::Missing { key }),
        Err(error) => Some(Problem::Unreadable {
            key,
            error: infra::Causes(&error).to_string(),
        }),
    }
}

/// The SHA-256 of the voucher rendered again from the invoice's stream up to the document's
/// event and its issuer's stream, with the recorded template version.
async fn rendered_sha(
    events: &Arc<dyn EventStore>,
    tenant: TenantId,
    event: &RecordedEvent,
    document: &DocumentIssued,
    qr_base: &str,
) -> anyhow::Result<String> {
    let template = Template::from_version(&document.template_version).ok_or_else(|| {
        anyhow::anyhow!(
            "template version {} is unknown to this build",
            document.template_version
        )
    })?;
    let (invoice, _) = handler::load::<Invoice>(events, tenant, &event.stream_id).await?;
    let request = invoice
        .request()
        .ok_or_else(|| anyhow::anyhow!("the invoice's stream has no request"))?;
    let stream = Taxpayer::stream_id(tenant, &request.issuer_cuit);
    let (taxpayer, _) = handler::load::<Taxpayer>(events, tenant, &stream).await?;
    let profile = taxpayer
        .profile()
        .ok_or_else(|| anyhow::anyhow!("the issuer is not registered"))?;
    let printable = voucher(&invoice, profile, qr_base)?;
    let pdf =
        tokio::task::spawn_blocking(move || documents::render(&printable, template)).await??;
    Ok(hex::encode(Sha256::digest(&pdf)))
}

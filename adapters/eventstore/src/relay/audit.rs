//! `verify`: walks `es.ledger` from 1 and the bus's stream side by side and checks that the
//! ledger is dense, that the hash chain recomputed from the stored events equals the stored
//! hashes, and that stream message n carries ledger sequence n, the ledger's event id and hash.

use serde::Serialize;
use uuid::Uuid;

use super::chain::{GENESIS_HASH, Hash, chain_hash};
use super::error::RelayError;
use super::headers;
use super::ledger::{checkpoint, to_hash};
use super::port::RelayBus;
use crate::PgEventStore;

/// Ledger rows read per query.
const PAGE: i64 = 1_000;

/// The first place where the ledger, the events and the stream disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    /// Ledger / stream sequence.
    pub seq: u64,
    /// What differs.
    pub what: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// No break found.
    pub ok: bool,
    /// The relay checkpoint's ledger sequence when the audit started.
    pub ledger_max: u64,
    /// The stream's last sequence when the audit started.
    pub stream_last: u64,
    /// Ledger entries verified (up to the first break).
    pub checked: u64,
    /// Messages past the checkpoint that continue the chain correctly (published, not yet
    /// committed by the relay: normal while it runs).
    pub pending: u64,
    /// Events in the store with no ledger entry yet.
    pub unrelayed: i64,
    /// The first break, if any.
    pub first_break: Option<AuditBreak>,
}

#[derive(sqlx::FromRow)]
struct Row {
    ledger_seq: i64,
    event_id: Uuid,
    hash: Vec<u8>,
    stored_id: Option<Uuid>,
    digest: Option<Vec<u8>>,
}

/// Verifies the ledger and the stream end to end. Errors only when the database or the bus
/// cannot be read; a discrepancy is a report with `ok: false`.
pub async fn verify(store: &PgEventStore, bus: &dyn RelayBus) -> Result<AuditReport, RelayError> {
    let pool = store.pool();
    let ledger_max = checkpoint(pool)
        .await
        .map_err(RelayError::Ledger)?
        .ledger_seq;
    let stream_last = bus.last_sequence().await?;
    let mut report = AuditReport {
        ok: true,
        ledger_max,
        stream_last,
        checked: 0,
        pending: 0,
        unrelayed: 0,
        first_break: None,
    };
    let mut prev = GENESIS_HASH;
    let outcome = walk_ledger(pool, bus, &mut report, &mut prev).await?;
    let outcome = match outcome {
        Ok(()) => walk_pending(pool, bus, &mut report, prev).await?,
        broken => broken,
    };
    if let Err(found) = outcome {
        report.ok = false;
        report.first_break = Some(found);
    }
    report.unrelayed = sqlx::query_scalar(
        "select count(*) from es.events e \
         where not exists (select 1 from es.ledger l where l.event_id = e.event_id)",
    )
    .fetch_one(pool)
    .await
    .map_err(RelayError::Ledger)?;
    Ok(report)
}

type Checked = Result<(), AuditBreak>;

fn broken(seq: u64, what: impl Into<String>) -> Checked {
    Err(AuditBreak {
        seq,
        what: what.into(),
    })
}

async fn walk_ledger(
    pool: &sqlx::PgPool,
    bus: &dyn RelayBus,
    report: &mut AuditReport,
    prev: &mut Hash,
) -> Result<Checked, RelayError> {
    let mut expected: u64 = 1;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "select l.ledger_seq, l.event_id, l.hash, e.event_id as stored_id, \
                    es.event_digest(e) as digest \
             from es.ledger l left join es.events e on e.global_position = l.global_position \
             where l.ledger_seq >= $1 order by l.ledger_seq limit $2",
        )
        .bind(i64::try_from(expected).unwrap_or(i64::MAX))
        .bind(PAGE)
        .fetch_all(pool)
        .await
        .map_err(RelayError::Ledger)?;
        let Some(last) = rows.last() else {
            if expected <= report.ledger_max {
                return Ok(broken(
                    expected,
                    "the checkpoint is past the last ledger row",
                ));
            }
            return Ok(Ok(()));
        };
        let more = rows.len() == usize::try_from(PAGE).unwrap_or(usize::MAX)
            && u64::try_from(last.ledger_seq).unwrap_or(0) < report.ledger_max;
        for row in rows {
            let seq = u64::try_from(row.ledger_seq).unwrap_or(0);
            if seq > report.ledger_max {
                // Committed after the audit started (beyond the range it checks), unless the
                // relay's checkpoint has never covered it.
                let now = checkpoint(pool).await.map_err(RelayError::Ledger)?;
                if seq > now.ledger_seq {
                    return Ok(broken(seq, "a ledger row beyond the relay checkpoint"));
                }
                return Ok(Ok(()));
            }
            if seq != expected {
                return Ok(broken(
                    expected,
                    format!("the ledger jumps from {} to {seq}", expected - 1),
                ));
            }
            let hash = match check_row(prev, &row) {
                Ok(hash) => hash,
                Err(what) => return Ok(broken(seq, what)),
            };
            if let Err(what) = check_message(bus, seq, row.event_id, &hash).await? {
                return Ok(broken(seq, what));
            }
            *prev = hash;
            report.checked += 1;
            expected += 1;
        }
        if !more {
            if expected <= report.ledger_max {
                return Ok(broken(
                    expected,
                    "the checkpoint is past the last ledger row",
                ));
            }
            return Ok(Ok(()));
        }
    }
}

/// Recomputes a ledger row's hash from the stored event.
fn check_row(prev: &Hash, row: &Row) -> Result<Hash, String> {
    let (Some(stored_id), Some(digest)) = (row.stored_id, row.digest.as_deref()) else {
        return Err("the ledger row points at no stored event".to_owned());
    };
    if stored_id != row.event_id {
        return Err(format!(
            "the ledger says event {}, the store holds {stored_id} at that position",
            row.event_id
        ));
    }
    let digest = to_hash(digest).map_err(|e| format!("bad digest: {e}"))?;
    let hash = chain_hash(prev, row.event_id, &digest);
    let stored = to_hash(&row.hash).map_err(|e| format!("bad stored hash: {e}"))?;
    if hash != stored {
        return Err(format!(
            "the stored hash {} differs from the hash recomputed from the stored event {} \
             (the event or the ledger was altered)",
            hex::encode(stored),
            hex::encode(hash)
        ));
    }
    Ok(hash)
}

/// Checks the stream's message at `seq` against the ledger entry.
async fn check_message(
    bus: &dyn RelayBus,
    seq: u64,
    event_id: Uuid,
    hash: &Hash,
) -> Result<Result<(), String>, RelayError> {
    let Some(message) = bus.message(seq).await? else {
        return Ok(Err("the stream has no message at this sequence".to_owned()));
    };
    let seq_text = seq.to_string();
    let id_text = event_id.to_string();
    let hash_text = hex::encode(hash);
    let checks = [
        (headers::LEDGER_SEQ, seq_text.as_str()),
        (headers::EVENT_ID, id_text.as_str()),
        (headers::MSG_ID, id_text.as_str()),
        (headers::LEDGER_HASH, hash_text.as_str()),
    ];
    for (name, want) in checks {
        let got = message.header(name);
        if got != Some(want) {
            return Ok(Err(format!(
                "the message's {name} is {got:?}, the ledger says {want}"
            )));
        }
    }
    Ok(Ok(()))
}

/// Messages past the checkpoint must continue the chain with events of the store.
async fn walk_pending(
    pool: &sqlx::PgPool,
    bus: &dyn RelayBus,
    report: &mut AuditReport,
    mut prev: Hash,
) -> Result<Checked, RelayError> {
    for seq in report.ledger_max + 1..=report.stream_last {
        let Some(message) = bus.message(seq).await? else {
            return Ok(broken(seq, "the stream has no message at this sequence"));
        };
        let Some(event_id) = message
            .header(headers::EVENT_ID)
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            return Ok(broken(
                seq,
                "a message past the ledger has no valid Es-Event-Id",
            ));
        };
        let digest: Option<Vec<u8>> =
            sqlx::query_scalar("select es.event_digest(e) from es.events e where e.event_id = $1")
                .bind(event_id)
                .fetch_optional(pool)
                .await
                .map_err(RelayError::Ledger)?;
        let Some(digest) = digest.and_then(|d| to_hash(&d).ok()) else {
            return Ok(broken(
                seq,
                format!("message for event {event_id}, which the store does not hold"),
            ));
        };
        let hash = chain_hash(&prev, event_id, &digest);
        if let Err(what) = check_message(bus, seq, event_id, &hash).await? {
            return Ok(broken(seq, format!("message past the ledger: {what}")));
        }
        prev = hash;
        report.pending += 1;
    }
    Ok(Ok(()))
}

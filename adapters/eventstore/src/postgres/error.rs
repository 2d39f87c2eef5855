//! Mapping of database errors to [`StoreError`].

pub use infra::unavailable::is_unavailable;
use sqlx::postgres::PgDatabaseError;

use crate::port::StoreError;

/// SQLSTATE raised by `es.append` for a stale expected version (detail: the actual version).
pub(super) const CONFLICT: &str = "ES001";
/// SQLSTATE raised when an event id exists as another event (detail: the id).
pub(super) const EVENT_ID_REUSED: &str = "ES002";
/// SQLSTATE raised when the stream belongs to another tenant.
pub(super) const TENANT_MISMATCH: &str = "ES003";
/// SQLSTATE raised for a malformed batch.
pub(super) const INVALID: &str = "ES004";
/// Unique constraint on `es.events.event_id`.
pub(super) const EVENT_ID_KEY: &str = "events_event_id_key";

/// An infrastructure error: `Unavailable` when the database cannot be reached or has no
/// connection to spare (retrying is safe), `Unexpected` otherwise.
pub(super) fn infrastructure(error: sqlx::Error) -> StoreError {
    if is_unavailable(&error) {
        StoreError::Unavailable(error)
    } else {
        StoreError::Unexpected(error)
    }
}

/// The SQLSTATE and detail of a database error, when it is one.
pub(super) fn code_and_detail(error: &sqlx::Error) -> Option<(String, Option<String>)> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let code = db.code()?.into_owned();
    let detail = db
        .try_downcast_ref::<PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .map(str::to_owned);
    Some((code, detail))
}

/// Whether the error is the unique violation on `es.events.event_id`: a concurrent transaction
/// committed one of the batch's event ids after the batch checked for them.
pub(super) fn is_event_id_race(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some(EVENT_ID_KEY))
}

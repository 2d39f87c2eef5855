//! Whether a Postgres failure means "the database cannot answer now, retry later" rather than a
//! fault: the one rule the event store, the read side and the API answer `503` by.

use std::error::Error;

/// Postgres' SQLSTATE for a statement cancelled (by `statement_timeout` among others).
const QUERY_CANCELED: &str = "57014";

/// Whether the error says the database cannot be reached or has no connection to spare: no
/// connection free in time, the pool closed, the connection lost, too many connections, the
/// server shutting down or not accepting connections yet.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // 08: connection exception; 53: insufficient resources (too many connections);
        // 57P01-57P03: admin or crash shutdown, cannot connect now.
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0")
        }),
        _ => false,
    }
}

/// Whether `error` came of the database not answering: some Postgres error in its chain of
/// causes is [`is_unavailable`], or a statement cancelled (at its `statement_timeout`, say).
pub fn unavailable_in_chain(error: &(dyn Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(sql) = cause.downcast_ref::<sqlx::Error>()
            && (is_unavailable(sql)
                || matches!(sql, sqlx::Error::Database(e) if e.code().as_deref() == Some(QUERY_CANCELED)))
        {
            return true;
        }
        next = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the read model")]
    struct Outer(#[source] sqlx::Error);

    #[test]
    fn a_timed_out_pool_is_unavailable_wherever_it_sits_in_the_chain() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(unavailable_in_chain(&Outer(sqlx::Error::PoolTimedOut)));
        assert!(unavailable_in_chain(&sqlx::Error::PoolClosed));
    }

    #[test]
    fn a_fault_is_not_unavailable() {
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!unavailable_in_chain(&Outer(sqlx::Error::RowNotFound)));
        assert!(!unavailable_in_chain(&std::io::Error::other(
            "not a database error"
        )));
    }
}

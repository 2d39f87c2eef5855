//! The event store contract: every case runs against `PgEventStore` (on the real Postgres, a
//! fresh database per test, `DATABASE_URL`) and `InMemoryEventStore`; `parallel` and
//! `postgres_only` hold what only Postgres can show.

mod appends;
mod bench;
mod group_commit;
mod parallel;
mod postgres_only;
mod reads;
mod support;
mod writers;

/// Runs each `module::case(store)` once per implementation.
macro_rules! contract {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod postgres {
            $(
                #[sqlx::test(migrator = "eventstore::MIGRATOR")]
                async fn $case(pool: sqlx::PgPool) -> anyhow::Result<()> {
                    crate::$module::$case(std::sync::Arc::new(eventstore::PgEventStore::new(pool))).await
                }
            )*
        }
        mod memory {
            $(
                #[tokio::test]
                async fn $case() -> anyhow::Result<()> {
                    crate::$module::$case(std::sync::Arc::new(eventstore::InMemoryEventStore::new())).await
                }
            )*
        }
    };
}

contract! {
    appends::appends_a_new_stream_with_consecutive_versions,
    appends::a_stale_expected_version_conflicts_and_writes_nothing,
    appends::no_stream_and_exact_conflict_on_the_streams_existence,
    appends::any_appends_whatever_the_version,
    appends::the_same_event_ids_appended_twice_are_stored_once,
    appends::an_event_id_reused_as_another_event_is_rejected,
    appends::appending_to_another_tenants_stream_is_rejected,
    appends::malformed_batches_are_invalid,
    reads::read_stream_stops_at_up_to_version,
    reads::read_stream_after_version_reads_only_what_came_later,
    reads::read_stream_as_of_shows_the_stream_as_it_was,
    reads::another_tenant_reads_an_empty_stream,
    reads::read_streams_reads_each_stream_as_read_stream_does,
    reads::read_all_pages_the_log_in_order_from_a_checkpoint,
    reads::concurrent_appends_are_read_once_in_stream_order,
}

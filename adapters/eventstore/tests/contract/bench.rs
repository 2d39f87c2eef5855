//! Append throughput (one event per append, a new stream each) at concurrency 1 and 16 for five
//! seconds each: through `PgEventStore::append` (group commit) and, for comparison in the same
//! run, through one `es.append` per append on a pooled connection (`append_in` outside a
//! transaction: the single-append path `append` took before group commit). Ignored: run it on
//! purpose, ideally on a quiet machine:
//! `cargo test -p eventstore --test contract bench:: -- --ignored --nocapture`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use eventstore::{EventStore, ExpectedVersion, GroupCommit, PgEventStore};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::time::Instant;

use crate::support::{TENANT, events, stream};

const RUN_FOR: Duration = Duration::from_secs(5);

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
#[ignore = "a throughput measurement, not a check"]
async fn append_throughput(
    pool_opts: PgPoolOptions,
    connect_opts: PgConnectOptions,
) -> anyhow::Result<()> {
    let pool = pool_opts
        .max_connections(16)
        .connect_with(connect_opts)
        .await?;
    // EVENTSTORE_BENCH_WRITERS: group commit writers (default 4).
    let writers = std::env::var("EVENTSTORE_BENCH_WRITERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(GroupCommit::default().writers);
    let config = GroupCommit {
        writers,
        ..GroupCommit::default()
    };
    let store = Arc::new(PgEventStore::with_group_commit(pool, config));
    for (concurrency, grouped) in [(1_usize, false), (1, true), (16, false), (16, true)] {
        let before = store.group_commit_stats();
        let done = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + RUN_FOR;
        let tasks: Vec<_> = (0..concurrency)
            .map(|t| {
                let (store, done) = (store.clone(), done.clone());
                tokio::spawn(async move {
                    let mut n = 0_u64;
                    while Instant::now() < until {
                        let s = stream(&format!("bench{concurrency}{grouped}-{t}-{n}"));
                        let batch = events(TENANT, 1);
                        if grouped {
                            store.append(&s, ExpectedVersion::NoStream, &batch).await?;
                        } else {
                            let mut conn = store.pool().acquire().await?;
                            PgEventStore::append_in(
                                &mut conn,
                                &s,
                                ExpectedVersion::NoStream,
                                &batch,
                            )
                            .await?;
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                        n += 1;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        let total = done.load(Ordering::Relaxed);
        eprintln!(
            "{} concurrency {concurrency}: {total} events in {:?}: {:.0} events/s",
            if grouped {
                "group commit"
            } else {
                "one by one  "
            },
            RUN_FOR,
            total as f64 / RUN_FOR.as_secs_f64()
        );
        if grouped {
            let after = store.group_commit_stats();
            let (batches, appends) = (
                after.batches - before.batches,
                after.appends - before.appends,
            );
            eprintln!(
                "  {writers} writers: {batches} batches, {:.1} appends per batch, largest {}",
                appends as f64 / batches.max(1) as f64,
                after.largest_batch
            );
        }
    }
    Ok(())
}

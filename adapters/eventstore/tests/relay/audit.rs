//! `verify` passes on an intact ledger and names the first break when something was tampered with.

use std::sync::Arc;

use anyhow::{Context as _, ensure};
use eventstore::PgEventStore;
use eventstore::relay::{AuditReport, verify};
use sqlx::PgPool;

use crate::support::{MemoryBus, append, drain, relay};

async fn relayed(pool: &PgPool, count: u64) -> anyhow::Result<MemoryBus> {
    let bus = MemoryBus::default();
    append(pool, count).await?;
    let mut relay = relay(pool, Arc::new(bus.clone()), 4);
    drain(&mut relay, pool, count).await?;
    Ok(bus)
}

async fn audit(pool: &PgPool, bus: &MemoryBus) -> anyhow::Result<AuditReport> {
    Ok(verify(&PgEventStore::new(pool.clone()), bus).await?)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_intact_ledger_and_stream_verify(pool: PgPool) -> anyhow::Result<()> {
    let bus = relayed(&pool, 10).await?;
    append(&pool, 2).await?;
    let report = audit(&pool, &bus).await?;
    ensure!(report.ok, "{report:?}");
    ensure!(report.checked == 10 && report.ledger_max == 10 && report.stream_last == 10);
    ensure!(report.unrelayed == 2, "{report:?}");
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tampered_event_payload_breaks_the_chain_at_its_sequence(
    pool: PgPool,
) -> anyhow::Result<()> {
    let bus = relayed(&pool, 6).await?;
    sqlx::query("alter table es.events disable trigger events_no_update_delete")
        .execute(&pool)
        .await?;
    sqlx::query(
        "update es.events set data = jsonb_set(data, '{total}', '\"1.00\"') \
         where event_id = (select event_id from es.ledger where ledger_seq = 4)",
    )
    .execute(&pool)
    .await?;
    let report = audit(&pool, &bus).await?;
    let found = report.first_break.context("a break")?;
    ensure!(!report.ok && found.seq == 4, "{found:?}");
    ensure!(found.what.contains("recomputed"), "{}", found.what);
    ensure!(report.checked == 3);
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_forged_ledger_row_is_a_break(pool: PgPool) -> anyhow::Result<()> {
    let bus = relayed(&pool, 3).await?;
    append(&pool, 1).await?;
    sqlx::query(
        "insert into es.ledger (ledger_seq, global_position, tx_id, event_id, hash) \
         select 4, e.global_position, e.tx_id, e.event_id, sha256('forged') \
         from es.events e where not exists (select 1 from es.ledger l where l.event_id = e.event_id)",
    )
    .execute(&pool)
    .await?;
    let report = audit(&pool, &bus).await?;
    let found = report.first_break.context("a break")?;
    ensure!(found.seq == 4, "{found:?}");
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_extra_message_in_the_stream_is_a_break(pool: PgPool) -> anyhow::Result<()> {
    let bus = relayed(&pool, 3).await?;
    bus.inject(vec![("Es-Ledger-Seq".into(), "4".into())]);
    let report = audit(&pool, &bus).await?;
    let found = report.first_break.context("a break")?;
    ensure!(
        !report.ok && found.seq == 4 && report.stream_last == 4,
        "{found:?}"
    );
    Ok(())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_missing_message_is_a_break(pool: PgPool) -> anyhow::Result<()> {
    let bus = relayed(&pool, 3).await?;
    // The ledger claims more than the stream holds: audit another (empty) stream.
    let report = audit(&pool, &MemoryBus::default()).await?;
    let found = report.first_break.context("a break")?;
    ensure!(
        found.seq == 1 && found.what.contains("no message"),
        "{found:?}"
    );
    drop(bus);
    Ok(())
}

//! Scratch databases on the configured server, and realistic invoice events: shared by the
//! benchmarks and the end-to-end tests.

use anyhow::Context as _;
use domain::invoice::{CaeGranted, InvoiceEvent, InvoiceNumberAssigned, InvoiceSubmitted};
use domain::{
    DomainEvent, EventMetadata, InvoiceId, NewEvent, StreamId, TenantId, invoice::Invoice,
};
use eventstore::readings;
use projections::{GlobalLog, Projector, Runner};
use serde_json::json;
use sqlx::PgPool;
use sqlx::migrate::MigrateDatabase as _;
use sqlx::postgres::PgConnectOptions;
use time::OffsetDateTime;
use uuid::Uuid;

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .context("ARCA_DATABASE_URL is not a URL")?;
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    Ok(match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    })
}

/// Creates (when missing) and migrates the database at `url`.
pub async fn create_and_migrate(url: &str) -> anyhow::Result<()> {
    if !sqlx::Postgres::database_exists(url)
        .await
        .context("connecting to Postgres")?
    {
        sqlx::Postgres::create_database(url)
            .await
            .context("creating the scratch database")?;
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .context("connecting to the scratch database")?;
    eventstore::MIGRATOR
        .run(&pool)
        .await
        .context("migrating the scratch database")?;
    pool.close().await;
    Ok(())
}

/// Drops the database at `url`, ending its sessions.
pub async fn drop_database(url: &str) -> anyhow::Result<()> {
    let options: PgConnectOptions = url.parse().context("parsing the scratch URL")?;
    let name = options
        .get_database()
        .context("the scratch URL names no database")?
        .to_owned();
    let admin = with_database(url, "postgres")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin)
        .await
        .context("connecting to drop the scratch database")?;
    sqlx::query(&format!(
        "drop database if exists \"{}\" with (force)",
        name.replace('"', "")
    ))
    .execute(&pool)
    .await
    .context("dropping the scratch database")?;
    pool.close().await;
    Ok(())
}

/// Runs `runner` until it has applied the log's last event as of the call: other tests' open
/// transactions may hold the log's watermark back for a moment, so it retries for up to 20 s.
///
/// # Errors
/// The projection fails, or the head stays out of reach for 20 s.
pub async fn run_to_head<P: Projector, L: GlobalLog>(
    pool: &PgPool,
    runner: &Runner<P, L>,
) -> anyhow::Result<()> {
    let head = readings::head_position(pool).await?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while runner.checkpoint().await?.position < head {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the log head stayed out of reach"
        );
        if runner.run_once().await? == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

/// The stream of a new invoice.
pub fn invoice_stream(id: Uuid) -> StreamId {
    Invoice::stream_id(InvoiceId(id))
}

/// An `invoice.requested` v2 as the API writes it: a Factura B to a final consumer (no email, no
/// address), one taxed and one exempt item.
pub fn requested(tenant: TenantId, invoice: Uuid, now: OffsetDateTime) -> NewEvent {
    let today = now.date().to_string();
    let requested_at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "invoice.requested".to_owned(),
        schema_version: 2,
        data: json!({
            "iva": [{"base": "7000.00", "rate": "21", "amount": "1470.00"}],
            "items": [
                {"net": "7000.00", "iva_rate": "21", "quantity": "2", "unit_price": "3500.00", "description": "Yerba mate 1kg"},
                {"net": "12000.00", "iva_rate": "exempt", "quantity": "1", "unit_price": "12000.00", "description": "Libro"}
            ],
            "totals": {"iva": "1470.00", "net": "7000.00", "total": "20470.00", "exempt": "12000.00", "tributes": "0.00", "not_taxed": "0.00"},
            "concept": 1,
            "currency": "PES",
            "receiver": {"document_type": 99, "iva_condition": 5, "document_number": 0},
            "tributes": [],
            "associated": [],
            "invoice_id": invoice,
            "issue_date": today,
            "issuer_cuit": "20267565393",
            "requested_at": requested_at,
            "voucher_type": 6,
            "exchange_rate": "1",
            "point_of_sale": 1,
            "issuer_iva_condition": "responsable_inscripto"
        }),
        metadata: EventMetadata::for_tenant(tenant),
    }
}

/// The whole happy path of one invoice: requested, numbered, submitted, CAE granted.
pub fn lifecycle(
    tenant: TenantId,
    invoice: Uuid,
    number: u64,
    now: OffsetDateTime,
) -> Vec<NewEvent> {
    let later = [
        InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number }),
        InvoiceEvent::Submitted(InvoiceSubmitted {
            number,
            request_hash: "00".repeat(32),
            submitted_at: now,
        }),
        InvoiceEvent::CaeGranted(CaeGranted {
            number,
            cae: "71234567890123".to_owned(),
            cae_due_date: now.date() + time::Duration::days(10),
            observations: vec![],
        }),
    ];
    let mut events = vec![requested(tenant, invoice, now)];
    events.extend(later.iter().map(|event| NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event.event_type().to_owned(),
        schema_version: event.schema_version(),
        data: event.to_data(),
        metadata: EventMetadata::for_tenant(tenant),
    }));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_name() -> anyhow::Result<()> {
        assert_eq!(
            with_database("postgres://u@h:5432/app?sslmode=disable", "x")?,
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x")?, "postgres://u@h/x");
        Ok(())
    }
}

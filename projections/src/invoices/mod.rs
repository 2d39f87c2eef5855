//! The `invoices` projection: one row per invoice in `<schema>.invoices` (the dashboard's list),
//! its items in `<schema>.invoice_items` and its IVA per rate in `<schema>.invoice_iva`; `rm`
//! serves, a rebuild writes another schema.
//!
//! A batch costs four statements whatever its size: one `INSERT … SELECT FROM unnest(…)` each for
//! the requested invoices, their items and their IVA lines, and one `UPDATE … FROM unnest(…)`
//! carrying, per invoice, the net effect of its later events folded in stream order (so several
//! events of one invoice in one batch land in order). Updates only move a row forward
//! (`stream_version <` the event's), and inserts ignore an existing row, so a re-delivered or
//! replayed event is a no-op even without the checkpoint.
//!
//! The series' events tell why invoices wait (`waiting_reason`: a missing or refused
//! certificate, a halted series): a few more statements in a batch that has such events, applied
//! after the invoices' own, in log order.

mod columns;
mod sql;
mod waiting;

use async_trait::async_trait;
use domain::invoice::InvoiceEvent;
use domain::{DecodeError, DomainEvent, InvoiceId, RecordedEvent};
use sqlx::PgConnection;

use crate::{ProjectionError, Projector};
use columns::{Batch, NewInvoices, NewItems, Updates};

/// The channel the serving projection notifies invoices that reached their end on.
pub const FINALS_CHANNEL: &str = "arca_invoice_final";

/// The tables of this projection, in every generation's schema.
const TABLES: &[&str] = &["invoices", "invoice_items", "invoice_iva"];

/// The invoices projector, writing into one schema.
#[derive(Debug, Clone)]
pub struct InvoicesProjector {
    schema: String,
    insert_invoices: String,
    insert_items: String,
    insert_iva: String,
    update_invoices: String,
}

impl Default for InvoicesProjector {
    fn default() -> Self {
        Self::build("rm")
    }
}

impl InvoicesProjector {
    /// Writes the serving read model (`rm.invoices`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes into `schema` (a rebuild's generation; see [`InvoicesProjector::prepare`]).
    ///
    /// # Errors
    /// `schema` is not a plain lower-case identifier.
    pub fn in_schema(schema: &str) -> Result<Self, ProjectionError> {
        let plain = !schema.is_empty()
            && schema.len() < 64
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(ProjectionError::Config(format!(
                "`{schema}` is not a plain schema name"
            )));
        }
        Ok(Self::build(schema))
    }

    /// The schema written to.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Creates this projector's schema and empty tables shaped like `rm`'s (indexes included),
    /// when they do not exist yet.
    ///
    /// # Errors
    /// Database failures.
    pub async fn prepare(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        crate::schema::create_like_serving(conn, &self.schema, TABLES).await
    }

    fn build(schema: &str) -> Self {
        Self {
            schema: schema.to_owned(),
            insert_invoices: sql::insert_invoices(schema),
            insert_items: sql::insert_items(schema),
            insert_iva: sql::insert_iva(schema),
            update_invoices: sql::update_invoices(schema),
        }
    }

    async fn write(&self, conn: &mut PgConnection, mut batch: Batch) -> Result<(), sqlx::Error> {
        if !batch.invoices.invoice_id.is_empty() {
            self.insert_invoices(conn, &batch.invoices).await?;
        }
        if !batch.items.invoice_id.is_empty() {
            self.insert_items(conn, &batch.items).await?;
        }
        if !batch.iva.invoice_id.is_empty() {
            let iva = &batch.iva;
            sqlx::query(&self.insert_iva)
                .bind(&iva.invoice_id)
                .bind(&iva.rate)
                .bind(&iva.tenant_id)
                .bind(&iva.base)
                .bind(&iva.amount)
                .execute(&mut *conn)
                .await?;
        }
        let updates = batch.updates();
        if !updates.invoice_id.is_empty() {
            self.update_invoices(conn, &updates).await?;
            self.report_finals(conn, &updates).await?;
        }
        Ok(())
    }

    /// Tells whoever waits for an invoice's end (`Prefer: wait` on the API) that these reached
    /// it: `NOTIFY arca_invoice_final` with comma-separated ids, sent when the batch commits.
    /// Only the serving read model reports (a rebuild's generation does not).
    async fn report_finals(
        &self,
        conn: &mut PgConnection,
        updates: &Updates,
    ) -> Result<(), sqlx::Error> {
        if self.schema != "rm" {
            return Ok(());
        }
        let finals: Vec<String> = updates
            .invoice_id
            .iter()
            .zip(&updates.status)
            .filter(|(_, status)| matches!(status, Some("authorized" | "rejected")))
            .map(|(id, _)| id.to_string())
            .collect();
        // A payload must stay under 8000 bytes: 200 ids of 36 characters and a comma each.
        let payloads: Vec<String> = finals.chunks(200).map(|ids| ids.join(",")).collect();
        if payloads.is_empty() {
            return Ok(());
        }
        sqlx::query("select pg_notify($1, p) from unnest($2::text[]) p")
            .bind(FINALS_CHANNEL)
            .bind(&payloads)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn insert_invoices(
        &self,
        conn: &mut PgConnection,
        r: &NewInvoices,
    ) -> Result<(), sqlx::Error> {
        let [net, not_taxed, exempt, tributes, iva, total] = &r.amounts;
        sqlx::query(&self.insert_invoices)
            .bind(&r.invoice_id)
            .bind(&r.tenant_id)
            .bind(&r.issuer_cuit)
            .bind(&r.point_of_sale)
            .bind(&r.voucher_type)
            .bind(&r.letter)
            .bind(&r.concept)
            .bind(&r.issue_date)
            .bind(&r.doc_type)
            .bind(&r.doc_number)
            .bind(&r.receiver_name)
            .bind(&r.iva_condition)
            .bind(&r.currency)
            .bind(&r.exchange_rate)
            .bind(net)
            .bind(not_taxed)
            .bind(exempt)
            .bind(tributes)
            .bind(iva)
            .bind(total)
            .bind(&r.requested_at)
            .bind(&r.updated_at)
            .bind(&r.position)
            .bind(&r.version)
            .bind(&r.service[0])
            .bind(&r.service[1])
            .bind(&r.service[2])
            .bind(&r.details[0])
            .bind(&r.details[1])
            .bind(&r.details[2])
            .bind(&r.contact[0])
            .bind(&r.contact[1])
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn insert_items(
        &self,
        conn: &mut PgConnection,
        items: &NewItems,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&self.insert_items)
            .bind(&items.invoice_id)
            .bind(&items.line_no)
            .bind(&items.tenant_id)
            .bind(&items.description)
            .bind(&items.quantity)
            .bind(&items.unit_price)
            .bind(&items.discount)
            .bind(&items.iva)
            .bind(&items.net)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn update_invoices(
        &self,
        conn: &mut PgConnection,
        u: &Updates,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&self.update_invoices)
            .bind(&u.invoice_id)
            .bind(&u.tenant_id)
            .bind(&u.number)
            .bind(&u.status)
            .bind(&u.cae)
            .bind(&u.cae_due_date)
            .bind(&u.rejection)
            .bind(&u.updated_at)
            .bind(&u.position)
            .bind(&u.version)
            .bind(&u.observations)
            .bind(&u.instants[0])
            .bind(&u.instants[1])
            .bind(&u.instants[2])
            .bind(&u.clear_number)
            .bind(&u.document[0])
            .bind(&u.document[1])
            .bind(&u.document[2])
            .bind(&u.document_bytes)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

fn invoice_of(event: &RecordedEvent) -> Option<uuid::Uuid> {
    let id = event.stream_id.as_str().strip_prefix("invoice-")?;
    id.parse::<InvoiceId>().ok().map(|id| id.as_uuid())
}

#[async_trait]
impl Projector for InvoicesProjector {
    fn name(&self) -> &'static str {
        "invoices"
    }

    fn tables(&self) -> &'static [&'static str] {
        TABLES
    }

    fn schema(&self) -> &str {
        &self.schema
    }

    fn for_schema(&self, schema: &str) -> Result<Self, ProjectionError> {
        Self::in_schema(schema)
    }

    #[tracing::instrument(skip_all, fields(schema = %self.schema, events = batch.len()))]
    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let mut rows = Batch::default();
        let mut waiting = Vec::new();
        for event in batch.iter().filter(|e| e.stream_id.category() == "series") {
            waiting.extend(waiting::change(event)?);
        }
        for event in batch.iter().filter(|e| e.stream_id.category() == "invoice") {
            let decoded =
                InvoiceEvent::from_stored(&event.event_type, event.schema_version, &event.data);
            let change = match decoded {
                Ok(change) => change,
                // Event types this projection does not show (webhook deliveries …).
                Err(DecodeError::UnknownType(_)) => continue,
                Err(error) => {
                    return Err(ProjectionError::Decode {
                        event_id: event.event_id,
                        event_type: event.event_type.clone(),
                        message: error.to_string(),
                    });
                }
            };
            match (&change, invoice_of(event)) {
                (InvoiceEvent::Requested(requested), _) => rows.add_requested(event, requested),
                (_, Some(invoice)) => rows.add_lifecycle(event, invoice, &change),
                (_, None) => {
                    tracing::warn!(stream = %event.stream_id, "invoice event outside an invoice-<uuid> stream")
                }
            }
        }
        self.write(conn, rows).await?;
        waiting::apply(conn, &self.schema, &waiting).await?;
        Ok(())
    }
}

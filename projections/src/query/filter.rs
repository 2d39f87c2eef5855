//! The dashboard's filters and the list's cursor.

use base64::Engine as _;
use rust_decimal::Decimal;
use sqlx::{Postgres, QueryBuilder};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::ProjectionError;

/// Which invoices a list shows; every field narrows it, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// One status (`requested`, `authorized` …).
    pub status: Option<String>,
    /// ARCA voucher type.
    pub voucher_type: Option<i32>,
    /// Point of sale.
    pub point_of_sale: Option<i32>,
    /// The issuer's CUIT.
    pub issuer_cuit: Option<i64>,
    /// The receiver's document number.
    pub receiver_doc_number: Option<i64>,
    /// Issued on or after.
    pub issued_from: Option<Date>,
    /// Issued on or before.
    pub issued_to: Option<Date>,
    /// Total at least.
    pub total_min: Option<Decimal>,
    /// Total at most.
    pub total_max: Option<Decimal>,
    /// Case-insensitive text contained in the receiver's name.
    pub receiver_name: Option<String>,
}

impl InvoiceFilter {
    /// Appends ` and …` conditions for every set field.
    pub(super) fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        if let Some(status) = &self.status {
            sql.push(" and status = ").push_bind(status.clone());
        }
        let ints = [
            ("voucher_type", self.voucher_type),
            ("point_of_sale", self.point_of_sale),
        ];
        for (column, value) in ints {
            if let Some(value) = value {
                sql.push(format_args!(" and {column} = ")).push_bind(value);
            }
        }
        let bigints = [
            ("issuer_cuit", self.issuer_cuit),
            ("receiver_doc_number", self.receiver_doc_number),
        ];
        for (column, value) in bigints {
            if let Some(value) = value {
                sql.push(format_args!(" and {column} = ")).push_bind(value);
            }
        }
        if let Some(from) = self.issued_from {
            sql.push(" and issue_date >= ").push_bind(from);
        }
        if let Some(to) = self.issued_to {
            sql.push(" and issue_date <= ").push_bind(to);
        }
        if let Some(min) = self.total_min {
            sql.push(" and total >= ").push_bind(min);
        }
        if let Some(max) = self.total_max {
            sql.push(" and total <= ").push_bind(max);
        }
        if let Some(text) = self.receiver_name.as_deref().map(str::trim)
            && !text.is_empty()
        {
            sql.push(" and receiver_name ilike ")
                .push_bind(format!("%{}%", escape_like(text)));
        }
    }
}

/// `text` with `%`, `_` and `\` taken literally by `ilike`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a page ended: the list is ordered newest first by (requested_at, invoice_id), or by
/// another (instant, id) pair ([`Cursor::push_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    requested_at: OffsetDateTime,
    invoice_id: Uuid,
}

impl Cursor {
    pub(super) fn after(requested_at: OffsetDateTime, invoice_id: Uuid) -> Self {
        Self {
            requested_at,
            invoice_id,
        }
    }

    /// The opaque text clients pass back.
    pub fn encode(&self) -> String {
        let raw = format!(
            "v1:{}:{}",
            self.requested_at.unix_timestamp_nanos(),
            self.invoice_id.simple()
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a cursor made by [`Cursor::encode`].
    ///
    /// # Errors
    /// [`ProjectionError::InvalidCursor`] for anything else.
    pub fn decode(text: &str) -> Result<Self, ProjectionError> {
        let invalid = || ProjectionError::InvalidCursor;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = raw.splitn(3, ':');
        let (Some("v1"), Some(nanos), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let nanos: i128 = nanos.parse().map_err(|_| invalid())?;
        Ok(Self {
            requested_at: OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .map_err(|_| invalid())?,
            invoice_id: id.parse().map_err(|_| invalid())?,
        })
    }

    pub(super) fn push(&self, sql: &mut QueryBuilder<'_, Postgres>) {
        self.push_on(sql, "requested_at, invoice_id");
    }

    /// Keeps the rows after the cursor of a list ordered newest first by `columns` (an instant
    /// and an id, as in `created_at, delivery_id`).
    pub(super) fn push_on(&self, sql: &mut QueryBuilder<'_, Postgres>, columns: &'static str) {
        sql.push(" and (")
            .push(columns)
            .push(") < (")
            .push_bind(self.requested_at)
            .push(", ")
            .push_bind(self.invoice_id)
            .push(")");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        let cursor = Cursor::after(datetime!(2026-11-23 15:00:00.123456789 UTC), Uuid::nil());
        assert_eq!(Cursor::decode(&cursor.encode()).ok(), Some(cursor));
    }

    #[test]
    fn refuses_a_cursor_it_did_not_make() {
        for text in ["", "nope", "djE6eDp5", "!!!"] {
            assert!(matches!(
                Cursor::decode(text),
                Err(ProjectionError::InvalidCursor)
            ));
        }
    }

    #[test]
    fn takes_like_wildcards_in_a_name_literally() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}

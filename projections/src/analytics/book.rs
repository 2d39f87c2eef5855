//! The IVA sales book (libro IVA ventas) of one month: one line per authorized voucher issued
//! that month, in pesos, credit notes negative, with the month's totals.

use std::collections::HashMap;

use std::str::FromStr;

use async_graphql::SimpleObject;
use domain::TenantId;
use domain::values::Cuit;
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, Month as CalendarMonth};
use uuid::Uuid;

use super::figures::rate_order;
use super::{RateAmount, is_credit_note, pesos};
use crate::ProjectionError;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    first: Date,
}

/// Text that is not a `YYYY-MM` month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month written YYYY-MM")]
pub struct MonthError(pub String);

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(text: &str) -> Result<Self, MonthError> {
        let invalid = || MonthError(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let month: u8 = month.parse().map_err(|_| invalid())?;
        let month = CalendarMonth::try_from(month).map_err(|_| invalid())?;
        let first = Date::from_calendar_date(year, month, 1).map_err(|_| invalid())?;
        Ok(Self { first })
    }
}

impl Month {
    /// Its first day.
    pub fn first_day(self) -> Date {
        self.first
    }

    /// Its last day.
    pub fn last_day(self) -> Date {
        let days = self.first.month().length(self.first.year());
        self.first.replace_day(days).unwrap_or(self.first)
    }
}

/// One voucher of the book, in pesos; negative for credit notes.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct BookLine {
    /// The voucher.
    pub invoice_id: Uuid,
    /// Issue date.
    pub issue_date: Date,
    /// ARCA voucher type code.
    pub voucher_type: i32,
    /// Point of sale.
    pub point_of_sale: i32,
    /// Voucher number.
    pub number: Option<i64>,
    /// The issuer's CUIT.
    pub issuer_cuit: String,
    /// Receiver's ARCA document type code.
    pub receiver_doc_type: i32,
    /// Receiver's document number.
    pub receiver_doc_number: String,
    /// Receiver's name, if given.
    pub receiver_name: Option<String>,
    /// Taxed net.
    pub net: Decimal,
    /// Not taxed.
    pub not_taxed: Decimal,
    /// Exempt.
    pub exempt: Decimal,
    /// IVA per rate.
    pub iva: Vec<RateAmount>,
    /// Other taxes.
    pub tributes: Decimal,
    /// Total.
    pub total: Decimal,
}

/// The book's sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, SimpleObject)]
pub struct BookTotals {
    /// Vouchers in the book.
    pub vouchers: i64,
    /// Taxed net.
    pub net: Decimal,
    /// Not taxed.
    pub not_taxed: Decimal,
    /// Exempt.
    pub exempt: Decimal,
    /// IVA per rate, lowest rate first.
    pub iva: Vec<RateAmount>,
    /// All IVA.
    pub iva_total: Decimal,
    /// Other taxes.
    pub tributes: Decimal,
    /// Total.
    pub total: Decimal,
}

/// A month's IVA sales book.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct SalesBook {
    /// `YYYY-MM`.
    pub month: String,
    /// Lines by issue date, voucher type, point of sale and number.
    pub lines: Vec<BookLine>,
    /// Their sums.
    pub totals: BookTotals,
}

type Row = (
    Uuid,
    Date,
    i32,
    i32,
    Option<i64>,
    i64,
    i32,
    i64,
    Option<String>,
    Decimal,
    [Decimal; 5],
);

const LINES: &str = "select i.invoice_id, i.issue_date, i.voucher_type, i.point_of_sale, i.number, \
       i.issuer_cuit, i.receiver_doc_type, i.receiver_doc_number, i.receiver_name, \
       i.exchange_rate, i.net, i.not_taxed, i.exempt, i.tributes, i.total \
     from rm.invoices i \
     where i.tenant_id = $1 and ($2::bigint is null or i.issuer_cuit = $2) \
       and i.issue_date between $3 and $4 and i.status = 'authorized' \
     order by i.issue_date, i.voucher_type, i.point_of_sale, i.number, i.invoice_id";

const IVA: &str = "select invoice_id, rate, base, amount from rm.invoice_iva \
     where tenant_id = $1 and invoice_id = any($2)";

/// The sales book of `month` for `tenant` (one issuer, or all of them).
///
/// # Errors
/// Database failures.
pub async fn sales_book(
    pool: &PgPool,
    tenant: TenantId,
    issuer: Option<Cuit>,
    month: Month,
) -> Result<SalesBook, ProjectionError> {
    let issuer = issuer.map(Cuit::as_i64);
    let rows = sqlx::query(LINES)
        .bind(tenant.as_uuid())
        .bind(issuer)
        .bind(month.first_day())
        .bind(month.last_day())
        .fetch_all(pool)
        .await?
        .iter()
        .map(decode)
        .collect::<Result<Vec<Row>, sqlx::Error>>()?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let iva: Vec<(Uuid, String, Decimal, Decimal)> = sqlx::query_as(IVA)
        .bind(tenant.as_uuid())
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    let mut by_invoice: HashMap<Uuid, Vec<(String, Decimal, Decimal)>> = HashMap::new();
    for (invoice, rate, base, amount) in iva {
        by_invoice
            .entry(invoice)
            .or_default()
            .push((rate, base, amount));
    }
    let lines: Vec<BookLine> = rows
        .into_iter()
        .map(|row| {
            let iva = by_invoice.remove(&row.0).unwrap_or_default();
            line(row, iva)
        })
        .collect();
    Ok(SalesBook {
        month: format!(
            "{:04}-{:02}",
            month.first.year(),
            u8::from(month.first.month())
        ),
        totals: totals(&lines),
        lines,
    })
}

fn decode(row: &sqlx::postgres::PgRow) -> Result<Row, sqlx::Error> {
    use sqlx::Row as _;
    Ok((
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        row.try_get(7)?,
        row.try_get(8)?,
        row.try_get(9)?,
        [
            row.try_get(10)?,
            row.try_get(11)?,
            row.try_get(12)?,
            row.try_get(13)?,
            row.try_get(14)?,
        ],
    ))
}

fn line(row: Row, iva: Vec<(String, Decimal, Decimal)>) -> BookLine {
    let (id, issue_date, voucher_type, point_of_sale, number, cuit, doc_type, doc, name, rate, a) =
        row;
    let note = is_credit_note(voucher_type);
    let p = |amount: Decimal| pesos(amount, rate, note);
    let mut rates: Vec<RateAmount> = iva
        .into_iter()
        .map(|(rate, base, amount)| RateAmount {
            rate,
            base: p(base),
            amount: p(amount),
        })
        .collect();
    rates.sort_by_key(|r| rate_order(&r.rate));
    BookLine {
        invoice_id: id,
        issue_date,
        voucher_type,
        point_of_sale,
        number,
        issuer_cuit: cuit.to_string(),
        receiver_doc_type: doc_type,
        receiver_doc_number: doc.to_string(),
        receiver_name: name,
        net: p(a[0]),
        not_taxed: p(a[1]),
        exempt: p(a[2]),
        iva: rates,
        tributes: p(a[3]),
        total: p(a[4]),
    }
}

fn totals(lines: &[BookLine]) -> BookTotals {
    let mut t = BookTotals {
        vouchers: i64::try_from(lines.len()).unwrap_or(i64::MAX),
        ..BookTotals::default()
    };
    for l in lines {
        t.net += l.net;
        t.not_taxed += l.not_taxed;
        t.exempt += l.exempt;
        t.tributes += l.tributes;
        t.total += l.total;
        for r in &l.iva {
            t.iva_total += r.amount;
            match t.iva.iter_mut().find(|x| x.rate == r.rate) {
                Some(x) => {
                    x.base += r.base;
                    x.amount += r.amount;
                }
                None => t.iva.push(r.clone()),
            }
        }
    }
    t.iva.sort_by_key(|r| rate_order(&r.rate));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parses_months_and_knows_their_last_day() {
        let feb: Month = "2024-02".parse().unwrap();
        assert_eq!(feb.first_day(), date!(2024 - 02 - 01));
        assert_eq!(feb.last_day(), date!(2024 - 02 - 29));
        let dec: Month = "2026-12".parse().unwrap();
        assert_eq!(dec.last_day(), date!(2026 - 12 - 31));
    }

    #[test]
    fn refuses_text_that_is_not_a_month() {
        for text in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "",
            "2026-01-01",
            "abcd-ef",
        ] {
            assert!(text.parse::<Month>().is_err(), "{text:?} accepted");
        }
    }
}

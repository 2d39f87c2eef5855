//! The shapes of request values as the OpenAPI document states them: each a named schema with
//! the pattern, length, format or list of values the server enforces, so that what the
//! document accepts is what the handlers accept. Fields point at them with
//! `#[schema(value_type = …)]`; the Rust fields stay plain strings.

use serde_json::json;
use utoipa::openapi::{
    ObjectBuilder, RefOr, Schema,
    schema::{KnownFormat, SchemaFormat, Type},
};

use super::plain::DECIMAL_PATTERN;

/// No NUL character (Postgres cannot store it).
const NO_NUL: &str = r"^[^\x00]*$";
/// No NUL, and something besides white space.
const NOT_BLANK: &str = r"^[^\x00]*[^\x00\s][^\x00]*$";
/// No control character (C0, DEL, C1).
const NO_CONTROL: &str = r"^[^\x00-\x1F\x7F-\x9F]*$";

fn text(pattern: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
}

fn one_of(values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
}

macro_rules! shapes {
    ($($(#[doc = $doc:literal])+ $name:ident => $schema:expr;)+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let description = [$($doc),+].map(str::trim).join(" ");
                RefOr::T(Schema::Object($schema.description(Some(description)).build()))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    )+};
}

shapes! {
    /// A decimal number written as a string: digits, an optional sign and up to 6 decimals.
    DecimalString => text(DECIMAL_PATTERN).examples([json!("1210.50")]);
    /// A calendar date, `YYYY-MM-DD`.
    CalendarDate => text(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .examples([json!("2026-11-23")]);
    /// An instant in RFC 3339, with its offset.
    Instant => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .examples([json!("2026-11-23T15:04:05Z")]);
    /// A CUIT: 11 digits, or written `20-26756539-3`; where it names a taxpayer, its last digit
    /// must be the check digit of the first ten (`invalid_cuit`).
    Cuit => text(r"^([0-9]{11}|[0-9]{2}-[0-9]{8}-[0-9])$").examples([json!("20267565393")]);
    /// A document number: 1 to 11 digits (`"0"` for an unidentified final consumer).
    DocumentNumber => text(r"^[0-9]{1,11}$").examples([json!("0")]);
    /// An ARCA currency code: three capital letters or digits (`PES`, `DOL`, `060`).
    CurrencyCode => text(r"^[A-Z0-9]{3}$").examples([json!("PES")]);
    /// An IVA rate.
    IvaRate => one_of(&["21", "10.5", "27", "5", "2.5", "0", "exempt", "not_taxed"]);
    /// A webhook event type.
    EventType => one_of(domain::webhook::EVENT_TYPES);
    /// What an API key may do.
    Scope => one_of(&[
        "invoices:write",
        "invoices:read",
        "webhooks:manage",
        "taxpayers:manage",
        "admin",
    ]);
    /// The state of an invoice.
    InvoiceStatus => one_of(&[
        "requested",
        "numbered",
        "submitted",
        "authorized",
        "rejected",
        "outcome_unknown",
    ]);
    /// The state of a webhook delivery.
    DeliveryStatus => one_of(&["pending", "delivered", "failed", "skipped"]);
    /// A whole number written in the query, 1 to 100 (a page size).
    PageSize => text(r"^0*([1-9][0-9]?|100)$").examples([json!("25")]);
    /// A whole number written in the query.
    WholeNumber => text(r"^[0-9]{1,9}$").examples([json!("1")]);
    /// An `ARCA-Position` token: two whole numbers joined by a dash. An empty header is no
    /// header. (HTTP drops the blanks around a header's value.)
    Position => text(r"^[ \t]*([0-9]{1,18}-[0-9]{1,18})?[ \t]*$").examples([json!("7123-42")]);
    /// A version as an ETag (`"3"`, `W/"3"` or `3`).
    Version => text(r#"^[ \t]*(W/)?"?[0-9]{1,18}"?[ \t]*$"#).examples([json!("\"3\"")]);
    /// An idempotency key: 1 to 255 visible ASCII characters (spaces inside allowed).
    IdempotencyKey => text(r"^[ \t]*[!-~]([ -~]{0,253}[!-~])?[ \t]*$")
        .examples([json!("order-1001")]);
    /// A webhook endpoint: an absolute `https://` URL (`http://` in the simulator environment)
    /// without credentials, of at most 2000 ASCII characters; the deployment may refuse some
    /// addresses (`webhook_url_not_allowed`).
    WebhookUrl => text(r"^[hH][tT][tT][pP][sS]?://[!-~]+$")
        .format(Some(SchemaFormat::Custom("uri".to_owned())))
        .max_length(Some(2000))
        .examples([json!("https://erp.example.com/hooks/arca")]);
    /// A PDF document, as bytes.
    Pdf => ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/pdf");
    /// Free text, without the NUL character.
    Text => text(NO_NUL);
    /// Text of at most 50 characters, without the NUL character.
    Text50 => text(NO_NUL).max_length(Some(50));
    /// Text of at most 200 characters, without the NUL character.
    Text200 => text(NO_NUL).max_length(Some(200));
    /// Text of at most 300 characters, without the NUL character.
    Text300 => text(NO_NUL).max_length(Some(300));
    /// An email address: up to 64 letters, digits, dots and `!#$%&'*+/=?^_`{|}~-`, `@`, and a
    /// domain of two or more labels (letters, digits, inner hyphens); at most 254 characters.
    EmailAddress => text(domain::values::email::PATTERN)
        .max_length(Some(domain::values::MAX_EMAIL_LEN))
        .examples([json!("compras@cliente.com.ar")]);
    /// A name: 1 to 200 characters, not only white space, without the NUL character.
    Name200 => text(NOT_BLANK).min_length(Some(1)).max_length(Some(200));
    /// A note of at most 500 characters, without control characters.
    Note500 => text(NO_CONTROL).max_length(Some(500));
    /// A certificate name: at most 64 characters, without control characters.
    CertificateName => text(NO_CONTROL).max_length(Some(64));
}

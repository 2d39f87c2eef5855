//! Calendar dates: ISO `YYYY-MM-DD` on the wire, and "today" as seen in Argentina.
//!
//! Use with `#[serde(with = "crate::values::date")]` (or `date::option`) and
//! `#[schemars(schema_with = "crate::values::date::schema")]`.

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::FormatItem;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, UtcOffset};

const ISO: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Argentina's offset from UTC (no daylight saving time).
pub const ARGENTINA: UtcOffset = offset!(-3);

/// The calendar date in Argentina at the instant `now` (ARCA's "N").
pub fn argentina_today(now: OffsetDateTime) -> Date {
    now.to_offset(ARGENTINA).date()
}

/// Parses `YYYY-MM-DD`.
pub fn parse(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(text, ISO)
}

/// Formats as `YYYY-MM-DD`.
pub fn format(date: Date) -> String {
    date.format(ISO).unwrap_or_else(|_| date.to_string())
}

/// Writes a date as `"YYYY-MM-DD"`.
pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*date))
}

/// Reads a date from `"YYYY-MM-DD"`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    parse(&text)
        .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date: {e}")))
}

/// The JSON Schema of a date field: a string in `date` format.
pub fn schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    string_schema("date", false)
}

/// The JSON Schema of an instant serialized with `time::serde::rfc3339`.
pub fn timestamp_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    string_schema("date-time", false)
}

/// The JSON Schema of an optional instant serialized with `time::serde::rfc3339::option`.
pub fn optional_timestamp_schema(
    _: &mut schemars::r#gen::SchemaGenerator,
) -> schemars::schema::Schema {
    string_schema("date-time", true)
}

/// A string in `format`, or null too when `nullable`.
fn string_schema(format: &str, nullable: bool) -> schemars::schema::Schema {
    use schemars::schema::InstanceType::{Null, String};
    let instance_type = if nullable {
        vec![String, Null].into()
    } else {
        String.into()
    };
    schemars::schema::SchemaObject {
        instance_type: Some(instance_type),
        format: Some(format.to_owned()),
        ..Default::default()
    }
    .into()
}

/// The same for `Option<Date>` fields (use with `#[serde(default)]`).
pub mod option {
    use super::*;

    /// Writes `Some` as `"YYYY-MM-DD"` and `None` as `null`.
    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => serializer.serialize_str(&format(*d)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` or `"YYYY-MM-DD"`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(deserializer)?;
        text.map(|t| {
            parse(&t).map_err(|e| {
                serde::de::Error::custom(format!("`{t}` is not a YYYY-MM-DD date: {e}"))
            })
        })
        .transpose()
    }

    /// The JSON Schema of an optional date field.
    pub fn schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        string_schema("date", true)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn today_in_argentina_is_three_hours_behind_utc() {
        assert_eq!(
            argentina_today(datetime!(2025-07-01 02:59 UTC)),
            date!(2025 - 06 - 30)
        );
        assert_eq!(
            argentina_today(datetime!(2025-07-01 03:00 UTC)),
            date!(2025 - 07 - 01)
        );
    }

    #[test]
    fn reads_and_writes_iso_dates() {
        assert_eq!(format(date!(2025 - 07 - 01)), "2025-07-01");
        assert_eq!(parse("2025-07-01").unwrap(), date!(2025 - 07 - 01));
        assert!(parse("20250701").is_err());
        assert!(parse("2025-02-30").is_err());
    }
}

//! The login ticket request (TRA) and ARCA's date-time formats.

use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::soap::xml::{self, esc};

/// Argentina's offset (no daylight saving since 2009).
pub const AR_OFFSET: UtcOffset = offset!(-3);

/// `loginTicketRequest`: who asks for which service, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tra {
    pub unique_id: u32,
    pub generation_time: OffsetDateTime,
    pub expiration_time: OffsetDateTime,
    pub service: String,
}

impl Tra {
    /// A request generated ten minutes back (clock skew) that expires ten minutes ahead.
    pub fn new(service: &str, now: OffsetDateTime) -> Self {
        Self {
            unique_id: u32::try_from(now.unix_timestamp().rem_euclid(i64::from(u32::MAX)))
                .unwrap_or(0),
            generation_time: now - Duration::minutes(10),
            expiration_time: now + Duration::minutes(10),
            service: service.to_owned(),
        }
    }

    /// The XML ARCA expects: no namespace, times with an explicit `-03:00` offset.
    pub fn to_xml(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><loginTicketRequest version="1.0"><header><uniqueId>{}</uniqueId><generationTime>{}</generationTime><expirationTime>{}</expirationTime></header><service>{}</service></loginTicketRequest>"#,
            self.unique_id,
            format_ar(self.generation_time),
            format_ar(self.expiration_time),
            esc(&self.service)
        )
    }

    /// Reads a TRA (the simulator's side).
    pub fn parse(text: &str) -> Result<Self, String> {
        let root = xml::parse(text).map_err(|e| e.to_string())?;
        if root.name != "loginTicketRequest" {
            return Err(format!(
                "root element {} is not loginTicketRequest",
                root.name
            ));
        }
        let header = root.child("header").ok_or("no header")?;
        let field = |n: &str| header.child_text(n).ok_or_else(|| format!("no {n}"));
        Ok(Self {
            unique_id: field("uniqueId")?
                .parse()
                .map_err(|_| "uniqueId is not a 32-bit unsigned integer")?,
            generation_time: parse_xsd_datetime(field("generationTime")?)
                .ok_or("generationTime")?,
            expiration_time: parse_xsd_datetime(field("expirationTime")?)
                .ok_or("expirationTime")?,
            service: root.child_text("service").ok_or("no service")?.to_owned(),
        })
    }
}

/// `2021-07-26T07:21:57-03:00`.
pub fn format_ar(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]-03:00");
    t.to_offset(AR_OFFSET).format(&f).unwrap_or_default()
}

/// `2021-07-26T09:22:00.396-03:00`, as WSAA writes ticket times.
pub fn format_ar_millis(t: OffsetDateTime) -> String {
    let f = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]-03:00"
    );
    t.to_offset(AR_OFFSET).format(&f).unwrap_or_default()
}

/// Reads an `xsd:dateTime`; without an offset it is taken as Argentine time.
pub fn parse_xsd_datetime(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let with_frac =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let plain = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(s, &plain)
        .or_else(|_| PrimitiveDateTime::parse(s, &with_frac))
        .ok()
        .map(|p| p.assume_offset(AR_OFFSET))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tra_uses_wsfe_and_a_correct_argentine_offset() {
        let now = datetime!(2021-07-26 12:21:57 UTC);
        let tra = Tra::new("wsfe", now);
        let xml = tra.to_xml();
        assert!(
            xml.contains("<generationTime>2021-07-26T09:11:57-03:00</generationTime>"),
            "{xml}"
        );
        assert!(
            xml.contains("<expirationTime>2021-07-26T09:31:57-03:00</expirationTime>"),
            "{xml}"
        );
        assert!(xml.contains("<service>wsfe</service>"));
        assert_eq!(Tra::parse(&xml).unwrap(), tra);
    }

    #[test]
    fn reads_the_recorded_tra_without_offset_as_argentine_time() {
        let rec = r#"<?xml version="1.0" encoding="UTF-8"?><loginTicketRequest version="1.0"><header><uniqueId>1627282317</uniqueId><generationTime>2021-07-26T07:21:57</generationTime><expirationTime>2021-07-26T17:21:57</expirationTime></header><service>wsfe</service></loginTicketRequest>"#;
        let tra = Tra::parse(rec).unwrap();
        assert_eq!(tra.generation_time, datetime!(2021-07-26 10:21:57 UTC));
        assert_eq!(tra.unique_id, 1_627_282_317);
        assert_eq!(
            parse_xsd_datetime("2021-07-26T09:22:00.396-03:00").map(|t| t.unix_timestamp()),
            Some(1_627_302_120)
        );
    }
}

//! Collects field-level errors while a request body is turned into domain values, so a client
//! learns about every bad field at once.

use std::fmt::Display;

use super::error::{ApiError, FieldError};

/// A value error that knows its stable code.
pub trait Coded: Display {
    /// Stable snake_case code.
    fn code(&self) -> &'static str;
}

macro_rules! coded {
    ($($ty:ty),+) => {$(
        impl Coded for $ty {
            fn code(&self) -> &'static str {
                <$ty>::code(self)
            }
        }
    )+};
}

coded!(
    domain::values::CuitError,
    domain::values::CurrencyError,
    domain::values::EmailError,
    domain::values::IvaRateError,
    domain::values::MoneyError,
    domain::values::UnknownCode
);

/// The largest page a list answers.
pub const MAX_PAGE: u32 = 100;

/// The field errors found so far.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Keeps the value, or records why `field` is wrong.
    pub fn take<T, E: Coded>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.add(field, e.code(), e.to_string()))
            .ok()
    }

    /// The page size `limit` asks for, 1 to [`MAX_PAGE`]; `default` when absent. Anything else
    /// is recorded as `invalid_limit` (and `default` returned).
    pub fn page_size(&mut self, limit: Option<&str>, default: u32) -> u32 {
        let Some(text) = limit else {
            return default;
        };
        let size = text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n));
        if size.is_none() {
            self.add(
                "limit",
                "invalid_limit",
                format!("limit must be a whole number in 1..={MAX_PAGE}, not `{text}`"),
            );
        }
        size.unwrap_or(default)
    }

    /// Records an error.
    pub fn add(&mut self, field: &str, code: &str, detail: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            detail: detail.into(),
        });
    }

    /// `Ok` when no error was recorded, else a 422 listing them all.
    ///
    /// # Errors
    /// The collected field errors.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

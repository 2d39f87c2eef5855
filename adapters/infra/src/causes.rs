//! An error with the whole chain of its causes, for log lines.
//!
//! Errors keep what caused them as `#[source]` rather than flattening it into their message, so
//! `Display` shows one link only. Logging `error = %Causes(&error)` writes every link,
//! `top: cause: root cause`, in the JSON and the terminal format alike.

use std::{error::Error, fmt};

/// Displays an error followed by each of its sources, separated by `": "`.
#[derive(Clone, Copy)]
pub struct Causes<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            write!(f, ": {cause}")?;
            next = cause.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Causes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the global log failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_link_of_the_chain_is_shown() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            Causes(&error).to_string(),
            "reading the global log failed: connection refused"
        );
        let alone = std::io::Error::other("alone");
        assert_eq!(Causes(&alone).to_string(), "alone");
    }
}

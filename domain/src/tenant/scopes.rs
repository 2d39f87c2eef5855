//! What an API key may do: its scopes.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One permission of an API key. `admin` allows everything, the managing of API keys included.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Scope {
    /// Request invoices (and credit and debit notes).
    #[serde(rename = "invoices:write")]
    InvoicesWrite,
    /// Read invoices, their history and evidence, through REST and GraphQL.
    #[serde(rename = "invoices:read")]
    InvoicesRead,
    /// Manage webhook subscriptions and read or replay their delivery log.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    /// Register issuers, their points of sale and certificates.
    #[serde(rename = "taxpayers:manage")]
    TaxpayersManage,
    /// Everything, the tenant's API keys included.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 5] = [
        Scope::InvoicesWrite,
        Scope::InvoicesRead,
        Scope::WebhooksManage,
        Scope::TaxpayersManage,
        Scope::Admin,
    ];

    /// The name clients write (`invoices:write`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::InvoicesWrite => "invoices:write",
            Scope::InvoicesRead => "invoices:read",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::TaxpayersManage => "taxpayers:manage",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `name`, if any.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes, small and `Copy` so that it travels with the authenticated caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    /// Every permission (`admin`).
    pub const ADMIN: Scopes = Scopes(1 << (Scope::Admin as u8));

    /// Whether a key with these scopes may do what `needed` guards: it holds it, or `admin`.
    pub fn allows(self, needed: Scope) -> bool {
        self.0 & (needed.bit() | Scope::Admin.bit()) != 0
    }

    /// The scopes held, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |s| self.0 & s.bit() != 0)
    }

    /// Whether no scope is held.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(iter.into_iter().fold(0, |bits, s| bits | s.bit()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_allows_every_scope_and_others_only_themselves() {
        for scope in Scope::ALL {
            assert!(Scopes::ADMIN.allows(scope));
        }
        let read: Scopes = [Scope::InvoicesRead].into_iter().collect();
        assert!(read.allows(Scope::InvoicesRead));
        assert!(!read.allows(Scope::InvoicesWrite));
        assert!(!read.allows(Scope::Admin));
        assert_eq!(read.iter().collect::<Vec<_>>(), vec![Scope::InvoicesRead]);
    }

    #[test]
    fn names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let json = serde_json::to_value(scope).unwrap();
            assert_eq!(json, serde_json::json!(scope.as_str()));
        }
        assert_eq!(Scope::parse("invoices:delete"), None);
    }
}

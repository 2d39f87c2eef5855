//! Identifier newtypes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A customer account of the service; owns taxpayers, invoices and API keys.
    TenantId
);
impl TenantId {
    /// The owner of system-wide streams that belong to no customer (`arca-{environment}`):
    /// the nil UUID, which no tenant is ever created with. No API key maps to it, so no
    /// customer reads those streams directly; what they say reaches tenants through webhooks.
    pub const SYSTEM: Self = Self(Uuid::nil());
}

uuid_id!(
    /// One invoice (or note, or receipt) requested through the API.
    InvoiceId
);
uuid_id!(
    /// One API key of a tenant (not the secret).
    ApiKeyId
);
uuid_id!(
    /// One webhook subscription (an endpoint of a tenant).
    SubscriptionId
);

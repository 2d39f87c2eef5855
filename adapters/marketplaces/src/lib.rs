//! Mercado Libre, Shopify and Tienda Nube: verifying their inbound notifications, reading their
//! orders, normalizing them into a [`MarketOrder`], and mapping that to an invoice request of the
//! domain (or holding it with a reason).
//!
//! Pure code: no IO yet (the platforms' HTTP clients and simulators will come here too).
//!
//! Must never depend on anything of the workspace but `domain` values: never `commands`,
//! `projections`, `api` or `workers`, never sqlx, axum or an async runtime.
//!
//! - [`verify`]: Shopify and Tienda Nube HMACs over the raw body (constant-time), Mercado
//!   Libre's `application_id`/`user_id` checks and its `topic`/`resource` hint.
//! - [`platforms`]: each platform's order as its API returns it.
//! - [`MarketOrder`]: the normalized order and its idempotency key.
//! - [`invoice`]: a [`MarketOrder`] and a connection's settings → an invoice draft or a hold.

mod de;
pub mod invoice;
mod order;
pub mod platforms;
pub mod verify;

pub use order::{Buyer, MarketOrder, OrderError, OrderLine, OrderStatus, Platform, Refund};

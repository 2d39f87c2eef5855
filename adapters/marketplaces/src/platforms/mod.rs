//! Each platform's order as its API returns it (only the fields the mapping reads; unknown fields
//! are ignored, amounts read from strings or numbers), and its conversion to a [`MarketOrder`].
//!
//! [`MarketOrder`]: crate::MarketOrder

pub mod mercadolibre;
pub mod shopify;
pub mod tiendanube;

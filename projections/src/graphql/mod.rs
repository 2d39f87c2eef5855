//! The read API in GraphQL (async-graphql): invoices with cursor pagination and filters, each with
//! its items, its event stream (the audit trail) and its state at an instant; analytics; and the
//! monthly IVA sales book; and the webhook delivery log.
//!
//! Every resolver reads within the request's tenant, which the HTTP layer authenticates and hands
//! to [`execute`]; nothing is reachable without one. Queries are bounded in depth and complexity
//! ([`Limits`]), text holding NUL is refused in any argument before a resolver sees it, and every
//! error carries a stable `extensions.code` ([`errors`]). The SDL is committed under
//! `schemas/graphql/` and a test fails when it drifts from [`sdl`].

mod analytics;
mod deliveries;
pub mod errors;
mod events;
mod evidence;
mod invoice;
mod list;
mod parsing;
mod query;
mod status;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Response, Schema};
use domain::TenantId;
use sqlx::PgPool;

use crate::history::InvoiceHistory;
pub use query::Query;

/// The read API's schema.
pub type ReadSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// How big a query may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of fields (GraphiQL's introspection query needs 13).
    pub depth: usize,
    /// Most fields a query may resolve, lists counted by their `first`.
    pub complexity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 15,
            complexity: 5_000,
        }
    }
}

/// What resolvers read from: the read models and the invoice streams.
#[derive(Clone)]
pub struct ReadContext {
    /// The read models' database.
    pub pool: PgPool,
    /// The invoice streams.
    pub history: Arc<dyn InvoiceHistory>,
}

/// The authenticated tenant of one request; every resolver filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTenant(pub TenantId);

/// Builds the schema over `context` with `limits`.
pub fn schema(context: ReadContext, limits: Limits) -> ReadSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(context)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .extension(parsing::Parsing)
        .finish()
}

/// Runs `request` as `tenant`, giving every error an `extensions.code`.
pub async fn execute(schema: &ReadSchema, tenant: TenantId, request: Request) -> Response {
    let response = schema.execute(request.data(RequestTenant(tenant))).await;
    errors::stamp_codes(response)
}

/// The schema in SDL, as committed in `schemas/graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// The request's tenant and the read context.
fn scope<'a>(
    ctx: &async_graphql::Context<'a>,
) -> async_graphql::Result<(TenantId, &'a ReadContext)> {
    let tenant = ctx
        .data_opt::<RequestTenant>()
        .ok_or_else(|| errors::coded(errors::UNAUTHORIZED, "no authenticated tenant"))?;
    let read = ctx
        .data_opt::<ReadContext>()
        .ok_or_else(|| errors::coded(errors::INTERNAL, "the schema has no read context"))?;
    Ok((tenant.0, read))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/graphql/schema.graphql"
    );

    /// Regenerate with `UPDATE_SCHEMAS=1 cargo test -p projections graphql`.
    #[test]
    fn committed_graphql_schema_matches_the_code() {
        let generated = sdl();
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(
                std::path::Path::new(COMMITTED)
                    .parent()
                    .unwrap_or(std::path::Path::new(".")),
            )
            .unwrap();
            std::fs::write(COMMITTED, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/graphql/schema.graphql is stale: \
             run UPDATE_SCHEMAS=1 cargo test -p projections graphql"
        );
    }
}

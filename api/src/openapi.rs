//! The OpenAPI document, generated from the handlers' annotations and committed as
//! `schemas/api/openapi.json` (a test fails when the two drift apart).

use axum::{Json, response::IntoResponse};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::{certificates, error, invoices, series, taxpayers, webhooks};

/// The command API.
#[derive(OpenApi)]
#[openapi(
    info(title = "arca: electronic invoicing with ARCA", version = "1",
         description = "Command API. Errors are RFC 9457 problem documents with a stable `code`."),
    paths(taxpayers::register, taxpayers::get, taxpayers::add_point_of_sale,
          certificates::request, certificates::install, series::get, series::resume,
          invoices::request, invoices::read::get, invoices::read::list, invoices::events,
          webhooks::manage::create, webhooks::read::list, webhooks::read::get,
          webhooks::manage::update, webhooks::manage::delete, webhooks::manage::pause,
          webhooks::manage::resume, webhooks::manage::enable, webhooks::manage::rotate_secret,
          webhooks::manage::test, webhooks::log::redeliver_range, webhooks::log::list,
          webhooks::log::get, webhooks::log::redeliver,
          invoices::evidence::evidence),
    components(schemas(error::Problem, error::FieldError)),
    modifiers(&BearerKey),
    tags((name = "taxpayers", description = "Issuers, their points of sale and ARCA certificates"),
         (name = "invoices", description = "Invoices, debit and credit notes, receipts"),
         (name = "webhooks", description = "Endpoints that receive signed webhooks, their secrets, and the delivery log"))
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ak_<tenant>_<key>_<secret>")
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// `GET /openapi.json`.
pub async fn serve() -> impl IntoResponse {
    Json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/api/openapi.json");

    /// Regenerate with `UPDATE_SCHEMAS=1 cargo test -p api openapi`.
    #[test]
    fn committed_openapi_document_matches_the_code() {
        let generated = serde_json::to_string_pretty(&document()).unwrap() + "\n";
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(COMMITTED, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/api/openapi.json is stale: run UPDATE_SCHEMAS=1 cargo test -p api openapi"
        );
    }
}

//! The OpenAPI document, generated from the handlers' annotations and committed as
//! `schemas/api/openapi.json` (a test fails when the two drift apart).

use std::sync::LazyLock;

use axum::{Json, http::Method, response::IntoResponse};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder,
        header::HeaderBuilder,
        path::Operation,
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
    },
};

use super::{
    access::scopes, certificates, drafts, error, invoices, keys, series, shapes, taxpayers,
    webhooks,
};

/// The command API.
#[derive(OpenApi)]
#[openapi(
    info(title = "arca: electronic invoicing with ARCA", version = "1",
         description = "Command API. Errors are RFC 9457 problem documents with a stable `code`."),
    paths(taxpayers::register, taxpayers::get, taxpayers::add_point_of_sale,
          certificates::request, certificates::install, series::get, series::resume,
          invoices::request, drafts::create, invoices::read::get, invoices::read::list, invoices::events,
          invoices::pdf::get,
          webhooks::manage::create, webhooks::read::list, webhooks::read::get,
          webhooks::manage::update, webhooks::manage::delete, webhooks::manage::pause,
          webhooks::manage::resume, webhooks::manage::enable, webhooks::manage::rotate_secret,
          webhooks::manage::test, webhooks::log::redeliver_range, webhooks::log::list,
          webhooks::log::get, webhooks::log::redeliver,
          invoices::evidence::evidence, keys::create, keys::list, keys::revoke),
    components(schemas(error::Problem, error::FieldError, shapes::DecimalString,
        shapes::CalendarDate, shapes::Instant, shapes::Cuit, shapes::DocumentNumber,
        shapes::CurrencyCode, shapes::IvaRate, shapes::EventType, shapes::Scope,
        shapes::InvoiceStatus, shapes::DeliveryStatus, shapes::PageSize, shapes::WholeNumber,
        shapes::Position, shapes::Version, shapes::IdempotencyKey, shapes::WebhookUrl,
        shapes::Text, shapes::Text50, shapes::Pdf, shapes::Text200, shapes::Name200, shapes::Note500, shapes::CertificateName)),
    modifiers(&BearerKey, &Guarded),
    tags((name = "taxpayers", description = "Issuers, their points of sale and ARCA certificates"),
         (name = "invoices", description = "Invoices, debit and credit notes, receipts"),
         (name = "webhooks", description = "Endpoints that receive signed webhooks, their secrets, and the delivery log"),
         (name = "api-keys", description = "The tenant's API keys: scopes, expiry, rotation (scope `admin`)"))
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

/// Where a success leads: the operations a client (or a fuzzer following links) can call next
/// with the identifier the answer carries. `(method, path, target operation, parameter, where
/// the answer holds its value)`.
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    ("post", "/v1/invoices", "get_invoice", "id", "/id"),
    ("post", "/v1/invoices", "list_invoice_events", "id", "/id"),
    ("post", "/v1/invoices", "get_invoice_evidence", "id", "/id"),
    ("post", "/v1/taxpayers", "get_taxpayer", "cuit", "/cuit"),
    (
        "post",
        "/v1/taxpayers",
        "add_point_of_sale",
        "cuit",
        "/cuit",
    ),
    (
        "post",
        "/v1/taxpayers",
        "request_certificate",
        "cuit",
        "/cuit",
    ),
    (
        "post",
        "/v1/taxpayers",
        "install_certificate",
        "cuit",
        "/cuit",
    ),
    ("post", "/v1/api-keys", "revoke_api_key", "id", "/id"),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "get_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "update_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "pause_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "resume_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "enable_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "rotate_webhook_secret",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "test_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "redeliver_failed_webhook_deliveries",
        "id",
        "/id",
    ),
    (
        "post",
        "/v1/webhooks/subscriptions",
        "delete_webhook_subscription",
        "id",
        "/id",
    ),
    (
        "get",
        "/v1/webhooks/deliveries",
        "get_webhook_delivery",
        "id",
        "/deliveries/0/id",
    ),
    (
        "get",
        "/v1/webhooks/deliveries",
        "redeliver_webhook_delivery",
        "id",
        "/deliveries/0/id",
    ),
    ("get", "/v1/invoices", "get_invoice", "id", "/invoices/0/id"),
];

/// Adds the links of [`LINKS`] to every success of their operation. (Written on the JSON:
/// utoipa's `Link` serializes `operation_id` where OpenAPI says `operationId`.)
fn link(document: &mut serde_json::Value) {
    for (method, path, target, parameter, pointer) in LINKS {
        let Some(answers) = document
            .pointer_mut(&format!(
                "/paths/{}/{method}/responses",
                path.replace('/', "~1")
            ))
            .and_then(serde_json::Value::as_object_mut)
        else {
            continue;
        };
        for (_, answer) in answers
            .iter_mut()
            .filter(|(status, _)| status.starts_with('2'))
        {
            answer["links"][*target] = serde_json::json!({
                "operationId": target,
                "parameters": { *parameter: format!("$response.body#{pointer}") },
            });
        }
    }
}

/// What the guard in front of every operation adds: the scope it needs (from the one table the
/// guard reads, [`scopes::required`]) and its `401`, `403 insufficient_scope` and `429
/// rate_limited` answers, the last with `Retry-After` and the `RateLimit` fields.
struct Guarded;

impl Modify for Guarded {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let operations = [
                (Method::GET, &mut item.get),
                (Method::POST, &mut item.post),
                (Method::PUT, &mut item.put),
                (Method::PATCH, &mut item.patch),
                (Method::DELETE, &mut item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    guard(operation, scopes::required(&method, path).as_str());
                }
            }
        }
    }
}

/// A problem document answer.
fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

fn header(kind: Type, description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(kind))
        .description(Some(description))
        .build()
}

/// The media type of every error answer.
const PROBLEM_JSON: &str = "application/problem+json";

/// The answers every operation may give besides its own: the errors are problem documents
/// (`application/problem+json`, whatever the handler's annotation says), a malformed header,
/// path parameter, query parameter or cursor is a `400`, a database that cannot answer in time a
/// `503` with `Retry-After`; an operation with a body also answers `413`, `415` and `422`.
fn problems(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
    let answers = &mut operation.responses.responses;
    for (status, answer) in answers.iter_mut() {
        if let (true, RefOr::T(answer)) = (status.as_str() >= "400", answer)
            && let Some(content) = answer.content.shift_remove("application/json")
        {
            answer.content.insert(PROBLEM_JSON.to_owned(), content);
        }
    }
    let mut add = |status: &str, answer: ResponseBuilder| {
        answers
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(answer.build()));
    };
    add(
        "400",
        problem(
            "A malformed header (`invalid_header`, `invalid_idempotency_key`, `invalid_if_match`), \
             path parameter (`invalid_path_parameter`), cursor (`invalid_cursor`) or JSON body \
             (`malformed_json`)",
        ),
    );
    if has_body {
        add(
            "413",
            problem("`body_too_large`: the body is over the size limit"),
        );
        add(
            "415",
            problem("`unsupported_media_type`: the body is not sent as `application/json`"),
        );
    }
    if has_body || has_query {
        add(
            "422",
            problem("Invalid content; `errors` names each field and what is wrong with it"),
        );
    }
    add(
        "503",
        problem("`service_unavailable`: the database could not answer in time; retrying is safe")
            .header(
                "Retry-After",
                header(Type::Integer, "Seconds to wait before retrying"),
            ),
    );
}

fn guard(operation: &mut Operation, scope: &str) {
    operation.security = Some(vec![SecurityRequirement::new("api_key", [scope])]);
    problems(operation);
    let answers = &mut operation.responses.responses;
    answers.insert(
        "401".to_owned(),
        RefOr::T(
            problem("`unauthorized`: no key, an unknown or revoked key, or an expired one").build(),
        ),
    );
    let forbidden = format!("`insufficient_scope`: the key lacks the scope `{scope}`");
    answers.insert("403".to_owned(), RefOr::T(problem(&forbidden).build()));
    let limited = problem(
        "`rate_limited`: the key is over its rate limit, or its address failed to authenticate \
         too often",
    )
    .header("Retry-After", header(Type::Integer, "Seconds to wait before retrying"))
    .header(
        "RateLimit-Policy",
        header(Type::String, "The key's quota (draft-ietf-httpapi-ratelimit-headers-09): `\"default\";q=<requests>;w=<seconds>`"),
    )
    .header(
        "RateLimit",
        header(Type::String, "What is left of it: `\"default\";r=<remaining>;t=<seconds until whole>`"),
    );
    answers.insert("429".to_owned(), RefOr::T(limited.build()));
}

/// The document as JSON, built once: served at `/openapi.json`, and read by the explanations of
/// refused values (`super::plain`).
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
        let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        link(&mut document);
        document
    });
    &DOCUMENT
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
    fn operation_ids_are_unique_and_links_name_operations_that_exist() {
        let document = document();
        let mut ids = Vec::new();
        for item in document["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
        {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(id) = operation["operationId"].as_str() {
                    ids.push(id.to_owned());
                }
            }
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "duplicate operation ids in {ids:?}"
        );
        for (_, _, target, _, _) in LINKS {
            assert!(ids.iter().any(|id| id == target), "no operation {target}");
        }
    }

    #[test]
    fn committed_openapi_document_matches_the_code() {
        let generated = serde_json::to_string_pretty(document()).unwrap() + "\n";
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

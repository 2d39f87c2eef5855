//! Which scope each route needs: one table, read by the guard and by the OpenAPI document.

use axum::http::Method;
use domain::tenant::Scope;

/// The scope a request to `route` (the matched template) with `method` needs. A route this table
/// does not name needs `admin`, so a new route is closed until it is given its scope here.
pub fn required(method: &Method, route: &str) -> Scope {
    let under = |prefix: &str| route == prefix || route.starts_with(&format!("{prefix}/"));
    if under("/v1/invoices") || under("/v1/invoice-drafts") {
        if method == Method::GET {
            Scope::InvoicesRead
        } else {
            Scope::InvoicesWrite
        }
    } else if route == "/graphql" {
        Scope::InvoicesRead
    } else if under("/v1/taxpayers") {
        Scope::TaxpayersManage
    } else if under("/v1/webhooks") {
        Scope::WebhooksManage
    } else {
        Scope::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_writes_and_management_need_their_own_scopes() {
        let cases = [
            (Method::POST, "/v1/invoices", Scope::InvoicesWrite),
            (Method::POST, "/v1/invoice-drafts", Scope::InvoicesWrite),
            (Method::GET, "/v1/invoices", Scope::InvoicesRead),
            (
                Method::GET,
                "/v1/invoices/{id}/evidence",
                Scope::InvoicesRead,
            ),
            (Method::POST, "/graphql", Scope::InvoicesRead),
            (
                Method::PUT,
                "/v1/taxpayers/{cuit}/certificate",
                Scope::TaxpayersManage,
            ),
            (
                Method::DELETE,
                "/v1/webhooks/subscriptions/{id}",
                Scope::WebhooksManage,
            ),
            (
                Method::GET,
                "/v1/webhooks/deliveries",
                Scope::WebhooksManage,
            ),
            (Method::POST, "/v1/api-keys", Scope::Admin),
            (Method::GET, "/v1/invoices-export", Scope::Admin),
        ];
        for (method, route, scope) in cases {
            assert_eq!(required(&method, route), scope, "{method} {route}");
        }
    }
}

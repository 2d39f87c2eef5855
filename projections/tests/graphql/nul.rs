//! Text holding the NUL character, which Postgres can neither store nor compare, is refused in
//! any argument, however it is passed, with `invalid_character` naming the argument: never a
//! database error.

use async_graphql::{Request, Variables};
use projections::graphql::{self, Limits};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::support::{Env, first_code, run};

const PAGE: &str = "{ nodes { id } }";

/// Runs `query` with `variables` as tenant A.
async fn with_variables(env: &Env, query: &str, variables: Value) -> Value {
    let schema = env.schema(Limits::default());
    let request = Request::new(query).variables(Variables::from_json(variables));
    let response = graphql::execute(&schema, env.tenant_a, request).await;
    serde_json::to_value(&response).unwrap_or_default()
}

/// Asserts `answer` is the NUL refusal naming exactly `arguments`.
fn assert_refused(answer: &Value, arguments: &[&str]) {
    assert_eq!(first_code(answer), Some("invalid_character"), "{answer}");
    assert!(answer["data"].is_null(), "{answer}");
    let error = &answer["errors"][0];
    assert_eq!(
        error["extensions"]["arguments"],
        json!(arguments),
        "{answer}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    for argument in arguments {
        assert!(message.contains(&format!("`{argument}`")), "{message}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn nul_written_in_the_query_is_refused_naming_the_argument(pool: PgPool) {
    let env = Env::new(&pool);
    let schema = env.schema(Limits::default());
    for (query, argument) in [
        (
            format!("{{ invoices(filter: {{ receiverName: \"a\\u0000b\" }}) {PAGE} }}"),
            "filter.receiverName",
        ),
        (
            format!("{{ webhookDeliveries(eventType: \"invoice.\\u0000\") {PAGE} }}"),
            "eventType",
        ),
        (
            "{ ivaSalesBook(month: \"2025-07\\u0000\") { month } }".to_owned(),
            "month",
        ),
        (
            format!("{{ invoices(after: \"\\u0000\") {PAGE} }}"),
            "after",
        ),
    ] {
        let answer = run(&schema, env.tenant_a, &query).await;
        assert_refused(&answer, &[argument]);
    }
    // The same queries without NUL are read as usual.
    let clean = format!("{{ invoices(filter: {{ receiverName: \"ab\" }}) {PAGE} }}");
    let answer = run(&schema, env.tenant_a, &clean).await;
    assert!(answer["errors"].is_null(), "{answer}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn nul_in_a_variable_is_refused_naming_the_argument_it_fills(pool: PgPool) {
    let env = Env::new(&pool);
    let query = format!(
        "query($filter: InvoiceFilter, $type: String) {{ \
           invoices(filter: $filter) {PAGE} webhookDeliveries(eventType: $type) {PAGE} }}"
    );
    let answer = with_variables(
        &env,
        &query,
        json!({"filter": {"issuerCuit": "20267565393", "receiverName": "a\u{0}b"},
               "type": "invoice.\u{0}"}),
    )
    .await;
    assert_refused(&answer, &["filter.receiverName", "eventType"]);

    // A variable's default counts as what it fills.
    let query = format!(
        "query($name: String = \"\\u0000\") {{ \
         invoices(filter: {{ receiverName: $name }}) {PAGE} }}"
    );
    let answer = with_variables(&env, &query, json!({})).await;
    assert_refused(&answer, &["filter.receiverName"]);

    // A variable no argument uses is named as a variable.
    let answer = with_variables(
        &env,
        &format!("query($spare: String) {{ invoices {PAGE} }}"),
        json!({"spare": "\u{0}"}),
    )
    .await;
    assert_refused(&answer, &["$spare"]);

    // NUL-free variables are read as usual.
    let answer = with_variables(&env, &query, json!({"name": "ab"})).await;
    assert!(answer["errors"].is_null(), "{answer}");
}

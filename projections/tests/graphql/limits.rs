//! Depth and complexity limits, argument errors and their `extensions.code`.

use projections::graphql::{Limits, ReadSchema};
use sqlx::PgPool;

use crate::support::{Env, first_code, run};

/// An introspection query nesting `ofType` `levels` times.
fn nested_introspection(levels: usize) -> String {
    let mut inner = "name".to_owned();
    for _ in 0..levels {
        inner = format!("name ofType {{ {inner} }}");
    }
    format!("{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}")
}

fn schema(pool: &PgPool, limits: Limits) -> (Env, ReadSchema) {
    let env = Env::new(pool);
    let schema = env.schema(limits);
    (env, schema)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_query_deeper_than_the_limit_is_refused_with_query_too_deep(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    let answer = run(&schema, env.tenant_a, &nested_introspection(20)).await;
    assert_eq!(first_code(&answer), Some("query_too_deep"), "{answer}");
    assert!(answer["data"].is_null());

    let (env, shallow) = schema_with_depth(&pool, 3);
    let query = "{ ivaSalesBook(month: \"2025-07\") { totals { iva { rate } } } }";
    let answer = run(&shallow, env.tenant_a, query).await;
    assert_eq!(first_code(&answer), Some("query_too_deep"), "{answer}");
}

fn schema_with_depth(pool: &PgPool, depth: usize) -> (Env, ReadSchema) {
    schema(
        pool,
        Limits {
            depth,
            ..Limits::default()
        },
    )
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn graphiqls_introspection_fits_the_default_limits(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    // GraphiQL's introspection nests `ofType` seven times under `__schema.types.fields.type`.
    let answer = run(&schema, env.tenant_a, &nested_introspection(7)).await;
    assert!(answer["errors"].is_null(), "{answer}");
    assert!(answer["data"]["__schema"]["types"].is_array());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_query_costlier_than_the_limit_is_refused_with_query_too_complex(pool: PgPool) {
    let (env, schema) = schema(
        &pool,
        Limits {
            complexity: 3,
            ..Limits::default()
        },
    );
    let query = "{ ivaSalesBook(month: \"2025-07\") { month totals { vouchers net total } } }";
    let answer = run(&schema, env.tenant_a, query).await;
    assert_eq!(first_code(&answer), Some("query_too_complex"), "{answer}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn bad_arguments_and_bad_queries_carry_their_codes(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    for (query, code) in [
        (
            "{ ivaSalesBook(month: \"2025-13\") { month } }",
            "invalid_argument",
        ),
        (
            "{ ivaSalesBook(month: \"2025-07\", issuerCuit: \"20111111113\") { month } }",
            "invalid_argument",
        ),
        (
            "{ analytics(from: \"2025-07-02\", to: \"2025-07-01\") { approvalRate { rate } } }",
            "invalid_argument",
        ),
        (
            "{ analytics(from: \"2025-07-01\", to: \"2025-07-31\") { topReceivers(limit: 0) { count } } }",
            "invalid_argument",
        ),
        (
            "{ analytics(from: \"yesterday\", to: \"2025-07-31\") { approvalRate { rate } } }",
            "invalid_argument",
        ),
        ("{ nothingHere }", "invalid_query"),
        ("{ ivaSalesBook(", "invalid_query"),
    ] {
        let answer = run(&schema, env.tenant_a, query).await;
        assert_eq!(first_code(&answer), Some(code), "{query}: {answer}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn nothing_is_readable_without_a_tenant(pool: PgPool) {
    let (_env, schema) = schema(&pool, Limits::default());
    let response = schema
        .execute("{ ivaSalesBook(month: \"2025-07\") { month } }")
        .await;
    let answer = serde_json::to_value(&response).unwrap_or_default();
    assert_eq!(first_code(&answer), Some("unauthorized"), "{answer}");
    assert!(answer["data"].is_null());
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_database_that_cannot_answer_is_service_unavailable(pool: PgPool) {
    let env = Env::new(&pool);
    pool.close().await;
    let schema = env.schema(Limits::default());
    let answer = run(&schema, env.tenant_a, "{ invoices { nodes { id } } }").await;
    assert_refused_opaquely(&answer, "service_unavailable", "pool");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_database_fault_is_answered_opaquely_with_internal(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    sqlx::query("drop table rm.invoices cascade")
        .execute(&pool)
        .await
        .unwrap();
    let answer = run(&schema, env.tenant_a, "{ invoices { nodes { id } } }").await;
    assert_refused_opaquely(&answer, "internal", "rm.invoices");
}

/// Asserts `answer` is refused with `code`, its message saying nothing of `cause`.
fn assert_refused_opaquely(answer: &serde_json::Value, code: &str, cause: &str) {
    assert_eq!(first_code(answer), Some(code), "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains(cause), "{message}");
    assert!(answer["data"].is_null());
}

/// A page size out of range is refused by the field as an invalid argument, however large: what
/// a page costs is counted at most at the largest page.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_page_size_out_of_range_is_an_invalid_argument_not_a_costly_query(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    let analytics = "analytics(from: \"2025-07-01\", to: \"2025-07-01\")";
    for size in ["1000000", "2147483647", "-2147483648", "0", "101"] {
        for query in [
            format!("{{ invoices(first: {size}) {{ nodes {{ id status total }} }} }}"),
            format!("{{ webhookDeliveries(first: {size}) {{ nodes {{ id status }} }} }}"),
            format!("{{ {analytics} {{ topReceivers(limit: {size}) {{ count }} }} }}"),
        ] {
            let answer = run(&schema, env.tenant_a, &query).await;
            assert_eq!(
                first_code(&answer),
                Some("invalid_argument"),
                "{query}: {answer}"
            );
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains("between 1 and 100"), "{query}: {message}");
        }
    }
    // Past what `Int` holds, it is still the argument that is wrong.
    let query = "{ invoices(first: 10000000000) { nodes { id } } }";
    let answer = run(&schema, env.tenant_a, query).await;
    assert_eq!(first_code(&answer), Some("invalid_argument"), "{answer}");
}

/// The parser quotes the line an error is on, which may be the whole query: the answer says
/// where and why, never the query.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_query_that_does_not_parse_is_not_quoted_back(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    let marker = "needleInTheQuery";
    let fields = format!("{marker} ").repeat(2_000);
    let nested = format!("{}{marker}{}", "{ a ".repeat(100), " }".repeat(100));
    for query in [
        format!("{{ invoices {{ nodes {{ {fields} }} }} "),
        format!("{{ {fields} ("),
        nested,
    ] {
        let answer = run(&schema, env.tenant_a, &query).await;
        let text = answer.to_string();
        assert_eq!(first_code(&answer), Some("invalid_query"), "{text:.500}");
        assert!(!text.contains(marker), "{text:.500}");
        assert!(text.len() < 1_000, "{text:.500}");
    }
    let answer = run(&schema, env.tenant_a, &format!("{{ {marker} (")).await;
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the query is not valid GraphQL at line 1, column "),
        "{message}"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn what_a_query_costs_follows_the_rows_it_can_touch_and_aliases_add_up(pool: PgPool) {
    let (env, schema) = schema(&pool, Limits::default());
    let year = "analytics(from: \"2025-01-01\", to: \"2025-12-31\") \
                { daily { period } monthly { period } ivaByRate { rate } approvalRate { rate } }";
    // A year of four figures: 365 × 4 is within the default budget.
    let answer = run(&schema, env.tenant_a, &format!("{{ {year} }}")).await;
    assert!(answer["errors"].is_null(), "{answer}");
    // Four aliases of it cost four times as much: over it, with a clear message.
    let aliased: String = (0..4).map(|i| format!("a{i}: {year} ")).collect();
    let answer = run(&schema, env.tenant_a, &format!("{{ {aliased} }}")).await;
    assert_eq!(first_code(&answer), Some("query_too_complex"), "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("days of its range"), "{message}");
    // Ten years of one figure is too much on its own; a page's size counts as its rows.
    let decade = "{ analytics(from: \"2016-01-01\", to: \"2025-12-31\") \
                  { daily { period } monthly { period } } }";
    let answer = run(&schema, env.tenant_a, decade).await;
    assert_eq!(first_code(&answer), Some("query_too_complex"), "{answer}");
    let histories = "{ invoices(first: 100) { nodes { id \
                     events { eventType data metadata recordedAt } \
                     evidence { operation requestXml responseXml } } } }";
    let answer = run(&schema, env.tenant_a, histories).await;
    assert_eq!(first_code(&answer), Some("query_too_complex"), "{answer}");
}

//! NUL (`\u0000`), which Postgres can neither store nor compare, is refused in every value a
//! client sends to any REST operation, with `422` and a field error `invalid_character` naming
//! where it was: `items[0].description`, `receiver.name`, a query parameter by its name.
//!
//! The cases are generated from the OpenAPI document: for every operation, every value of its
//! request body (following `$ref`, nested objects and arrays, which get one element) and every
//! query parameter, a request whose that value is `"a\u0000b"` and whose required fields are
//! filled with valid values (the schema's `example`s, else the table in [`valid_text`]). Path
//! parameters are not free text and are not tried. A value the schema types as a number or a
//! boolean is tried too: text holding NUL is refused as such before its type is looked at.
//!
//! Written against the server side of issue 18 that checks bodies in the `ApiJson` extractor (and
//! the rotate-secret body, parsed by hand, with the same check) and query strings in a
//! middleware: until that side is merged, this test fails for REST bodies and query parameters.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use sqlx::PgPool;

use crate::helpers::{RI_CUIT, TODAY, TestApp};

/// The value tried in each field.
const NUL: &str = "a\u{0}b";

/// One step into a body.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index,
}

/// How the field errors name a path: `receiver.name`, `items[0].description`.
fn shown(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => text.push_str(&format!(".{key}")),
            Step::Index => text.push_str("[0]"),
        }
    }
    text
}

/// `schema` with `$ref`s followed and a nullable `oneOf`/`anyOf` taken as its non-null member.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    loop {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.trim_start_matches("#/components/schemas/");
            schema = &doc["components"]["schemas"][name];
        } else if let Some(members) = schema["oneOf"]
            .as_array()
            .or_else(|| schema["anyOf"].as_array())
            .or_else(|| schema["allOf"].as_array())
        {
            match members.iter().find(|m| m["type"] != "null") {
                Some(member) => schema = member,
                None => return schema,
            }
        } else {
            return schema;
        }
    }
}

/// The schema's type, `null` put aside (`["string", "null"]` is a string).
fn kind(schema: &Value) -> &str {
    match &schema["type"] {
        Value::String(kind) => kind,
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ if schema["properties"].is_object() => "object",
        _ => "",
    }
}

/// A valid value for text `name` whose schema gives no example.
fn valid_text(name: &str, schema: &Value) -> Value {
    let text = match (name, schema["format"].as_str()) {
        (_, Some("date-time")) | ("since" | "until" | "expires_at", _) => "2026-11-23T00:00:00Z",
        (_, Some("date")) | ("from" | "to" | "payment_due" | "date", _) => TODAY,
        (_, Some("uuid")) => "0192f5d2-0000-7000-8000-000000000000",
        ("cuit" | "issuer_cuit", _) => RI_CUIT,
        ("url", _) => "https://erp.example.com/hooks/arca",
        ("scopes", _) => "invoices:read",
        ("event_types", _) => "invoice.authorized",
        ("iva_condition", _) => "responsable_inscripto",
        ("quantity" | "unit_price" | "base" | "amount", _) => "1.00",
        ("certificate", _) => "-----BEGIN CERTIFICATE-----",
        _ => "Test",
    };
    json!(text)
}

/// A valid value of `schema` (at key `name`): its required fields only.
fn valid(doc: &Value, name: &str, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match kind(schema) {
        "object" => {
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            let fields = required.iter().filter_map(Value::as_str).map(|key| {
                let property = &schema["properties"][key];
                (key.to_owned(), valid(doc, key, property))
            });
            Value::Object(fields.collect())
        }
        "array" => json!([valid(doc, name, &schema["items"])]),
        "integer" | "number" => json!(schema["minimum"].as_i64().unwrap_or(0).max(1)),
        "boolean" => json!(false),
        _ => valid_text(name, schema),
    }
}

/// A valid value of `schema` but for [`NUL`] at `steps`.
fn with_nul(doc: &Value, name: &str, schema: &Value, steps: &[Step]) -> Value {
    let Some((step, rest)) = steps.split_first() else {
        return json!(NUL);
    };
    let schema = resolve(doc, schema);
    match step {
        Step::Key(key) => {
            let mut object = match valid(doc, name, schema) {
                Value::Object(object) => object,
                _ => Map::new(),
            };
            let inner = with_nul(doc, key, &schema["properties"][key], rest);
            object.insert(key.clone(), inner);
            Value::Object(object)
        }
        Step::Index => json!([with_nul(doc, name, &schema["items"], rest)]),
    }
}

/// Every value of `schema`, by its steps from the body's root.
fn values(doc: &Value, schema: &Value, at: &mut Vec<Step>, into: &mut Vec<Vec<Step>>) {
    let schema = resolve(doc, schema);
    match kind(schema) {
        "object" => {
            let properties = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for (key, property) in &properties {
                at.push(Step::Key(key.clone()));
                values(doc, property, at, into);
                at.pop();
            }
        }
        "array" => {
            at.push(Step::Index);
            values(doc, &schema["items"], at, into);
            at.pop();
        }
        _ => into.push(at.clone()),
    }
}

/// One request: NUL in `field`.
struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    field: String,
}

/// `template` with its path parameters filled with valid values.
fn fill_path(template: &str) -> String {
    template
        .replace("{id}", "0192f5d2-0000-7000-8000-000000000000")
        .replace("{cuit}", RI_CUIT)
        .replace("{point_of_sale}", "1")
        .replace("{voucher_type}", "6")
}

/// Every case of the document.
fn cases(doc: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (template, item) in &paths {
        let operations = item.as_object().cloned().unwrap_or_default();
        for (method, operation) in &operations {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let path = fill_path(template);
            assert!(
                !path.contains('{'),
                "a path parameter left unfilled: {path}"
            );
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters.iter().filter(|p| p["in"] == "query") {
                let name = parameter["name"].as_str().unwrap_or_default();
                cases.push(Case {
                    method: method.clone(),
                    path: format!("{path}?{name}=a%00b"),
                    body: None,
                    field: name.to_owned(),
                });
            }
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            if body.is_null() {
                continue;
            }
            let mut found = Vec::new();
            values(doc, body, &mut Vec::new(), &mut found);
            for steps in found {
                cases.push(Case {
                    method: method.clone(),
                    path: path.clone(),
                    body: Some(with_nul(doc, "", body, &steps)),
                    field: shown(&steps),
                });
            }
        }
    }
    cases
}

/// What is wrong with the answer to `case`, if anything.
async fn check(app: &TestApp, case: &Case) -> Option<String> {
    let answer = app
        .call_as(
            &app.key,
            case.method.clone(),
            &case.path,
            case.body.clone(),
            &[],
        )
        .await;
    let named = answer.body["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e["field"] == case.field.as_str() && e["code"] == "invalid_character")
    });
    let code_ok = matches!(answer.code(), "invalid_character" | "validation_failed");
    (answer.status != StatusCode::UNPROCESSABLE_ENTITY || !named || !code_ok).then(|| {
        format!(
            "{} {} (NUL in `{}`): {} {}",
            case.method, case.path, case.field, answer.status, answer.body
        )
    })
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn nul_in_any_value_of_any_operation_is_422_invalid_character_naming_it(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let doc = api::openapi::document();
    let cases = cases(doc);
    // The walk reaches nested objects, arrays and query parameters.
    for expected in [
        "items[0].description",
        "receiver.name",
        "receiver_name",
        "url",
    ] {
        assert!(
            cases.iter().any(|c| c.field == expected),
            "no case for `{expected}`"
        );
    }
    assert!(
        cases.iter().any(|c| c.path.ends_with("/rotate-secret")),
        "no case for rotate-secret"
    );
    let mut wrong = Vec::new();
    for case in &cases {
        if let Some(problem) = check(&app, case).await {
            wrong.push(problem);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases were not refused as invalid_character:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

//! What a request value must be, in the user's words: a body that does not fit its type, or a
//! path parameter that does not parse, is explained from the OpenAPI document (the same one
//! clients generate code from), never with the server's own type names. Text Postgres cannot
//! store (the NUL character) is refused here too, with the field named.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, FieldError};
use super::openapi;

/// The pattern of a decimal amount sent as a string (`"2"`, `"-1210.50"`), as the document
/// states it.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$";

/// `raw` as a `T`, the body schema named `schema` in the document; or a `422` naming every NUL
/// character, else the first field that does not fit and what it must be.
///
/// # Errors
/// `invalid_character` for NUL in text, `required`, `unknown_field` or `invalid_type`.
pub fn body<T: DeserializeOwned>(mut raw: Value, schema: &str) -> Result<T, ApiError> {
    let mut nul = Vec::new();
    prepare(&mut raw, &mut String::new(), &mut nul);
    if !nul.is_empty() {
        return Err(ApiError::validation(
            nul.into_iter().map(nul_error).collect(),
        ));
    }
    let is_object = |s: &Value| s.get("type").and_then(Value::as_str) == Some("object");
    if !raw.is_object() && schema_at(schema, &[]).is_some_and(is_object) {
        // serde would read a list as the object's fields in order.
        let sentence = format!("the body must be a JSON object, not {}", kind(&raw));
        return Err(ApiError::validation(vec![FieldError {
            field: "body".to_owned(),
            code: "invalid_type".to_owned(),
            detail: format!("must be a JSON object, not {}", kind(&raw)),
        }])
        .with_detail(sentence));
    }
    serde_path_to_error::deserialize(&raw).map_err(|error| {
        let path = field_path(error.path());
        type_error(&raw, schema, &path, &error.inner().to_string())
    })
}

/// The error of `field` holding a NUL character.
pub fn nul_error(field: String) -> FieldError {
    FieldError {
        field,
        code: "invalid_character".to_owned(),
        detail: "must not contain the NUL character (\\u0000)".to_owned(),
    }
}

/// `400 invalid_path_parameter`: `name` is `value`, which is not what the path takes there.
pub fn path_error(name: &str, value: &str) -> ApiError {
    let expected = path_parameter(name).map_or_else(|| "a valid value".to_owned(), describe);
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path_parameter",
        format!("`{name}` in the path must be {expected}; `{value}` is not"),
    )
}

/// `400 invalid_path_parameter` for a path that did not parse; `names` are the route's
/// parameters in order (for parameters read by position).
pub fn path_rejection(rejection: &PathRejection, names: &[String]) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        return ApiError::internal(anyhow::anyhow!(
            "path parameters: {}",
            rejection.body_text()
        ));
    };
    let (key, value) = match failed.kind() {
        ErrorKind::ParseErrorAtKey { key, value, .. }
        | ErrorKind::DeserializeError { key, value, .. } => (key.as_str(), value.as_str()),
        ErrorKind::ParseErrorAtIndex { index, value, .. } => {
            (names.get(*index).map_or("", String::as_str), value.as_str())
        }
        ErrorKind::InvalidUtf8InPathParam { key } => (key.as_str(), "(not UTF-8)"),
        _ => ("", ""),
    };
    if key.is_empty() {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path_parameter",
            "a parameter in the path is not of the kind this route takes",
        );
    }
    path_error(key, value)
}

/// `400 invalid_query`: the query string is not percent-encoded UTF-8 `name=value` pairs.
pub fn unreadable_query() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "the query string cannot be read: write it as `name=value` pairs joined by `&`, \
         percent-encoded UTF-8",
    )
}

/// The names of query parameters whose value (or name) holds a NUL character (`%00`).
pub fn nul_in_query(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter(|pair| pair.to_ascii_lowercase().contains("%00"))
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            if name.to_ascii_lowercase().contains("%00") {
                "query".to_owned()
            } else {
                name.to_owned()
            }
        })
        .collect()
}

/// The query parameters `query` holds that the operation `method path` (a route template) does
/// not take, by the document.
pub fn unknown_in_query(method: &str, path: &str, query: &str) -> Vec<String> {
    let Some(parameters) = openapi::document()
        .pointer(&format!(
            "/paths/{}/{}/parameters",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_ascii_lowercase()
        ))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let known: Vec<&str> = parameters
        .iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| p.get("name").and_then(Value::as_str))
        .collect();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split('=').next().unwrap_or_default())
        .filter(|name| !known.contains(name))
        .map(str::to_owned)
        .collect()
}

/// Readies a body in one walk: records the path of every string (or key) holding a NUL
/// character, and writes numbers such as `3.0` as the whole numbers they are (JSON Schema counts
/// them as integers, and so does this API).
fn prepare(value: &mut Value, path: &mut String, nul: &mut Vec<String>) {
    match value {
        Value::String(text) if text.contains('\0') => nul.push(shown(path)),
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0)
                && f.abs() < 9.0e15
            {
                #[expect(clippy::cast_possible_truncation, reason = "whole and within 2^53")]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                prepare(item, path, nul);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                if key.contains('\0') {
                    path.push_str(&key.replace('\0', "\\u0000"));
                    nul.push(shown(path));
                } else {
                    path.push_str(key);
                    prepare(item, path, nul);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

/// One step into a body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn field_path(path: &serde_path_to_error::Path) -> Vec<Step> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

fn display(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    shown(&text)
}

/// The 422 for a body that does not fit its type at `path`, from serde's `message`, which is
/// read for its kind only (its wording names the server's types).
fn type_error(raw: &Value, root: &str, path: &[Step], message: &str) -> ApiError {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let (field, code, detail) = if let Some(name) = quoted("missing field `") {
        let mut inner = path.to_vec();
        inner.push(Step::Key(name));
        (display(&inner), "required", "is required".to_owned())
    } else if let Some(name) = quoted("unknown field `") {
        // The path already ends at the unknown key; its object is one step up.
        let mut inner = path.to_vec();
        if inner.last() == Some(&Step::Key(name.clone())) {
            inner.pop();
        }
        let known = schema_at(root, &inner)
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|p| {
                p.keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|list| !list.is_empty());
        inner.push(Step::Key(name));
        let detail = match known {
            Some(list) => format!("is not a field here; the fields are {list}"),
            None => "is not a field here".to_owned(),
        };
        (display(&inner), "unknown_field", detail)
    } else {
        let expected = schema_at(root, path).map_or_else(|| "of another kind".to_owned(), describe);
        let got = value_at(raw, path).map(kind).unwrap_or("nothing");
        (
            display(path),
            "invalid_type",
            format!("must be {expected}, not {got}"),
        )
    };
    let sentence = format!("`{field}` {detail}");
    ApiError::validation(vec![FieldError {
        field,
        code: code.to_owned(),
        detail,
    }])
    .with_detail(sentence)
}

fn value_at<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(index) => value.get(index),
    })
}

/// A JSON value's kind, in words.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a true/false value",
        Value::Number(n) if n.is_f64() => "a number with decimals",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Follows `$ref`s and the `null` branch of optional values to the schema that says something.
fn resolve(schema: &'static Value) -> Option<&'static Value> {
    let mut current = schema;
    for _ in 0..16 {
        if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            current = openapi::document().pointer(reference.strip_prefix('#')?)?;
            continue;
        }
        let branches = ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|k| current.get(*k).and_then(Value::as_array));
        if let Some(branches) = branches {
            current = branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))?;
            continue;
        }
        return Some(current);
    }
    None
}

/// The schema of the value at `path` in the body schema named `root`.
fn schema_at(root: &str, path: &[Step]) -> Option<&'static Value> {
    let mut schema = resolve(
        openapi::document()
            .get("components")?
            .get("schemas")?
            .get(root)?,
    )?;
    for step in path {
        let next = match step {
            Step::Key(key) => schema.get("properties")?.get(key)?,
            Step::Index(_) => schema.get("items")?,
        };
        schema = resolve(next)?;
    }
    Some(schema)
}

/// The schema of the path parameter `name` (the first operation declaring it).
fn path_parameter(name: &str) -> Option<&'static Value> {
    openapi::document()
        .get("paths")?
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("parameters").and_then(Value::as_array))
        .flatten()
        .find(|p| {
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        })
        .and_then(|p| resolve(p.get("schema")?))
}

/// What a (resolved) schema admits, in words: "a whole number from 0 to 65535", "a decimal number as a
/// string, e.g. \"2\"", "one of `a`, `b`".
fn describe(schema: &Value) -> String {
    let example = schema
        .get("example")
        .or_else(|| schema.get("examples").and_then(|e| e.get(0)))
        .map(|e| match e {
            Value::String(s) => format!(", e.g. \"{s}\""),
            other => format!(", e.g. {other}"),
        })
        .unwrap_or_default();
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let listed: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => format!("\"{s}\""),
                other => other.to_string(),
            })
            .collect();
        return format!("one of {}", listed.join(", "));
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or_default(),
        Some(Value::String(kind)) => kind.as_str(),
        _ => "",
    };
    let number = |key: &str| schema.get(key).and_then(Value::as_i64);
    match kind {
        "integer" => match (number("minimum"), number("maximum")) {
            (Some(min), Some(max)) => format!("a whole number from {min} to {max}{example}"),
            (Some(min), None) => format!("a whole number of at least {min}{example}"),
            _ => format!("a whole number{example}"),
        },
        "number" => format!("a number{example}"),
        "boolean" => "true or false".to_owned(),
        "array" => "a list".to_owned(),
        "object" => "an object".to_owned(),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => "a UUID such as \"0190b3a2-7c4e-7d1a-9f3e-2b8c5d6e7f80\"".to_owned(),
            Some("date") => format!("a date written YYYY-MM-DD{example}"),
            Some("date-time") => {
                "a date and time in RFC 3339, e.g. \"2026-11-23T15:04:05Z\"".to_owned()
            }
            Some("uri") => "an absolute URL such as \"https://example.com/hooks\"".to_owned(),
            _ if schema.get("pattern").and_then(Value::as_str) == Some(DECIMAL_PATTERN) => {
                let example = if example.is_empty() {
                    ", e.g. \"2\"".to_owned()
                } else {
                    example
                };
                format!("a decimal number as a string{example}")
            }
            _ => match number("maxLength") {
                Some(max) => format!("text of at most {max} characters{example}"),
                None => format!("text{example}"),
            },
        },
        _ => format!("a value of the documented kind{example}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoices::body::RequestInvoiceBody;

    fn refusal(body: Value) -> (String, Vec<FieldError>) {
        let error =
            super::body::<RequestInvoiceBody>(body, "RequestInvoiceBody").expect_err("refused");
        let errors = error.field_errors().to_vec();
        let (_, problem) = error.into_problem();
        (problem.detail, errors)
    }

    fn invoice() -> Value {
        serde_json::json!({
            "issuer_cuit": "20267565393", "point_of_sale": 1, "voucher_type": 6, "concept": 1,
            "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
            "items": [{"description": "Mate", "quantity": "2", "unit_price": "10", "iva_rate": "21"}]
        })
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_field_and_says_what_it_must_be() {
        let mut body = invoice();
        body["items"][0]["quantity"] = serde_json::json!(true);
        let (detail, errors) = refusal(body);
        assert_eq!(
            detail,
            "`items[0].quantity` must be a decimal number as a string, e.g. \"1210.50\", not a true/false value"
        );
        assert_eq!(errors[0].field, "items[0].quantity");
        assert_eq!(errors[0].code, "invalid_type");

        let mut body = invoice();
        body["voucher_type"] = serde_json::json!("six");
        let (detail, _) = refusal(body);
        assert!(
            detail.starts_with("`voucher_type` must be a whole number"),
            "{detail}"
        );
        for rust in ["u16", "u32", "u8", "Decimal", "struct", "sequence"] {
            assert!(!detail.contains(rust), "{detail}");
        }
    }

    #[test]
    fn missing_and_unknown_fields_are_named_with_their_path() {
        let mut body = invoice();
        body["receiver"]
            .as_object_mut()
            .expect("object")
            .remove("iva_condition");
        let (detail, errors) = refusal(body);
        assert_eq!(detail, "`receiver.iva_condition` is required");
        assert_eq!(errors[0].code, "required");

        let mut body = invoice();
        body["items"][0]["colour"] = serde_json::json!("red");
        let (_, errors) = refusal(body);
        assert_eq!(errors[0].field, "items[0].colour");
        assert_eq!(errors[0].code, "unknown_field");
        assert!(errors[0].detail.contains("`description`"), "{errors:?}");
    }

    #[test]
    fn nul_in_any_text_is_refused_with_every_field_named() {
        let mut body = invoice();
        body["receiver"]["name"] = serde_json::json!("Ana\u{0}");
        body["items"][0]["description"] = serde_json::json!("\u{0}");
        let (_, errors) = refusal(body);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["items[0].description", "receiver.name"]);
        assert!(errors.iter().all(|e| e.code == "invalid_character"));
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_are_whole_numbers() {
        let mut body = invoice();
        body["point_of_sale"] = serde_json::json!(1.0);
        let read = super::body::<RequestInvoiceBody>(body, "RequestInvoiceBody").expect("read");
        assert_eq!(read.point_of_sale, 1);
        let mut body = invoice();
        body["point_of_sale"] = serde_json::json!(1.5);
        let (detail, _) = refusal(body);
        assert!(
            detail.starts_with("`point_of_sale` must be a whole number"),
            "{detail}"
        );
    }

    #[test]
    fn nul_in_a_query_names_the_parameter() {
        assert_eq!(
            nul_in_query("status=authorized&receiver_name=a%00b&limit=5"),
            ["receiver_name"]
        );
        assert!(nul_in_query("receiver_name=a%2500").is_empty());
    }

    #[test]
    fn query_parameters_an_operation_does_not_take_are_named() {
        assert_eq!(
            unknown_in_query("GET", "/v1/invoices", "status=authorized&stauts=x&limit=5"),
            ["stauts"]
        );
        assert!(unknown_in_query("GET", "/v1/invoices", "").is_empty());
    }

    #[test]
    fn a_malformed_path_parameter_says_what_it_must_be() {
        let (status, problem) = path_error("id", "null,null").into_problem();
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem.code, "invalid_path_parameter");
        assert!(
            problem.detail.contains("must be a UUID"),
            "{}",
            problem.detail
        );
    }
}

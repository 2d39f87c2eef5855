//! A conformance check for the subset of JSON Schema draft-07 that schemars emits: `$ref` into
//! `definitions`, `allOf`/`anyOf`/`oneOf`, `type`, `enum`, `properties`/`required` (and no
//! properties beyond those listed), `items`, `minimum`, the `date`/`date-time` formats and the
//! handful of `pattern`s our value types declare. A full validator crate (`jsonschema`) was left
//! out to keep the dev tree small; it passed the same examples when tried.

use serde_json::Value;

/// Every way `data` departs from `schema`, as `path: problem`.
pub fn conformance(schema: &Value, data: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, schema, data, "$", &mut errors);
    errors
}

fn check(root: &Value, schema: &Value, data: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.trim_start_matches("#/definitions/");
        return match root.pointer(&format!("/definitions/{name}")) {
            Some(def) => check(root, def, data, path, errors),
            None => errors.push(format!("{path}: unresolved {target}")),
        };
    }
    for all in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(root, all, data, path, errors);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = |o: &Value| conformance_at(root, o, data).is_empty();
            if !options.iter().any(fits) {
                errors.push(format!("{path}: matches no {key} option"));
            }
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(data)
    {
        errors.push(format!("{path}: {data} is not one of {values:?}"));
    }
    if let Some(kind) = schema.get("type")
        && !type_matches(kind, data)
    {
        return errors.push(format!("{path}: {data} is not of type {kind}"));
    }
    check_value(root, schema, data, path, errors);
}

fn conformance_at(root: &Value, schema: &Value, data: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(root, schema, data, "", &mut errors);
    errors
}

fn check_value(root: &Value, schema: &Value, data: &Value, path: &str, errors: &mut Vec<String>) {
    match data {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = name.as_str().filter(|n| !map.contains_key(*n)) {
                    errors.push(format!("{path}: missing {name}"));
                }
            }
            for (key, value) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(sub) => check(root, sub, value, &format!("{path}.{key}"), errors),
                    None if properties.is_some() => {
                        errors.push(format!("{path}: unexpected {key}"))
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(root, sub, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        Value::String(text) => check_string(schema, text, path, errors),
        Value::Number(n) => {
            let below = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .zip(n.as_f64())
                .is_some_and(|(m, v)| v < m);
            if below {
                errors.push(format!("{path}: {n} is below the minimum"));
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

fn check_string(schema: &Value, text: &str, path: &str, errors: &mut Vec<String>) {
    let format_ok = match schema.get("format").and_then(Value::as_str) {
        Some("date") => crate::values::date::parse(text).is_ok(),
        Some("date-time") => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .is_ok()
        }
        _ => true,
    };
    if !format_ok {
        errors.push(format!(
            "{path}: `{text}` does not have the declared format"
        ));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match matches_pattern(pattern, text) {
            Some(true) => {}
            Some(false) => errors.push(format!("{path}: `{text}` does not match {pattern}")),
            None => errors.push(format!(
                "{path}: teach the conformance check the pattern {pattern}"
            )),
        }
    }
}

fn type_matches(kind: &Value, data: &Value) -> bool {
    let one = |k: &Value| match k.as_str() {
        Some("object") => data.is_object(),
        Some("array") => data.is_array(),
        Some("string") => data.is_string(),
        Some("integer") => data.is_u64() || data.is_i64(),
        Some("number") => data.is_number(),
        Some("boolean") => data.is_boolean(),
        Some("null") => data.is_null(),
        _ => false,
    };
    match kind {
        Value::Array(kinds) => kinds.iter().any(one),
        k => one(k),
    }
}

/// The patterns our value types declare, as plain code.
fn matches_pattern(pattern: &str, text: &str) -> Option<bool> {
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    Some(match pattern {
        "^[0-9]{11}$" => digits(text, 11, 11),
        "^[0-9a-f]{64}$" => {
            text.len() == 64
                && text
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }
        r"^[0-9]{1,13}\.[0-9]{2}$" => digits(int, 1, 13) && frac.is_some_and(|f| digits(f, 2, 2)),
        r"^-?[0-9]+(\.[0-9]+)?$" => {
            digits(int.strip_prefix('-').unwrap_or(int), 1, usize::MAX)
                && frac.is_none_or(|f| digits(f, 1, usize::MAX))
        }
        r"^[0-9]+(\.[0-9]{1,6})?$" => {
            digits(int, 1, usize::MAX) && frac.is_none_or(|f| digits(f, 1, 6))
        }
        p if p == crate::values::email::PATTERN => {
            crate::values::EmailAddress::parse(text).is_ok_and(|address| address.as_str() == text)
        }
        _ => return None,
    })
}

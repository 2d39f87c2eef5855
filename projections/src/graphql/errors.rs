//! Every GraphQL error carries a stable snake_case `extensions.code` (the same codes as the REST
//! problem documents where they overlap). A read the database could not answer is
//! `service_unavailable`; other failures of ours are logged here and answered opaquely.

use async_graphql::{ErrorExtensions as _, Response, ServerError, Value};

/// `extensions.code` of a malformed or invalid argument.
pub const INVALID_ARGUMENT: &str = "invalid_argument";
/// `extensions.code` of text holding the NUL character (`\u0000`), which no argument may hold
/// (the code the REST API gives the same problem).
pub const INVALID_CHARACTER: &str = "invalid_character";
/// `extensions.code` of a pagination cursor this server did not hand out.
pub const INVALID_CURSOR: &str = "invalid_cursor";
/// `extensions.code` of a failure of ours; the message says nothing more.
pub const INTERNAL: &str = "internal";
/// `extensions.code` of a query nested deeper than the configured limit.
pub const QUERY_TOO_DEEP: &str = "query_too_deep";
/// `extensions.code` of a query costlier than the configured complexity limit.
pub const QUERY_TOO_COMPLEX: &str = "query_too_complex";
/// `extensions.code` of a query that does not parse or does not fit the schema.
pub const INVALID_QUERY: &str = "invalid_query";
/// `extensions.code` of a request without an authenticated tenant.
pub const UNAUTHORIZED: &str = "unauthorized";
/// `extensions.code` of a read the database could not answer in time (no connection free, the
/// database unreachable, a statement past its timeout); retrying later is safe. The HTTP route
/// answers such a response `503` with `Retry-After`, as the REST API does.
pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";

/// An error with `code` in its extensions.
pub fn coded(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

/// An invalid argument: `invalid_argument`, naming the argument.
pub fn invalid_argument(argument: &str, detail: impl std::fmt::Display) -> async_graphql::Error {
    coded(INVALID_ARGUMENT, format!("{argument}: {detail}"))
}

/// A read that failed because of `cause`: `service_unavailable` when the database could not
/// answer ([`infra::unavailable::unavailable_in_chain`]), else `internal` with an opaque message.
/// The cause is logged either way.
pub fn failed(cause: &(dyn std::error::Error + 'static)) -> async_graphql::Error {
    if infra::unavailable::unavailable_in_chain(cause) {
        tracing::warn!(error = %infra::Causes(cause), "graphql resolver: database unavailable");
        return coded(
            SERVICE_UNAVAILABLE,
            "the database could not answer in time; retry later",
        );
    }
    tracing::error!(error = %infra::Causes(cause), "graphql resolver failed");
    coded(INTERNAL, "the server failed to answer; it has been logged")
}

/// Whether `response` failed for want of the database: one of its errors is
/// [`SERVICE_UNAVAILABLE`].
pub fn is_unavailable(response: &Response) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some_and(|code| *code == Value::from(SERVICE_UNAVAILABLE))
    })
}

/// Gives every error of `response` an `extensions.code`: the engine's own errors (parse,
/// validation, limits, argument coercion) get one from what they are; ours already have one.
pub fn stamp_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = code_of(error);
            if code == QUERY_TOO_COMPLEX {
                error.message = TOO_COMPLEX.to_owned();
            } else {
                error.message = shorten_quotes(&error.message);
            }
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", Value::from(code));
        }
    }
    response
}

/// What a query over the complexity budget is told.
const TOO_COMPLEX: &str = "the query costs more than this server allows: a page costs its size \
     (`first`) times the fields asked of each row, `analytics` the days of its range times the \
     figures asked, `ivaSalesBook` 31 times its fields, an invoice's `events` 10 times and its \
     `evidence` 4 times theirs; aliases add up. Ask for fewer rows, a shorter range or fewer \
     fields, or split the query";

/// The longest name quoted back from a query in an engine error (`Unknown field "…"`,
/// `Unknown operation named "…"`): past it the name is cut, so an error never echoes a query.
const QUOTED_MAX: usize = 64;

/// `message` with every double-quoted name longer than [`QUOTED_MAX`] characters cut to it,
/// followed by `…`.
fn shorten_quotes(message: &str) -> String {
    let mut shortened = String::with_capacity(message.len().min(512));
    for (index, part) in message.split('"').enumerate() {
        if index > 0 {
            shortened.push('"');
        }
        if index % 2 == 1 && part.chars().count() > QUOTED_MAX {
            shortened.extend(part.chars().take(QUOTED_MAX));
            shortened.push('…');
        } else {
            shortened.push_str(part);
        }
    }
    shortened
}

fn code_of(error: &ServerError) -> &'static str {
    match error.message.as_str() {
        "Query is nested too deep." => QUERY_TOO_DEEP,
        "Query is too complex." => QUERY_TOO_COMPLEX,
        // Raised while executing a field: an argument that did not coerce to its type.
        _ if !error.path.is_empty() => INVALID_ARGUMENT,
        m if m.starts_with("Invalid value for argument") || m.starts_with("Failed to parse") => {
            INVALID_ARGUMENT
        }
        _ => INVALID_QUERY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(response: &Response) -> Option<String> {
        let ext = response.errors[0].extensions.as_ref()?;
        match ext.get("code")? {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn engine_errors_get_a_code_from_what_they_are() {
        for (message, expected) in [
            ("Query is nested too deep.", QUERY_TOO_DEEP),
            ("Query is too complex.", QUERY_TOO_COMPLEX),
            ("Unknown field \"x\" on type \"Query\".", INVALID_QUERY),
        ] {
            let response =
                stamp_codes(Response::from_errors(vec![ServerError::new(message, None)]));
            assert_eq!(code(&response).as_deref(), Some(expected), "{message}");
        }
    }

    #[test]
    fn names_quoted_back_are_cut_short() {
        let long = "x".repeat(10_000);
        let message = format!("Unknown operation named \"{long}\".");
        let response = stamp_codes(Response::from_errors(vec![ServerError::new(message, None)]));
        let shown = &response.errors[0].message;
        assert!(shown.chars().count() < 100, "{shown}");
        assert!(
            shown.starts_with("Unknown operation named \"xxx"),
            "{shown}"
        );
        let short = "Unknown field \"x\" on type \"Query\".";
        let response = stamp_codes(Response::from_errors(vec![ServerError::new(short, None)]));
        assert_eq!(response.errors[0].message, short);
    }

    #[test]
    fn codes_set_by_resolvers_are_kept() {
        let error = coded(INVALID_CURSOR, "bad cursor").into_server_error(Default::default());
        let response = stamp_codes(Response::from_errors(vec![error]));
        assert_eq!(code(&response).as_deref(), Some(INVALID_CURSOR));
    }
}

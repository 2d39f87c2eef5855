//! The parse step of every request, where two refusals are made once for the whole schema:
//! text holding the NUL character (`\u0000`), which Postgres can neither store nor compare, is
//! refused in any argument, variable or variable default before a resolver sees it
//! (`invalid_character`, naming each argument); and a query that does not parse is told where and
//! why without its own text, which the parser would otherwise quote back.

use std::{collections::BTreeSet, convert::Infallible, sync::Arc};

use async_graphql::{
    ErrorExtensions as _, Name, Pos, Positioned, ServerError, ServerResult, Value, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet},
};

use super::errors;

/// The extension; add it with `SchemaBuilder::extension(Parsing)`.
pub(super) struct Parsing;

impl ExtensionFactory for Parsing {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Parsing)
    }
}

#[async_trait::async_trait]
impl Extension for Parsing {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(without_the_query)?;
        let found = nul_arguments(&document, variables);
        if found.is_empty() {
            Ok(document)
        } else {
            Err(refusal(&found))
        }
    }
}

/// A parse error told by its place and reason only: the parser's message quotes the query's line
/// (which may be the whole query) with a caret under the error, then `= <reason>`.
fn without_the_query(mut error: ServerError) -> ServerError {
    if error.message.contains('\n') {
        let reason = error
            .message
            .lines()
            .last()
            .and_then(|line| line.trim_start().strip_prefix("= "))
            .unwrap_or("unexpected input")
            .to_owned();
        let at = error.locations.first().map_or_else(String::new, |pos| {
            format!(" at line {}, column {}", pos.line, pos.column)
        });
        error.message = format!("the query is not valid GraphQL{at}: {reason}");
    }
    error
}

/// Each argument holding a NUL character, by its path (`filter.receiverName`, `ids[2]`; `$name…`
/// for a variable no argument uses), with where it is written. Variables are looked at through
/// the arguments that use them, so the error names what the client passed them as.
fn nul_arguments(document: &ExecutableDocument, variables: &Variables) -> Vec<(String, Pos)> {
    let defaults: Vec<(&Name, &Value)> = document
        .operations
        .iter()
        .flat_map(|(_, operation)| &operation.node.variable_definitions)
        .filter_map(|definition| {
            let default = definition.node.default_value.as_ref()?;
            Some((&definition.node.name.node, &default.node))
        })
        .collect();
    let mut used = BTreeSet::new();
    let mut value_of = |name: Name| {
        let value = variables
            .get(&name)
            .or_else(|| defaults.iter().find(|(n, _)| **n == name).map(|(_, v)| *v))
            .cloned()
            .unwrap_or(Value::Null);
        used.insert(name);
        Ok::<_, Infallible>(value)
    };
    let mut fields = Vec::new();
    for (_, operation) in document.operations.iter() {
        collect(&operation.node.selection_set, &mut fields);
    }
    for fragment in document.fragments.values() {
        collect(&fragment.node.selection_set, &mut fields);
    }
    let mut found = Vec::new();
    for (name, value) in fields.iter().flat_map(|field| &field.node.arguments) {
        let Ok(resolved) = value.node.clone().into_const_with(&mut value_of);
        walk(&resolved, name.node.to_string(), value.pos, &mut found);
    }
    let unsent = defaults
        .into_iter()
        .filter(|(name, _)| !variables.contains_key(*name));
    let unused = variables
        .iter()
        .chain(unsent)
        .filter(|(name, _)| !used.contains(*name));
    for (name, value) in unused {
        walk(value, format!("${name}"), Pos::default(), &mut found);
    }
    found
}

/// `invalid_character`, naming every argument in its message and in `extensions.arguments`.
fn refusal(found: &[(String, Pos)]) -> ServerError {
    let quoted: Vec<String> = found.iter().map(|(name, _)| format!("`{name}`")).collect();
    let message = format!(
        "{} must not contain the NUL character (\\u0000)",
        quoted.join(", ")
    );
    let names = Value::List(
        found
            .iter()
            .map(|(name, _)| Value::from(name.as_str()))
            .collect(),
    );
    let mut error = errors::coded(errors::INVALID_CHARACTER, message)
        .extend_with(|_, ext| ext.set("arguments", names.clone()))
        .into_server_error(Pos::default());
    error.locations = found
        .iter()
        .map(|(_, pos)| *pos)
        .filter(|pos| *pos != Pos::default())
        .collect();
    error
}

/// Every field of `set` and of the selections inside it.
fn collect<'a>(set: &'a Positioned<SelectionSet>, into: &mut Vec<&'a Positioned<Field>>) {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => {
                into.push(field);
                collect(&field.node.selection_set, into);
            }
            Selection::InlineFragment(fragment) => collect(&fragment.node.selection_set, into),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Records `path` for every string of `value` holding a NUL character.
fn walk(value: &Value, path: String, pos: Pos, found: &mut Vec<(String, Pos)>) {
    match value {
        Value::String(text) if text.contains('\0') => found.push((path, pos)),
        Value::List(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{index}]"), pos, found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                walk(item, format!("{path}.{key}"), pos, found);
            }
        }
        _ => {}
    }
}

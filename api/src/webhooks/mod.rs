//! `/v1/webhooks/subscriptions`: endpoints of the caller's tenant that receive signed webhooks.
//! Commands are decided on the subscription's stream; reads come from the subscriptions read
//! table, waiting (bounded) for `ARCA-Read-After` like the invoice reads. Another tenant's
//! subscription answers 404, as a missing one does.

pub mod body;
pub mod log;
pub mod log_body;
pub mod manage;
pub mod read;

use axum::http::{HeaderMap, HeaderValue, header};
use domain::{
    GlobalPosition, SubscriptionId,
    webhook::{EVENT_TYPES, Subscription, SubscriptionCommand},
};

use self::body::SubscriptionView;
use super::{
    error::ApiError,
    extract::CommandHeaders,
    fields::Fields,
    invoices::read::{POSITION, position_token},
    state::AppState,
};
use commands::{
    handler::{self, Command, EventIds, Executed},
    tenants::Principal,
    webhooks::check_url,
};

/// Runs a command on an existing subscription (`If-Match` honoured).
async fn run(
    state: &AppState,
    principal: &Principal,
    headers: &CommandHeaders,
    id: SubscriptionId,
    command: SubscriptionCommand,
) -> Result<Executed<Subscription>, ApiError> {
    let command = Command::<Subscription> {
        stream: Subscription::stream_id(id),
        command,
        metadata: headers.metadata(principal),
        expected: headers.if_match,
        fresh_stream: false,
        event_ids: EventIds::Fresh,
    };
    Ok(handler::execute(state.store(), state.metrics(), &state.context(), command).await?)
}

/// The command answer's view of the subscription (timestamps come with reads).
fn view(subscription: &Subscription, version: u64) -> SubscriptionView {
    SubscriptionView {
        id: subscription.id().map(|id| id.as_uuid()).unwrap_or_default(),
        url: subscription.url().to_owned(),
        event_types: subscription.event_types().to_vec(),
        description: subscription.description().map(str::to_owned),
        status: subscription
            .status()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_owned(),
        version,
        created_at: None,
        updated_at: None,
        disabled_at: None,
    }
}

/// `ETag`, and `ARCA-Position` when something was appended.
fn command_headers(executed: &Executed<Subscription>) -> HeaderMap {
    let mut headers = etag(executed.version.unwrap_or_default());
    let position: Option<GlobalPosition> = executed.outcome.as_ref().map(|o| o.position);
    if let Some(token) = position.and_then(|p| HeaderValue::from_str(&position_token(p)).ok()) {
        headers.insert(POSITION, token);
    }
    headers
}

fn etag(version: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers
}

/// Checks the URL against the deployment's rules; records the refusal in `fields`.
fn checked_url(state: &AppState, fields: &mut Fields, url: &str) -> Option<String> {
    match check_url(url, state.webhook_url_rules()) {
        Ok(url) => Some(url),
        Err((code, detail)) => {
            fields.add("url", code, detail);
            None
        }
    }
}

/// Records every event type that is not a public one.
fn check_event_types(fields: &mut Fields, types: &[String]) {
    for (i, name) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&name.as_str()) {
            fields.add(
                &format!("event_types[{i}]"),
                "unknown_event_type",
                format!("`{name}` is not one of {}", EVENT_TYPES.join(", ")),
            );
        }
    }
}

//! `/v1/invoices`: request an invoice, read its state, its history and its evidence.
//!
//! Idempotency: with an `Idempotency-Key`, the invoice id is derived from (tenant, key), and so are
//! the ids of its first events; the canonical request hash travels in the event metadata. A retry
//! finds the stream already there and gets the first answer again; a different body under the same
//! key is refused with `idempotency_key_reused`. No table of keys is needed, and the check is as
//! atomic as the append itself.

mod associated;
pub mod body;
pub mod evidence;
pub mod finals;
mod parse;
pub mod pdf;
pub mod prefer;
pub mod read;
pub mod rows;
pub mod view;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    Context, DomainError, EventMetadata, GlobalPosition, InvoiceId, RecordedEvent, TenantId,
    invoice::{Invoice, InvoiceCommand, InvoiceError, RequestInvoice},
    values::Cuit,
};
use eventstore::ReadOptions;
use uuid::Uuid;

use self::body::{InvoiceAccepted, RequestInvoiceBody};
use self::view::InvoiceEvents;
use super::{
    error::{ApiError, FieldError},
    extract::{ApiJson, ApiPath, CommandHeaders},
    state::AppState,
};
use commands::{
    handler::{self, Command, CommandError, EventIds, Executed},
    issuers::{self, Source},
    tenants::Principal,
};

/// Namespace of invoice ids derived from idempotency keys.
const IDEMPOTENT_INVOICE: Uuid = Uuid::from_u128(0x6a1c_3f2e_9b7d_4c1a_8e55_0d2b_7f41_c3a9);

/// Requests an invoice: validated against ARCA's rules, then recorded; ARCA is asked later.
#[utoipa::path(post, path = "/v1/invoices", operation_id = "request_invoice", tag = "invoices",
    params(("Idempotency-Key" = Option<crate::shapes::IdempotencyKey>, Header, nullable = false, description = "Makes retries safe: the same key and body return the first answer"),
           ("Prefer" = Option<crate::shapes::Text>, Header, nullable = false, description = "`wait=N` (N ≤ 30): wait up to N seconds for ARCA's answer")),
    request_body = RequestInvoiceBody,
    responses((status = 202, body = InvoiceAccepted, description = "Recorded; the CAE comes later",
               headers(("Location" = String, description = "The invoice's URL"),
                       ("ARCA-Position" = String, description = "Send back as `ARCA-Read-After` to read this write"))),
              (status = 201, body = view::InvoiceView, description = "Authorized within `Prefer: wait`: the invoice with its CAE"),
              (status = 200, body = view::InvoiceView, description = "Rejected by ARCA within `Prefer: wait`"),
              (status = 409, body = super::Problem), (status = 422, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.request", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn request(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    prefer: prefer::PreferWait,
    body: ApiJson<RequestInvoiceBody>,
) -> Result<Response, ApiError> {
    let tenant = principal.tenant_id;
    let (id, answer) = accept(&state, principal, &headers, body).await?;
    match prefer.0 {
        Some(wait) if answer.status() == StatusCode::ACCEPTED => {
            let decided = prefer::outcome_within(&state, tenant, id.as_uuid(), wait).await?;
            Ok(decided.unwrap_or(answer))
        }
        _ => Ok(answer),
    }
}

/// Records the request (or finds the one recorded under the same idempotency key): `202`.
async fn accept(
    state: &AppState,
    principal: Principal,
    headers: &CommandHeaders,
    ApiJson { value: body, hash }: ApiJson<RequestInvoiceBody>,
) -> Result<(InvoiceId, Response), ApiError> {
    let state = state.clone();
    let ctx = state.context();
    let parsed = parse::parse(body, ctx.now)?;
    let id = match &headers.idempotency_key {
        Some(key) => derived_id(principal.tenant_id, key),
        None => InvoiceId(Uuid::now_v7()),
    };
    if headers.idempotency_key.is_some()
        && let Some(answer) = replay(&state, principal.tenant_id, id, &hash).await?
    {
        return Ok((id, answer));
    }
    let result = decide(&state, &ctx, principal, headers, id, &hash, parsed).await?;
    let lost_race = match &result {
        Ok(done) => done.outcome.as_ref().is_some_and(|o| o.already_stored),
        Err(refusal) => matches!(
            refusal,
            CommandError::Rejected(DomainError::Invoice(InvoiceError::AlreadyRequested))
        ),
    };
    if lost_race && headers.idempotency_key.is_some() {
        // Another request with the same key got there first: answer as a replay of it.
        let answer = replay(&state, principal.tenant_id, id, &hash)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("invoice {id} vanished")))?;
        return Ok((id, answer));
    }
    let executed = result?;
    let requested = executed
        .state
        .request()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no invoice.requested after request")))?;
    let position = executed.outcome.map(|o| o.position);
    let answer = accepted_response(&view::accepted(requested), position, false);
    Ok((id, answer))
}

/// Decides the request against the issuer's snapshot (cached, and re-read when a refusal might be
/// due to a stale one) and appends it to the invoice's new stream.
async fn decide(
    state: &AppState,
    ctx: &Context,
    principal: Principal,
    headers: &CommandHeaders,
    id: InvoiceId,
    hash: &str,
    parsed: parse::Parsed,
) -> Result<Result<Executed<Invoice>, CommandError>, ApiError> {
    let issuers = state.issuers();
    let Some((snapshot, source)) = issuers.get(principal.tenant_id, parsed.issuer).await? else {
        return Err(issuer_not_registered(parsed.issuer));
    };
    let mut request = parsed.into_command(id, snapshot);
    associated::check(state, principal.tenant_id, &request).await?;
    let metadata = EventMetadata {
        actor: Some(principal.actor()),
        request_id: headers.request_id.clone(),
        correlation_id: headers.correlation_id,
        request_hash: Some(hash.to_owned()),
        traceparent: headers.traceparent.clone(),
        tracestate: headers.tracestate.clone(),
        ..EventMetadata::for_tenant(principal.tenant_id)
    };
    let event_ids = match headers.idempotency_key {
        Some(_) => EventIds::DerivedFrom(id.as_uuid()),
        None => EventIds::Fresh,
    };
    // The id is new (or its stream was just seen empty): no need to read the stream first.
    let command = |request: RequestInvoice| Command::<Invoice> {
        stream: Invoice::stream_id(id),
        command: InvoiceCommand::from(request),
        metadata: metadata.clone(),
        expected: None,
        fresh_stream: true,
        event_ids,
    };
    let result = handler::execute(
        state.store(),
        state.metrics(),
        ctx,
        command(request.clone()),
    )
    .await;
    if source == Source::Cache
        && result
            .as_ref()
            .is_err_and(issuers::stale_snapshot_could_explain)
    {
        // The cached issuer may be behind its stream (a point of sale added elsewhere).
        if let Some(fresh) = issuers
            .reload(principal.tenant_id, request.issuer.cuit)
            .await?
            && fresh != request.issuer
        {
            request.issuer = fresh;
            return Ok(
                handler::execute(state.store(), state.metrics(), ctx, command(request)).await,
            );
        }
    }
    Ok(result)
}

/// An invoice's full event history, with metadata: the audit view.
#[utoipa::path(get, path = "/v1/invoices/{id}/events", operation_id = "list_invoice_events", tag = "invoices",
    params(("id" = Uuid, Path, description = "The invoice id")),
    responses((status = 200, body = InvoiceEvents), (status = 404, body = super::Problem)),
    security(("api_key" = [])))]
#[tracing::instrument(name = "invoices.events", skip_all, fields(tenant = %principal.tenant_id))]
pub async fn events(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let events = history(&state, principal.tenant_id, InvoiceId(id)).await?;
    if events.is_empty() {
        return Err(ApiError::not_found("no such invoice"));
    }
    Ok(Json(InvoiceEvents { events }).into_response())
}

/// The invoice's stream within `tenant` (empty for another tenant's invoice).
pub(crate) async fn history(
    state: &AppState,
    tenant: TenantId,
    id: InvoiceId,
) -> Result<Vec<RecordedEvent>, ApiError> {
    state
        .store()
        .read_stream(tenant, &Invoice::stream_id(id), ReadOptions::default())
        .await
        .map_err(|e| ApiError::from(CommandError::from(e)))
}

/// The first answer again when the invoice of this idempotency key exists with the same request;
/// `idempotency_key_reused` when it exists with another; `None` when it does not exist yet.
async fn replay(
    state: &AppState,
    tenant: TenantId,
    id: InvoiceId,
    hash: &str,
) -> Result<Option<Response>, ApiError> {
    let events = history(state, tenant, id).await?;
    let Some(first) = events.first() else {
        return Ok(None);
    };
    if first.metadata.request_hash.as_deref() != Some(hash) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        ));
    }
    let (invoice, _) = handler::fold::<Invoice>(&events[..1])?;
    let requested = invoice
        .request()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("invoice {id} has no request")))?;
    Ok(Some(accepted_response(
        &view::accepted(requested),
        Some(first.position),
        true,
    )))
}

pub(crate) fn issuer_not_registered(cuit: Cuit) -> ApiError {
    ApiError::validation(vec![FieldError {
        field: "issuer_cuit".to_owned(),
        code: "issuer_not_registered".to_owned(),
        detail: format!("{cuit} is not registered: POST /v1/taxpayers first"),
    }])
}

/// `202` with the invoice's location and the log position a read can wait for
/// (`ARCA-Position`, see [`read`]).
fn accepted_response(
    body: &InvoiceAccepted,
    position: Option<GlobalPosition>,
    replayed: bool,
) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/invoices/{}", body.id)) {
        headers.insert(header::LOCATION, location);
    }
    if let Some(token) = position.and_then(|p| HeaderValue::from_str(&read::position_token(p)).ok())
    {
        headers.insert(read::POSITION, token);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    (StatusCode::ACCEPTED, headers, Json(body)).into_response()
}

fn derived_id(tenant: TenantId, key: &str) -> InvoiceId {
    let name = format!("{}\u{0}{key}", tenant.as_uuid());
    InvoiceId(Uuid::new_v5(&IDEMPOTENT_INVOICE, name.as_bytes()))
}

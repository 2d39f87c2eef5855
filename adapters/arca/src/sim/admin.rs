//! Admin endpoints: faults, clock, seeds, ledger.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use super::SimState;
use super::faults::FaultSpec;

pub fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/admin/faults", get(list_faults).delete(clear_faults))
        .route(
            "/admin/faults/{operation}",
            put(set_fault).post(queue_fault),
        )
        .route("/admin/clock", put(set_clock).delete(reset_clock))
        .route("/admin/ledger", get(ledger))
        .route("/admin/seed", post(seed))
}

async fn list_faults(State(s): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(s.faults.list()).unwrap_or_default())
}

async fn clear_faults(State(s): State<Arc<SimState>>) -> StatusCode {
    s.faults.clear();
    StatusCode::NO_CONTENT
}

async fn set_fault(
    State(s): State<Arc<SimState>>,
    Path(op): Path<String>,
    Json(spec): Json<FaultSpec>,
) -> StatusCode {
    s.faults.set(&op, spec);
    StatusCode::NO_CONTENT
}

async fn queue_fault(
    State(s): State<Arc<SimState>>,
    Path(op): Path<String>,
    Json(spec): Json<FaultSpec>,
) -> StatusCode {
    s.faults.push(&op, spec);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ClockBody {
    #[serde(with = "time::serde::rfc3339")]
    now: OffsetDateTime,
}

async fn set_clock(State(s): State<Arc<SimState>>, Json(b): Json<ClockBody>) -> StatusCode {
    s.clock.set(b.now);
    StatusCode::NO_CONTENT
}

async fn reset_clock(State(s): State<Arc<SimState>>) -> StatusCode {
    s.clock.reset();
    StatusCode::NO_CONTENT
}

async fn ledger(State(s): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(s.lock_ledger().report()).unwrap_or_default())
}

#[derive(Deserialize)]
struct SeedBody {
    cuit: u64,
    point_of_sale: u32,
    voucher_type: u16,
    last: u64,
    last_date: Option<time::Date>,
}

async fn seed(State(s): State<Arc<SimState>>, Json(b): Json<SeedBody>) -> StatusCode {
    match s.lock_ledger().seed(
        (b.cuit, b.point_of_sale, b.voucher_type),
        b.last,
        b.last_date,
    ) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

//! `/metrics`: the process's metrics in Prometheus text, for a scraper that
//! sends the metrics token; without a token set it is not there at all.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::AppState;
use super::extract::bearer_token;
use super::problem::ApiError;
use crate::config::MetricsToken;
use crate::error::AppError;

/// The token `/metrics` asks for, if one is set.
pub struct MetricsGate(pub Option<MetricsToken>);

/// The process's metrics in Prometheus text: requests by route, method and
/// status with their latency, the database pool, the email outbox, kept
/// answers and users, the hashing gate, sign-in failures and lockouts.
/// Needs `Authorization: Bearer <KADRY_METRICS_TOKEN>`; 404 when no token is set.
#[utoipa::path(get, path = "/metrics", tag = "service", security(("bearer" = [])), responses(
    (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
    (status = 401, description = "not the metrics token", body = super::problem::Problem, content_type = "application/problem+json"),
    (status = 404, description = "no metrics token is set: there are no metrics to read", body = super::problem::Problem, content_type = "application/problem+json"),
))]
#[get("/metrics")]
pub async fn metrics(
    request: HttpRequest,
    gate: web::Data<MetricsGate>,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (Some(token), Some(recorder)) = (&gate.0, crate::http::metrics::recorder()) else {
        return Err(AppError::NotFound("this path".into()).into());
    };
    let sent = bearer_token(&request).unwrap_or_default();
    if !same(sent.as_bytes(), token.0.as_bytes()) {
        return Err(AppError::Unauthenticated.into());
    }
    // The gauges are read now; a database that does not answer leaves the
    // outbox's as they were and is seen in the pool's and the 503 counts.
    if let Err(error) = crate::app::gauges::measure(&app).await {
        tracing::warn!(error = %error.describe(), "metrics: the outbox could not be read");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(recorder.render()))
}

/// Compares in time that depends on the lengths only, not on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

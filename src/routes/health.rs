//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct Status {
    /// `ok` from /health, `ready` from /ready.
    pub status: &'static str,
}

/// 200 while the process runs.
#[utoipa::path(get, path = "/health", tag = "service", responses((status = 200, body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/ready", tag = "service", responses(
    (status = 200, body = Status),
    (status = 503, description = "the database does not answer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/ready")]
pub async fn ready(app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::app::ready(&app).await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}

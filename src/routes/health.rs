//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::db;
use crate::error::{ApiError, Problem};

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
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    db::run(&state.pool, |conn| {
        // Reads a table, not just `SELECT 1`, so that a locked or missing database shows.
        conn.batch_execute("SELECT COUNT(*) FROM __diesel_schema_migrations")
            .map_err(|e| ApiError::Unavailable(e.to_string()))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}

//! `POST /api/v1/schools/{id}/pupils/import`: a school's roster as CSV, all rows or none.

use actix_web::{HttpResponse, post, web};

use super::AppState;
use super::extract::CsvBody;
use super::problem::{ApiError, Problem};
use crate::app::pupils;
use crate::auth::AuthUser;
use crate::roster::ImportSummary;

/// Imports a school's roster (that school's users, admins). The header is
/// `external_ref,grade,academic_year,consent,display_name,interests`;
/// `interests` are `P:<profession code>:<weight>` or `C:<cluster id>:<weight>`
/// joined by `;`. Rows whose `external_ref` exists update that pupil. On any
/// bad row nothing is stored and the 422 lists every bad row with its `line`.
#[utoipa::path(post, path = "/api/v1/schools/{id}/pupils/import", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id")),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = ImportSummary),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "bad rows, each with its line", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/schools/{id}/pupils/import")]
pub async fn import_roster(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    let summary = pupils::import_roster(&app, &user, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(summary))
}

//! `POST /api/v1/schools/{id}/pupils/import`: a school's roster as CSV, all rows or none.

use actix_web::{HttpResponse, post, web};

use super::AppState;
use super::extract::CsvBody;
use super::pupils::check_school;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::roster::{self, ImportSummary};

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
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    let school_id = id.into_inner();
    authorize(&user, Action::ManagePupils { school_id })?;
    let summary = db::run(&state.pool, move |conn| {
        check_school(conn, school_id).map_err(|_| ApiError::not_found("school", school_id))?;
        roster::import(conn, school_id, &body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(summary))
}

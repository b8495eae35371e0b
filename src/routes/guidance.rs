//! `GET /api/v1/schools/{id}/guidance-report`: a school's career guidance in one academic year.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::problem::{ApiError, Problem};
use crate::app::guidance::{self, GuidanceReport};
use crate::auth::AuthUser;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Named by the calendar year it starts in; default the one under way.
    #[param(minimum = 2000, maximum = 2027)]
    pub academic_year: Option<i32>,
}

/// The guidance record of a school for an academic year (everyone; the
/// school itself and admins see exact counts and the pupils with none).
#[utoipa::path(get, path = "/api/v1/schools/{id}/guidance-report", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ReportQuery),
    responses(
        (status = 200, body = GuidanceReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/guidance-report")]
pub async fn guidance_report(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = guidance::report(&app, &user, id.into_inner(), query.academic_year).await?;
    Ok(HttpResponse::Ok().json(report))
}

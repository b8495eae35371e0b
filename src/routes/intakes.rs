//! A program's seats per intake year and its actual enrollments per start year.

use actix_web::{HttpResponse, delete, get, put, web};

use super::extract::{ApiJson, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, PageQuery, tagged};
use crate::app::programs::{self, EnrollmentBody, IntakeBody, Yearly};
use crate::auth::AuthUser;
use crate::db::programs::{Enrollment, Intake};

/// Sets a program's seats for one intake year (its institution or admins).
/// Seats carry forward to later years that have no intake of their own.
#[utoipa::path(put, path = "/api/v1/programs/{id}/intakes/{year}", tag = "programs", security(("bearer" = [])), request_body = IntakeBody,
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "the calendar year the intake starts in")),
    responses(
        (status = 200, body = Intake),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}/intakes/{year}")]
pub async fn put_intake(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<IntakeBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    let intake = programs::put_intake(&app, &user, id, year, body.0, if_match.0).await?;
    tagged(&intake)
}

/// A program's intakes by year.
#[utoipa::path(get, path = "/api/v1/programs/{id}/intakes", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), PageQuery),
    responses(
        (status = 200, body = Listing<Intake>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/intakes")]
pub async fn list_intakes(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let intakes = programs::intakes(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Listing::paged(intakes, page)))
}

/// One intake year of a program, when it has seats of its own for that year (everyone).
#[utoipa::path(get, path = "/api/v1/programs/{id}/intakes/{year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "the intake year")),
    responses(
        (status = 200, body = Intake),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such program, or no intake of its own that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/intakes/{year}")]
pub async fn get_intake(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    tagged(&programs::intake(&app, &user, id, year).await?)
}

/// Removes one intake year (its institution or admins); the year before then carries forward.
#[utoipa::path(delete, path = "/api/v1/programs/{id}/intakes/{year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "the intake year")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}/intakes/{year}")]
pub async fn delete_intake(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    programs::delete_yearly(&app, &user, id, Yearly::Intake, year, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records how many students actually started a program in a year (its
/// institution or admins). Actual enrollments replace the modelled intake.
#[utoipa::path(put, path = "/api/v1/programs/{id}/enrollments/{start_year}", tag = "programs", security(("bearer" = [])), request_body = EnrollmentBody,
    params(("id" = i64, Path, description = "the program's id"), ("start_year" = i32, Path, description = "the year the cohort started, at most the current year")),
    responses(
        (status = 200, body = Enrollment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}/enrollments/{start_year}")]
pub async fn put_enrollment(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<EnrollmentBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, start_year) = path.into_inner();
    let enrollment =
        programs::put_enrollment(&app, &user, id, start_year, body.0, if_match.0).await?;
    tagged(&enrollment)
}

/// A program's actual enrollments by start year.
#[utoipa::path(get, path = "/api/v1/programs/{id}/enrollments", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), PageQuery),
    responses(
        (status = 200, body = Listing<Enrollment>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/enrollments")]
pub async fn list_enrollments(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let enrollments = programs::enrollments(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Listing::paged(enrollments, page)))
}

/// One start year's actual enrollment of a program (everyone).
#[utoipa::path(get, path = "/api/v1/programs/{id}/enrollments/{start_year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("start_year" = i32, Path, description = "the start year")),
    responses(
        (status = 200, body = Enrollment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such program, or no enrollment recorded that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/enrollments/{start_year}")]
pub async fn get_enrollment(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, start_year) = path.into_inner();
    tagged(&programs::enrollment(&app, &user, id, start_year).await?)
}

/// Removes one year's actual enrollment (its institution or admins).
#[utoipa::path(delete, path = "/api/v1/programs/{id}/enrollments/{start_year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("start_year" = i32, Path, description = "the start year")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}/enrollments/{start_year}")]
pub async fn delete_enrollment(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, start_year) = path.into_inner();
    programs::delete_yearly(&app, &user, id, Yearly::Enrollment, start_year, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

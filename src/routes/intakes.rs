//! A program's seats per intake year and its actual enrollments per start year.

use actix_web::{HttpResponse, delete, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::programs::{managed_program, page_of};
use super::{AppState, Listing, PageQuery};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::programs::{self, Enrollment, Intake};
use crate::db::{self, DbConnection};
use crate::domain::numbers::{count, program_year};
use crate::error::{ApiError, Problem};
use crate::parse_fields;

/// More seats or students than this in one program and year is a typing error.
const MAX_PEOPLE: i32 = 100_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    /// 0 to 100000; 0 closes the program for that year.
    pub seats: i32,
    /// Seats under targeted-training contracts with an enterprise: 0 to `seats`.
    pub targeted_seats: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentBody {
    /// How many actually started: 0 to 100000.
    pub students: i32,
}

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
    state: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<IntakeBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    managed_program(&state, &user, id).await?;
    let IntakeBody {
        seats,
        targeted_seats,
    } = body.0;
    let targeted = count(targeted_seats, MAX_PEOPLE).and_then(|targeted| {
        if targeted <= seats {
            Ok(targeted)
        } else {
            Err("must not exceed seats".to_string())
        }
    });
    parse_fields!(
        year = "year" => program_year(year),
        seats = "seats" => count(seats, MAX_PEOPLE),
        targeted_seats = "targeted_seats" => targeted,
    );
    let intake = Intake {
        year,
        seats,
        targeted_seats,
    };
    let stored = intake.clone();
    db::run(&state.pool, move |conn| {
        Ok(programs::put_intake(conn, id, &stored)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(intake))
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let intakes = db::run(&state.pool, move |conn| {
        existing_program(conn, id)?;
        Ok(programs::intakes(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page_of(intakes, &query)?))
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
    state: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    managed_program(&state, &user, id).await?;
    let deleted = db::run(&state.pool, move |conn| {
        Ok(programs::delete_intake(conn, id, year)?)
    })
    .await?;
    if !deleted {
        return Err(ApiError::NotFound(format!(
            "the intake {year} of program {id}"
        )));
    }
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
    state: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<EnrollmentBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, start_year) = path.into_inner();
    managed_program(&state, &user, id).await?;
    let started = crate::domain::numbers::year_between(
        start_year,
        1990,
        crate::domain::numbers::current_year(),
    );
    parse_fields!(
        start_year = "start_year" => started,
        students = "students" => count(body.0.students, MAX_PEOPLE),
    );
    let enrollment = Enrollment {
        start_year,
        students,
    };
    let stored = enrollment.clone();
    db::run(&state.pool, move |conn| {
        Ok(programs::put_enrollment(conn, id, &stored)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(enrollment))
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let enrollments = db::run(&state.pool, move |conn| {
        existing_program(conn, id)?;
        Ok(programs::enrollments(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page_of(enrollments, &query)?))
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
    state: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, start_year) = path.into_inner();
    managed_program(&state, &user, id).await?;
    let deleted = db::run(&state.pool, move |conn| {
        Ok(programs::delete_enrollment(conn, id, start_year)?)
    })
    .await?;
    if !deleted {
        return Err(ApiError::NotFound(format!(
            "the enrollment {start_year} of program {id}"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}

fn existing_program(conn: &mut DbConnection, id: i64) -> Result<(), ApiError> {
    programs::institution_of(conn, id)?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("program", id))
}

//! Records of what happened to a program's students: graduations per year
//! and graduates' destinations, one at a time or imported as CSV.

use actix_web::{HttpResponse, delete, get, post, put, web};

use super::extract::{ApiJson, CsvBody, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, tagged};
use crate::app::outcomes::{self, DestinationBody, GraduationBody, Imported, Outcome};
use crate::auth::AuthUser;
use crate::db::outcomes::{Destination, Graduation};

/// Records a program's graduates (of them from targeted seats) for one year (the program's institution, admins).
#[utoipa::path(put, path = "/api/v1/programs/{id}/graduations/{year}", tag = "programs", security(("bearer" = [])), request_body = GraduationBody,
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "a calendar year from 1990 to the current one")),
    responses(
        (status = 200, body = Graduation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a rule of the record broken, each field named; nothing stored", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}/graduations/{year}")]
pub async fn put_graduation(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<GraduationBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    tagged(&outcomes::put_graduation(&app, &user, id, year, body.0, if_match.0).await?)
}

/// One year's a program's graduates (of them from targeted seats) (everyone signed in).
#[utoipa::path(get, path = "/api/v1/programs/{id}/graduations/{year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "the year")),
    responses(
        (status = 200, body = Graduation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/graduations/{year}")]
pub async fn get_graduation(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    tagged(&outcomes::graduation(&app, &user, id, year).await?)
}

/// Deletes one year's a program's graduates (of them from targeted seats) (the program's institution, admins).
#[utoipa::path(delete, path = "/api/v1/programs/{id}/graduations/{year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("year" = i32, Path, description = "the year")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}/graduations/{year}")]
pub async fn delete_graduation(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    outcomes::delete(&app, &user, id, Outcome::Graduation, year, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A program's a program's graduates (of them from targeted seats) by year (everyone signed in).
#[utoipa::path(get, path = "/api/v1/programs/{id}/graduations", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Listing<Graduation>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/graduations")]
pub async fn list_graduations(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let items = outcomes::graduations(&app, &user, id.into_inner()).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing { items, total }))
}

/// Imports a program's graduates (of them from targeted seats) from CSV (a college for its own programs, admins for all):
/// all rows or none; on any bad row the 422 lists every bad row with its `line`.
#[utoipa::path(post, path = "/api/v1/graduations/import", tag = "programs", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = Imported),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "bad rows, each with its line", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/graduations/import")]
pub async fn import_graduations(
    user: AuthUser,
    app: web::Data<AppState>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(outcomes::import_graduations(&app, &user, &body.0).await?))
}

/// Records where a program's graduates were about a year later for one year (the program's institution, admins).
#[utoipa::path(put, path = "/api/v1/programs/{id}/destinations/{graduation_year}", tag = "programs", security(("bearer" = [])), request_body = DestinationBody,
    params(("id" = i64, Path, description = "the program's id"), ("graduation_year" = i32, Path, description = "a calendar year from 1990 to the current one")),
    responses(
        (status = 200, body = Destination),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a rule of the record broken, each field named; nothing stored", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}/destinations/{graduation_year}")]
pub async fn put_destination(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<DestinationBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    tagged(&outcomes::put_destination(&app, &user, id, year, body.0, if_match.0).await?)
}

/// One year's where a program's graduates were about a year later (everyone signed in).
#[utoipa::path(get, path = "/api/v1/programs/{id}/destinations/{graduation_year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("graduation_year" = i32, Path, description = "the year")),
    responses(
        (status = 200, body = Destination),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/destinations/{graduation_year}")]
pub async fn get_destination(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    tagged(&outcomes::destination(&app, &user, id, year).await?)
}

/// Deletes one year's where a program's graduates were about a year later (the program's institution, admins).
#[utoipa::path(delete, path = "/api/v1/programs/{id}/destinations/{graduation_year}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id"), ("graduation_year" = i32, Path, description = "the year")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}/destinations/{graduation_year}")]
pub async fn delete_destination(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    outcomes::delete(&app, &user, id, Outcome::Destination, year, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A program's where a program's graduates were about a year later by year (everyone signed in).
#[utoipa::path(get, path = "/api/v1/programs/{id}/destinations", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Listing<Destination>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}/destinations")]
pub async fn list_destinations(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let items = outcomes::destinations(&app, &user, id.into_inner()).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing { items, total }))
}

/// Imports where a program's graduates were about a year later from CSV (a college for its own programs, admins for all):
/// all rows or none; on any bad row the 422 lists every bad row with its `line`.
#[utoipa::path(post, path = "/api/v1/destinations/import", tag = "programs", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = Imported),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "bad rows, each with its line", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/destinations/import")]
pub async fn import_destinations(
    user: AuthUser,
    app: web::Data<AppState>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(outcomes::import_destinations(&app, &user, &body.0).await?))
}

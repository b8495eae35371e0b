//! School counts, no names: `/api/v1/schools/{id}/grade-counts` (grades 1
//! to 11, the annual school statistics), `/api/v1/schools/{id}/younger-pupils`
//! (the same counts' grades 1 to 4) and the region's import.

use actix_web::{HttpResponse, delete, get, post, put, web};

use super::extract::{ApiJson, CsvBody, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, tagged};
use crate::app::grade_counts::{self, GradeCountsBody, GradeCountsYear, Grades, RegionImport};
use crate::auth::AuthUser;

/// Records a school's counts of grades 1 to 4 for one academic year,
/// replacing that year's counts (the school, admins).
#[utoipa::path(put, path = "/api/v1/schools/{id}/younger-pupils/{academic_year}", tag = "pupils", security(("bearer" = [])), request_body = GradeCountsBody,
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = GradeCountsYear),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "grades outside 1 to 4, repeated grades, negative counts", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/schools/{id}/younger-pupils/{academic_year}")]
pub async fn put_younger(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<GradeCountsBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    let counts = grade_counts::put(
        &app,
        &user,
        school_id,
        year,
        body.0,
        if_match.0,
        Grades::Younger,
    )
    .await?;
    tagged(&counts)
}

/// A school's counts of grades 1 to 4 for one academic year (everyone; counts
/// from 1 to 9 withheld for anyone but the school and admins).
#[utoipa::path(get, path = "/api/v1/schools/{id}/younger-pupils/{academic_year}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = GradeCountsYear),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school, or no counts for that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/younger-pupils/{academic_year}")]
pub async fn get_younger(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    tagged(&grade_counts::get(&app, &user, school_id, year, Grades::Younger).await?)
}

/// Deletes a school's counts of grades 1 to 4 for one academic year (the school, admins).
#[utoipa::path(delete, path = "/api/v1/schools/{id}/younger-pupils/{academic_year}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, description = "named by the calendar year it starts in")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school, or no counts for that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/schools/{id}/younger-pupils/{academic_year}")]
pub async fn delete_younger(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    grade_counts::delete(&app, &user, school_id, year, Grades::Younger).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every recorded year of a school's counts of grades 1 to 4, latest first (everyone; as above).
#[utoipa::path(get, path = "/api/v1/schools/{id}/younger-pupils", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id")),
    responses(
        (status = 200, body = Listing<GradeCountsYear>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/younger-pupils")]
pub async fn list_younger(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let years = grade_counts::list(&app, &user, id.into_inner(), Grades::Younger).await?;
    let total = i64::try_from(years.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing {
        items: years,
        total,
    }))
}

/// Records a school's counts of grades 1 to 11 for one academic year,
/// replacing that year's counts (the school, admins).
#[utoipa::path(put, path = "/api/v1/schools/{id}/grade-counts/{academic_year}", tag = "pupils", security(("bearer" = [])), request_body = GradeCountsBody,
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = GradeCountsYear),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "grades outside 1 to 11, repeated grades, negative counts", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/schools/{id}/grade-counts/{academic_year}")]
pub async fn put_grade_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
    body: ApiJson<GradeCountsBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    let counts = grade_counts::put(
        &app,
        &user,
        school_id,
        year,
        body.0,
        if_match.0,
        Grades::All,
    )
    .await?;
    tagged(&counts)
}

/// A school's counts of grades 1 to 11 for one academic year (everyone; counts
/// from 1 to 9 withheld for anyone but the school and admins).
#[utoipa::path(get, path = "/api/v1/schools/{id}/grade-counts/{academic_year}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = GradeCountsYear),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school, or no counts for that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/grade-counts/{academic_year}")]
pub async fn get_grade_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    tagged(&grade_counts::get(&app, &user, school_id, year, Grades::All).await?)
}

/// Deletes a school's counts of grades 1 to 11 for one academic year (the school, admins).
#[utoipa::path(delete, path = "/api/v1/schools/{id}/grade-counts/{academic_year}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, description = "named by the calendar year it starts in")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school, or no counts for that year", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/schools/{id}/grade-counts/{academic_year}")]
pub async fn delete_grade_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    grade_counts::delete(&app, &user, school_id, year, Grades::All).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every recorded year of a school's counts of grades 1 to 11, latest first (everyone; as above).
#[utoipa::path(get, path = "/api/v1/schools/{id}/grade-counts", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id")),
    responses(
        (status = 200, body = Listing<GradeCountsYear>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/grade-counts")]
pub async fn list_grade_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let years = grade_counts::list(&app, &user, id.into_inner(), Grades::All).await?;
    let total = i64::try_from(years.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing {
        items: years,
        total,
    }))
}

/// Imports the region's school counts (admins): CSV
/// `school_id,academic_year,grade,pupils`, grades 1 to 11; every (school,
/// academic year) named is replaced whole. On any bad row nothing is stored
/// and the 422 lists every bad row with its `line`.
#[utoipa::path(post, path = "/api/v1/grade-counts/import", tag = "pupils", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = RegionImport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "bad rows, each with its line", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/grade-counts/import")]
pub async fn import_grade_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(grade_counts::import_region(&app, &user, &body.0).await?))
}

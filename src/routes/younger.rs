//! `/api/v1/schools/{id}/younger-pupils`: counts of grades 1 to 4, no names.

use actix_web::{HttpResponse, get, put, web};

use super::extract::{ApiJson, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, tagged};
use crate::app::younger::{self, YoungerBody, YoungerYear};
use crate::auth::AuthUser;

/// Records a school's counts of grades 1 to 4 for one academic year,
/// replacing that year's counts (the school, admins).
#[utoipa::path(put, path = "/api/v1/schools/{id}/younger-pupils/{academic_year}", tag = "pupils", security(("bearer" = [])), request_body = YoungerBody,
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = YoungerYear),
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
    body: ApiJson<YoungerBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let (school_id, year) = path.into_inner();
    let counts = younger::put(&app, &user, school_id, year, body.0, if_match.0).await?;
    tagged(&counts)
}

/// A school's counts for one academic year (everyone; counts from 1 to 9
/// withheld for anyone but the school and admins).
#[utoipa::path(get, path = "/api/v1/schools/{id}/younger-pupils/{academic_year}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ("academic_year" = i32, Path, minimum = 2000, maximum = 2027, description = "named by the calendar year it starts in")),
    responses(
        (status = 200, body = YoungerYear),
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
    tagged(&younger::get(&app, &user, school_id, year).await?)
}

/// Every recorded year of a school's counts, latest first (everyone; as above).
#[utoipa::path(get, path = "/api/v1/schools/{id}/younger-pupils", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id")),
    responses(
        (status = 200, body = Listing<YoungerYear>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such school", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/younger-pupils")]
pub async fn list_younger(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let years = younger::list(&app, &user, id.into_inner()).await?;
    let total = i64::try_from(years.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing {
        items: years,
        total,
    }))
}

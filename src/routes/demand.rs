//! Enterprise demand: how many workers of which profession an enterprise will need in which year.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::demand::{self, DemandBody};
use crate::auth::AuthUser;
use crate::db::demand::Demand;

/// Posts demand (admins, or a user of the enterprise): one record per
/// enterprise, profession and year, so a second is a 409 naming the first
/// (change that one with PUT).
#[utoipa::path(post, path = "/api/v1/demand", tag = "demand", security(("bearer" = [])), request_body = DemandBody, responses(
    (status = 201, body = Demand, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the enterprise already has a record for this profession and year", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/demand")]
pub async fn create_demand(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<DemandBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let record = demand::create(&app, &user, body.0, once).await?;
    created(format!("/api/v1/demand/{}", record.id), &record)
}

/// One demand record (its enterprise, analysts, admins).
#[utoipa::path(get, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 200, body = Demand),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/demand/{id}")]
pub async fn get_demand(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tagged(&demand::get(&app, &user, id.into_inner()).await?)
}

/// Replaces a demand record (its enterprise, admins); moving it onto the
/// profession and year of another of the enterprise's records is a 409.
#[utoipa::path(put, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])), request_body = DemandBody,
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 200, body = Demand),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "another record of the enterprise has this profession and year", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/demand/{id}")]
pub async fn replace_demand(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<DemandBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let record = demand::replace(&app, &user, id.into_inner(), body.0, if_match.0).await?;
    tagged(&record)
}

/// Deletes a demand record (its enterprise, admins).
#[utoipa::path(delete, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/demand/{id}")]
pub async fn delete_demand(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    demand::delete(&app, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemandQuery {
    pub profession_id: Option<i64>,
    pub year: Option<i32>,
    /// An enterprise user sees only its own, the default for it.
    pub enterprise_id: Option<i64>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Lists demand records by year (an enterprise its own; analysts and admins all).
#[utoipa::path(get, path = "/api/v1/demand", tag = "demand", security(("bearer" = [])), params(DemandQuery), responses(
    (status = 200, body = Listing<Demand>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/demand")]
pub async fn list_demand(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<DemandQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let wanted = demand::DemandQuery {
        profession_id: query.profession_id,
        year: query.year,
        enterprise_id: query.enterprise_id,
    };
    let listing = demand::list(&app, &user, wanted, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

//! Professions, each in one cluster: read by everyone signed in, written by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::catalogue::{self, NewProfessionBody};
use crate::auth::AuthUser;
use crate::db::professions::{self, Profession};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProfessionQuery {
    /// Only professions of this cluster.
    pub cluster_id: Option<i64>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Creates a profession (admins only). `code` is unique.
#[utoipa::path(post, path = "/api/v1/professions", tag = "catalogue", security(("bearer" = [])), request_body = NewProfessionBody, responses(
    (status = 201, body = Profession, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the code is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields, or no such cluster", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/professions")]
pub async fn create_profession(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewProfessionBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let profession = catalogue::create_profession(&app, &user, body.0, once).await?;
    created(
        format!("/api/v1/professions/{}", profession.id),
        &profession,
    )
}

/// Lists professions by code, optionally of one cluster.
#[utoipa::path(get, path = "/api/v1/professions", tag = "catalogue", security(("bearer" = [])), params(ProfessionQuery), responses(
    (status = 200, body = Listing<Profession>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/professions")]
pub async fn list_professions(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<ProfessionQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let filter = professions::Filter {
        cluster_id: query.cluster_id,
    };
    let listing = catalogue::list_professions(&app, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One profession.
#[utoipa::path(get, path = "/api/v1/professions/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the profession's id")),
    responses(
        (status = 200, body = Profession),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/professions/{id}")]
pub async fn get_profession(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let profession = catalogue::get_profession(&app, &user, id.into_inner()).await?;
    tagged(&profession)
}

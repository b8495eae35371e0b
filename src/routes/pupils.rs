//! Pupil records: minors' data, reachable only by their own school and by admins.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::pupils::{self, NewPupilBody, PupilPatch};
use crate::auth::AuthUser;
use crate::db::pupils::Pupil;

/// Registers a pupil (admins, or a user of the pupil's school).
#[utoipa::path(post, path = "/api/v1/pupils", tag = "pupils", security(("bearer" = [])), request_body = NewPupilBody, responses(
    (status = 201, body = Pupil, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the external_ref is taken in this school", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/pupils")]
pub async fn create_pupil(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewPupilBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let pupil = pupils::create(&app, &user, body.0, once).await?;
    created(format!("/api/v1/pupils/{}", pupil.id), &pupil)
}

/// One pupil (the pupil's school, admins).
#[utoipa::path(get, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 200, body = Pupil),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/pupils/{id}")]
pub async fn get_pupil(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tagged(&pupils::get(&app, &user, id.into_inner()).await?)
}

/// Changes some of a pupil's fields (the pupil's school, admins).
#[utoipa::path(patch, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])), request_body = PupilPatch,
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 200, body = Pupil),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/api/v1/pupils/{id}")]
pub async fn patch_pupil(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<PupilPatch>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let pupil = pupils::patch(&app, &user, id.into_inner(), body.0, if_match.0).await?;
    tagged(&pupil)
}

/// Deletes a pupil with its interests and personal data, for good (the pupil's school, admins).
#[utoipa::path(delete, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/pupils/{id}")]
pub async fn delete_pupil(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    pupils::delete(&app, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PupilQuery {
    /// A school user sees only its own school, the default for it.
    pub school_id: Option<i64>,
    pub grade: Option<i32>,
    /// Only pupils whose external reference starts with this text.
    pub external_ref: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Lists pupils by id (a school its own; admins any school or all).
#[utoipa::path(get, path = "/api/v1/pupils", tag = "pupils", security(("bearer" = [])), params(PupilQuery), responses(
    (status = 200, body = Listing<Pupil>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/pupils")]
pub async fn list_pupils(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<PupilQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let listing = pupils::list(
        &app,
        &user,
        query.school_id,
        query.grade,
        query.external_ref.clone(),
        page,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

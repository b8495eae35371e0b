//! Programs of colleges and universities: read by everyone signed in, managed by their institution and admins.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::programs::{self, ProgramBody};
use crate::auth::AuthUser;
use crate::db::programs::{Filter, Program};

/// Creates a program (admins, or a college user of `institution_id`).
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])), request_body = ProgramBody, responses(
    (status = 201, body = Program, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/programs")]
pub async fn create_program(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<ProgramBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let program = programs::create(&app, &user, body.0, once).await?;
    created(format!("/api/v1/programs/{}", program.id), &program)
}

/// Replaces a program's fields and professions (its institution or admins).
#[utoipa::path(put, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])), request_body = ProgramBody,
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Program),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}")]
pub async fn replace_program(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<ProgramBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let program = programs::replace(&app, &user, id.into_inner(), body.0, if_match.0).await?;
    tagged(&program)
}

/// Deletes a program with its intakes and enrollments (its institution or admins).
#[utoipa::path(delete, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}")]
pub async fn delete_program(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    programs::delete(&app, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgramQuery {
    /// Only programs of this institution.
    pub institution_id: Option<i64>,
    /// Only programs that train for this profession.
    pub profession_id: Option<i64>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Lists programs by id.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])), params(ProgramQuery), responses(
    (status = 200, body = Listing<Program>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/programs")]
pub async fn list_programs(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<ProgramQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let filter = Filter {
        institution_id: query.institution_id,
        profession_id: query.profession_id,
    };
    let listing = programs::list(&app, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Program),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}")]
pub async fn get_program(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tagged(&programs::get(&app, &user, id.into_inner()).await?)
}

//! User accounts, created by admins.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page};
use crate::app::users::{self, NewUserBody, UserPatch, UserView};
use crate::auth::AuthUser;
use crate::domain::Role;

/// Creates a user (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", security(("bearer" = [])), request_body = NewUserBody, responses(
    (status = 201, body = UserView, headers(("Location" = String))),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the email is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/users")]
pub async fn create_user(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewUserBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let view = users::create_user(&app, &user, body.0, once).await?;
    created(format!("/api/v1/users/{}", view.id), &view)
}

/// One user (admins only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the user's id")),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/users/{id}")]
pub async fn get_user(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(users::get_user(&app, &user, id.into_inner()).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub organization_id: Option<i64>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Lists users (admins only), by id.
#[utoipa::path(get, path = "/api/v1/users", tag = "auth", security(("bearer" = [])), params(UserQuery), responses(
    (status = 200, body = Listing<UserView>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/users")]
pub async fn list_users(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let listing = users::list_users(&app, &user, query.role, query.organization_id, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// Changes a user's role, organization or status (admins only); every token
/// and page session of the user stops working at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "auth", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = i64, Path, description = "the user's id")),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "an admin's own account", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/api/v1/users/{id}")]
pub async fn change_user(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let view = users::change_user(&app, &user, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Ok().json(view))
}

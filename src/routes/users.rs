//! User accounts, created by admins.

use actix_web::{HttpResponse, get, post, web};

use super::extract::ApiJson;
use super::problem::{ApiError, Problem};
use super::{AppState, created};
use crate::app::users::{self, NewUserBody, UserView};
use crate::auth::AuthUser;

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
    body: ApiJson<NewUserBody>,
) -> Result<HttpResponse, ApiError> {
    let view = users::create_user(&app, &user, body.0).await?;
    Ok(created(format!("/api/v1/users/{}", view.id), &view))
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

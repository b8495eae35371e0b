//! The outbox as admins see it: list by status, retry a failed message.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, Problem};
use super::{AppState, Listing, page};
use crate::app::notifications;
use crate::auth::AuthUser;
use crate::db::outbox::Notification;
use crate::domain::OutboxStatus;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    pub status: Option<OutboxStatus>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Every email kadry has queued, newest first (admins).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(NotificationQuery), responses(
    (status = 200, body = Listing<Notification>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/notifications")]
pub async fn list_notifications(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let listing = notifications::list(&app, &user, query.status, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// Sends a failed message again, with fresh attempts (admins); 409 unless it failed.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the notification's id")),
    responses(
        (status = 200, body = Notification),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the message has not failed", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/notifications/{id}/retry")]
pub async fn retry_notification(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let notification = notifications::retry(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(notification))
}

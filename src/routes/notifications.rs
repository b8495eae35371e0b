//! The outbox as admins see it: list by status, retry a failed message.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{AppState, Listing};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db;
use crate::domain::Page;
use crate::error::{ApiError, Problem};
use crate::notify::outbox::{self, Notification};

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    pub status: Option<Status>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
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
    state: web::Data<AppState>,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ManageNotifications)?;
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let status = query.status.map(|s| s.as_str().to_string());
    let listing = db::run(&state.pool, move |conn| {
        Ok(outbox::list(conn, status, page)?)
    })
    .await?;
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ManageNotifications)?;
    let id = id.into_inner();
    let notification = db::run(&state.pool, move |conn| {
        if outbox::find(conn, id)?.is_none() {
            return Err(ApiError::not_found("notification", id));
        }
        if !outbox::retry(conn, id)? {
            return Err(ApiError::Conflict(format!(
                "notification {id} has not failed"
            )));
        }
        outbox::find(conn, id)?.ok_or_else(|| ApiError::not_found("notification", id))
    })
    .await?;
    Ok(HttpResponse::Ok().json(notification))
}

//! `/api/v1/forecast/published`: forecasts kept as they were computed.

use actix_web::{HttpResponse, delete, get, post, web};

use super::extract::{ApiJson, IdempotencyKey};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created};
use crate::app::forecast::{self, Comparison, PublishBody, PublishedAnswer, PublishedForecast};
use crate::auth::AuthUser;

/// Publishes the stored forecast of a span with a title (analysts, admins):
/// kept exactly as computed, never changed.
#[utoipa::path(post, path = "/api/v1/forecast/published", tag = "forecast", security(("bearer" = [])), request_body = PublishBody,
    responses(
        (status = 201, body = PublishedForecast, headers(("Location" = String))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "a malformed Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "an empty or too long title, a bad span, an Idempotency-Key used with another request", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/forecast/published")]
pub async fn publish_forecast(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<PublishBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let published = forecast::publish(&app, &user, body.0, once).await?;
    created(
        format!("/api/v1/forecast/published/{}", published.id),
        &published,
    )
}

/// Every published forecast, the latest first (everyone).
#[utoipa::path(get, path = "/api/v1/forecast/published", tag = "forecast", security(("bearer" = [])),
    responses(
        (status = 200, body = Listing<PublishedForecast>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/forecast/published")]
pub async fn list_published(
    user: AuthUser,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let items = forecast::list_published(&app, &user).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Listing { items, total }))
}

/// A published forecast: its title and time, then the forecast's answer
/// byte for byte as it was when published (everyone).
#[utoipa::path(get, path = "/api/v1/forecast/published/{id}", tag = "forecast", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the published forecast's id")),
    responses(
        (status = 200, body = PublishedAnswer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/forecast/published/{id}")]
pub async fn get_published(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let body = forecast::published_answer(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// A published forecast beside today's forecast of the same span and
/// `as_of`, row by row (everyone).
#[utoipa::path(get, path = "/api/v1/forecast/published/{id}/compare", tag = "forecast", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the published forecast's id")),
    responses(
        (status = 200, body = Comparison),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/forecast/published/{id}/compare")]
pub async fn compare_published(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let comparison = forecast::compare_published(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(comparison))
}

/// Deletes a published forecast (admins; an audit line).
#[utoipa::path(delete, path = "/api/v1/forecast/published/{id}", tag = "forecast", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the published forecast's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/forecast/published/{id}")]
pub async fn delete_published(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    forecast::delete_published(&app, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

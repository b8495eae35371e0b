//! Career-guidance events: organised by colleges and enterprises, attended by pupils their schools register.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, IdempotencyKey, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::events::{self, NewEventBody};
use crate::app::registrations;
use crate::auth::AuthUser;
use crate::db::events::{Event, Filter};

/// Creates an event (admins, or a user of the organizing college or enterprise).
#[utoipa::path(post, path = "/api/v1/events", tag = "guidance", security(("bearer" = [])), request_body = NewEventBody, responses(
    (status = 201, body = Event, headers(("Location" = String))),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/events")]
pub async fn create_event(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewEventBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let event = events::create_event(&app, &user, body.0, once).await?;
    created(format!("/api/v1/events/{}", event.id), &event)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Only events starting on or after this date (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    pub profession_id: Option<i64>,
    /// Only events a pupil of this grade may attend.
    pub grade: Option<i32>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Events, soonest first (everyone).
#[utoipa::path(get, path = "/api/v1/events", tag = "guidance", security(("bearer" = [])), params(EventQuery), responses(
    (status = 200, body = Listing<Event>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/events")]
pub async fn list_events(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let filter = Filter {
        from: query.from.and_then(events::start_of),
        profession_id: query.profession_id,
        grade: query.grade,
        before: None,
    };
    let listing = events::list_events(&app, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One event (everyone).
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = Event), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/api/v1/events/{id}")]
pub async fn get_event(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    tagged(&events::get_event(&app, &user, id.into_inner()).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationBody {
    pub pupil_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Registration {
    pub event_id: i64,
    pub pupil_id: i64,
    /// The ticket's code (`3f9a-1c0e-77b2-d4e5`): the school gives it to the
    /// pupil, who shows it at the event; the organizer records attendance by it.
    pub code: String,
}

/// Registers a pupil (its school, admins): 409 when full or already
/// registered, 422 when the pupil's grade is below the event's or it has no
/// consent. The organizer and the school are told, without the pupil's name.
#[utoipa::path(post, path = "/api/v1/events/{id}/registrations", tag = "guidance", security(("bearer" = [])), request_body = RegistrationBody,
    params(("id" = i64, Path, description = "the event's id")),
    responses(
        (status = 201, body = Registration),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such event, or a pupil of another school", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "full, cancelled, or already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/events/{id}/registrations")]
pub async fn register(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    key: IdempotencyKey,
    body: ApiJson<RegistrationBody>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let pupil_id = body.0.pupil_id;
    let once = key.once(body.sent());
    let code = registrations::register(&app, &user, event_id, pupil_id, once).await?;
    created(
        format!("/api/v1/events/{event_id}/registrations/{pupil_id}"),
        &Registration {
            event_id,
            pupil_id,
            code,
        },
    )
}

/// Withdraws a pupil's registration (its school, admins).
#[utoipa::path(delete, path = "/api/v1/events/{id}/registrations/{pupil_id}", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id"), ("pupil_id" = i64, Path, description = "the pupil's id")),
    responses((status = 204, description = "withdrawn"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/api/v1/events/{id}/registrations/{pupil_id}")]
pub async fn unregister(
    user: AuthUser,
    app: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (event_id, pupil_id) = path.into_inner();
    registrations::unregister(&app, &user, event_id, pupil_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Cancels an event (its organizer, admins); the schools with registered pupils are told.
#[utoipa::path(post, path = "/api/v1/events/{id}/cancel", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = Event), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "already cancelled", body = Problem, content_type = "application/problem+json")))]
#[post("/api/v1/events/{id}/cancel")]
pub async fn cancel(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    tagged(&events::cancel(&app, &user, id.into_inner(), if_match.0).await?)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    /// Exactly the registrations that came, by the codes on their tickets
    /// (`3f9a-1c0e-77b2-d4e5`, dashes and case as you like): each
    /// registered pupil's school gives the pupil the ticket. Never pupil ids.
    #[schema(max_items = 10000)]
    pub codes: Vec<String>,
}

/// Records who came (its organizer, admins), by the codes of the tickets
/// the pupils brought; a code that is no registration of the event is a 422.
#[utoipa::path(put, path = "/api/v1/events/{id}/attendance", tag = "guidance", security(("bearer" = [])), request_body = AttendanceBody,
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, description = "the codes recorded, as stored (16 hex digits), sorted", body = AttendanceBody), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 422, description = "a code that is not a ticket's, or no registration of the event", body = Problem, content_type = "application/problem+json")))]
#[put("/api/v1/events/{id}/attendance")]
pub async fn attendance(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<AttendanceBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    let codes = events::attendance(&app, &user, id.into_inner(), body.0.codes, if_match.0).await?;
    Ok(HttpResponse::Ok().json(AttendanceBody { codes }))
}

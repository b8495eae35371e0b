//! Career-guidance events: organised by colleges and enterprises, attended by pupils their schools register.

use std::collections::HashSet;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::references::{Reference, check_references};
use super::{AppState, Listing, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::events::{self, Event, NewEvent, Refusal};
use crate::db::schema::organizations;
use crate::db::{self, DbConnection, pupils};
use crate::domain::numbers::Grade;
use crate::domain::{Label, OrganizationKind, Page};
use crate::error::{ApiError, FieldError, Problem};
use crate::notify::outbox::enqueue;
use crate::notify::templates::{self, EventNews};
use crate::parse_fields;

const KINDS: [&str; 4] = ["excursion", "open_day", "trial_lesson", "workshop"];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventBody {
    /// A college, university or enterprise.
    pub organizer_id: i64,
    pub title: String,
    /// excursion, open_day, trial_lesson or workshop.
    pub kind: String,
    /// RFC 3339.
    pub starts_at: DateTime<Utc>,
    /// 1 to 10000 pupils.
    pub capacity: i32,
    /// The lowest grade that may attend, 5 to 11.
    pub min_grade: i32,
    /// 0.5 to 40: the guidance hours that attending counts for.
    pub hours: f64,
    /// The professions it shows.
    #[serde(default)]
    pub profession_ids: Vec<i64>,
}

fn organizer_kind_ok(conn: &mut DbConnection, organizer_id: i64) -> Result<(), ApiError> {
    let kind: Option<String> = organizations::table
        .find(organizer_id)
        .select(organizations::kind)
        .first(conn)
        .optional()?;
    match kind.as_deref().map(OrganizationKind::parse) {
        Some(Ok(
            OrganizationKind::College | OrganizationKind::University | OrganizationKind::Enterprise,
        )) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "organizer_id",
            "must be a college, university or enterprise",
        )),
        None => Err(ApiError::invalid(
            "organizer_id",
            format!("no organization has the id {organizer_id}"),
        )),
    }
}

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
    state: web::Data<AppState>,
    body: ApiJson<NewEventBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    authorize(
        &user,
        Action::ManageEvents {
            organizer_id: body.organizer_id,
        },
    )?;
    let kind = if KINDS.contains(&body.kind.as_str()) {
        Ok(body.kind.clone())
    } else {
        Err(format!("must be one of {}", KINDS.join(", ")))
    };
    let hours = if body.hours.is_finite() && (0.5..=40.0).contains(&body.hours) {
        Ok(body.hours)
    } else {
        Err("must be 0.5 to 40".to_string())
    };
    let capacity = if (1..=10_000).contains(&body.capacity) {
        Ok(body.capacity)
    } else {
        Err("must be 1 to 10000".to_string())
    };
    let mut seen = HashSet::new();
    let duplicate = body
        .profession_ids
        .iter()
        .find(|id| !seen.insert(**id))
        .copied();
    parse_fields!(
        title = "title" => Label::parse(&body.title, 300),
        kind = "kind" => kind,
        capacity = "capacity" => capacity,
        min_grade = "min_grade" => Grade::new(body.min_grade),
        hours = "hours" => hours,
        profession_ids = "profession_ids" => match duplicate {
            Some(id) => Err(format!("profession {id} is listed twice")),
            None => Ok(body.profession_ids.clone()),
        },
    );
    let new = NewEvent {
        organizer_id: body.organizer_id,
        title: title.into_inner(),
        kind,
        starts_at: body.starts_at.naive_utc(),
        capacity,
        min_grade: min_grade.get(),
        hours,
        profession_ids,
    };
    let event = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            organizer_kind_ok(conn, new.organizer_id)?;
            let references: Vec<Reference> = new
                .profession_ids
                .iter()
                .enumerate()
                .map(|(i, id)| Reference::Profession {
                    field: format!("profession_ids[{i}]"),
                    id: *id,
                })
                .collect();
            check_references(conn, &references)?;
            Ok(events::insert_in_transaction(conn, &new)?)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/events/{}", event.id), &event))
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
    pub limit: Option<i64>,
    /// Default 0.
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
    state: web::Data<AppState>,
    query: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = events::Filter {
        from: query.from.and_then(|date| date.and_hms_opt(0, 0, 0)),
        profession_id: query.profession_id,
        grade: query.grade,
    };
    let listing = db::run(&state.pool, move |conn| {
        Ok(events::list(conn, filter, page)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One event (everyone).
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = Event), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/api/v1/events/{id}")]
pub async fn get_event(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let event = db::run(&state.pool, move |conn| Ok(events::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("event", id))?;
    Ok(HttpResponse::Ok().json(event))
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
}

fn email_of(conn: &mut DbConnection, organization_id: i64) -> QueryResult<(String, String)> {
    organizations::table
        .find(organization_id)
        .select((organizations::name, organizations::email))
        .first(conn)
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<RegistrationBody>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let pupil_id = body.0.pupil_id;
    authorize(&user, Action::SeePupilRecords)?;
    let pupil = db::run(&state.pool, move |conn| Ok(pupils::find(conn, pupil_id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("pupil", pupil_id))?;
    authorize_record(
        &user,
        Action::ManagePupils {
            school_id: pupil.school_id,
        },
        "pupil",
        pupil_id,
    )?;
    let head = state.letterhead.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let event = events::find(conn, event_id)?
                .ok_or_else(|| ApiError::not_found("event", event_id))?;
            let mut errors = Vec::new();
            if !pupil.consent {
                errors.push(FieldError::new(
                    "pupil_id",
                    "the pupil has no parental consent",
                ));
            }
            let now = crate::domain::numbers::current_academic_year();
            let grade_now = crate::domain::numbers::grade_in(pupil.grade, pupil.academic_year, now)
                .clamp(pupil.grade, 11);
            if grade_now < event.min_grade {
                errors.push(FieldError::new(
                    "pupil_id",
                    format!("the pupil's grade is below {}", event.min_grade),
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::Invalid(errors));
            }
            match events::register_in_transaction(conn, event_id, pupil_id, pupil.school_id)? {
                Ok(()) => {}
                Err(Refusal::Full) => return Err(ApiError::Conflict("the event is full".into())),
                Err(Refusal::Cancelled) => {
                    return Err(ApiError::Conflict("the event is cancelled".into()));
                }
                Err(Refusal::AlreadyRegistered) => {
                    return Err(ApiError::Conflict("the pupil is already registered".into()));
                }
            }
            let (school, school_email) = email_of(conn, pupil.school_id)?;
            let (_, organizer_email) = email_of(conn, event.organizer_id)?;
            let of_school = events::registered_by_school(conn, event_id)?
                .into_iter()
                .find(|(school_id, _)| *school_id == pupil.school_id)
                .map_or(0, |(_, count)| count);
            let news = EventNews {
                event_id,
                title: &event.title,
                starts_at: &event.starts_at,
            };
            let registered = event.registered + 1;
            let emails: Vec<_> = [organizer_email, school_email]
                .iter()
                .map(|to| {
                    templates::registration(
                        &head,
                        to,
                        &news,
                        &school,
                        of_school,
                        registered,
                        event.capacity,
                    )
                })
                .collect();
            enqueue(conn, &emails)?;
            Ok(())
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/events/{event_id}/registrations/{pupil_id}"),
        &Registration { event_id, pupil_id },
    ))
}

/// Withdraws a pupil's registration (its school, admins).
#[utoipa::path(delete, path = "/api/v1/events/{id}/registrations/{pupil_id}", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id"), ("pupil_id" = i64, Path, description = "the pupil's id")),
    responses((status = 204, description = "withdrawn"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/api/v1/events/{id}/registrations/{pupil_id}")]
pub async fn unregister(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (event_id, pupil_id) = path.into_inner();
    authorize(&user, Action::SeePupilRecords)?;
    let school_id = db::run(&state.pool, move |conn| {
        Ok(pupils::school_of(conn, pupil_id)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("pupil", pupil_id))?;
    authorize_record(&user, Action::ManagePupils { school_id }, "pupil", pupil_id)?;
    let removed = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            Ok(events::unregister_in_transaction(conn, event_id, pupil_id)?)
        })
    })
    .await?;
    if !removed {
        return Err(ApiError::NotFound(format!(
            "a registration of pupil {pupil_id} for event {event_id}"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The event for its organizer: 404 for other organizers, 403 for other roles.
async fn organized_event(
    state: &AppState,
    user: &AuthUser,
    event_id: i64,
) -> Result<Event, ApiError> {
    let event = db::run(&state.pool, move |conn| Ok(events::find(conn, event_id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("event", event_id))?;
    authorize_record(
        user,
        Action::ManageEvents {
            organizer_id: event.organizer_id,
        },
        "event",
        event_id,
    )?;
    Ok(event)
}

/// Cancels an event (its organizer, admins); the schools with registered pupils are told.
#[utoipa::path(post, path = "/api/v1/events/{id}/cancel", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = Event), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, description = "already cancelled", body = Problem, content_type = "application/problem+json")))]
#[post("/api/v1/events/{id}/cancel")]
pub async fn cancel(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let event = organized_event(&state, &user, event_id).await?;
    let head = state.letterhead.clone();
    let cancelled = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !events::cancel(conn, event_id)? {
                return Err(ApiError::Conflict("the event is already cancelled".into()));
            }
            let news = EventNews {
                event_id,
                title: &event.title,
                starts_at: &event.starts_at,
            };
            let mut emails = Vec::new();
            for (school_id, count) in events::registered_by_school(conn, event_id)? {
                let (_, email) = email_of(conn, school_id)?;
                emails.push(templates::cancellation(&head, &email, &news, count));
            }
            enqueue(conn, &emails)?;
            events::find(conn, event_id)?.ok_or_else(|| ApiError::not_found("event", event_id))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(cancelled))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    /// Exactly the registered pupils who came.
    pub pupil_ids: Vec<i64>,
}

/// Records who came (its organizer, admins); only registered pupils.
#[utoipa::path(put, path = "/api/v1/events/{id}/attendance", tag = "guidance", security(("bearer" = [])), request_body = AttendanceBody,
    params(("id" = i64, Path, description = "the event's id")),
    responses((status = 200, body = AttendanceBody), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, description = "pupils who are not registered", body = Problem, content_type = "application/problem+json")))]
#[put("/api/v1/events/{id}/attendance")]
pub async fn attendance(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<AttendanceBody>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    organized_event(&state, &user, event_id).await?;
    let mut pupil_ids = body.0.pupil_ids;
    pupil_ids.sort_unstable();
    pupil_ids.dedup();
    let stored = pupil_ids.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let registered: HashSet<i64> = events::registered_among(conn, event_id, &stored)?
                .into_iter()
                .collect();
            let errors: Vec<FieldError> = stored
                .iter()
                .enumerate()
                .filter(|(_, id)| !registered.contains(id))
                .map(|(i, id)| {
                    FieldError::new(
                        format!("pupil_ids[{i}]"),
                        format!("pupil {id} is not registered for this event"),
                    )
                })
                .collect();
            if !errors.is_empty() {
                return Err(ApiError::Invalid(errors));
            }
            Ok(events::set_attendance(conn, event_id, &stored)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "pupil_ids": pupil_ids })))
}

//! Career-guidance events: the list (upcoming first, past ones on their own
//! tab), a new event (in the region's local time), and an event's page,
//! where a school registers its pupils and an organizer records who came.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, Timelike, Utc};

use super::registration::{self, Outcome, RegisterPanel};
use crate::app::conditional::IfMatch;
use crate::app::events::{KINDS, NewEventBody};
use crate::app::registrations::SchoolTicket;
use crate::app::{self, Context};
use crate::auth::policy::{Action, authorize};
use crate::db::events::{Event, Filter};
use crate::domain::{Language, OrganizationKind, Role, Zone};
use crate::error::{AppError, FieldError};
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::pager::{LIST_PAGE, Pager};
use crate::web::render::{form_status, page_with, see_other};
use crate::web::viewer::Viewer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/events", web::get().to(events))
        .route("/events", web::post().to(create_event))
        .route("/events/{id}", web::get().to(event))
        .route("/events/{id}/register", web::post().to(register))
        .route("/events/{id}/unregister", web::post().to(unregister))
        .route("/events/{id}/attendance", web::post().to(attendance))
        .route("/events/{id}/cancel", web::post().to(cancel));
}

pub fn kind_label(kind: &str, lang: Language) -> &'static str {
    match kind {
        "excursion" => lang.tr("экскурсия", "excursion"),
        "open_day" => lang.tr("день открытых дверей", "open day"),
        "trial_lesson" => lang.tr("пробное занятие", "trial lesson"),
        _ => lang.tr("мастер-класс", "workshop"),
    }
}

#[derive(Template)]
#[template(path = "events.html", config = "src/web/askama.toml")]
struct EventsPage {
    c: Chrome,
    events: Vec<Event>,
    pager: Pager,
    /// The tab: past events (latest first) rather than upcoming ones (soonest first).
    past: bool,
    organizers: Vec<(i64, String)>,
    may_create: bool,
    state: FormState,
}

impl EventsPage {
    fn kind(&self, kind: &str) -> &'static str {
        kind_label(kind, self.c.lang)
    }

    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        KINDS
            .iter()
            .map(|k| (*k, kind_label(k, self.c.lang)))
            .collect()
    }

    fn organizer(&self, id: &i64) -> String {
        self.organizers
            .iter()
            .find(|o| o.0 == *id)
            .map(|o| o.1.clone())
            .unwrap_or_default()
    }
}

async fn events_page(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let past = crate::web::form::Form::of_request(req).get("when") == "past";
    let mut pager = Pager::of(req, LIST_PAGE);
    // To the minute, so that the listing's kept answer serves a minute.
    let now = minute(Utc::now().naive_utc());
    let filter = Filter {
        from: (!past).then_some(now),
        before: past.then_some(now),
        ..Filter::default()
    };
    let (events, total) = app::events::list_events(ctx, &viewer.user, filter, pager.page())
        .await
        .map_err(|e| viewer.error(e))?;
    pager.total = total;
    // Everyone who may organize: colleges, universities, enterprises.
    let mut organizers: Vec<(i64, String)> = super::all_organizations(ctx, viewer, None)
        .await?
        .into_iter()
        .filter(|o| o.kind != OrganizationKind::School)
        .map(|o| (o.id, o.name))
        .collect();
    organizers.sort_by(|a, b| a.1.cmp(&b.1));
    let page_data = EventsPage {
        c: viewer.chrome(viewer.tr("События профориентации", "Guidance events")),
        events,
        pager,
        past,
        organizers,
        may_create: matches!(
            viewer.user.role,
            Role::Admin | Role::College | Role::Enterprise
        ),
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

fn minute(at: NaiveDateTime) -> NaiveDateTime {
    at.with_second(0)
        .and_then(|at| at.with_nanosecond(0))
        .unwrap_or(at)
}

async fn events(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    events_page(&req, &viewer, &ctx, FormState::default()).await
}

/// A `datetime-local` value ("2027-03-01T10:00") in the region's local time.
fn starts_at(
    form: &Form,
    zone: &Zone,
    errors: &mut Vec<FieldError>,
    lang: Language,
) -> Option<chrono::DateTime<Utc>> {
    let text = form.get("starts_at");
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|local| zone.to_utc(local))
        .or_else(|| {
            errors.push(FieldError::new(
                "starts_at",
                lang.tr(
                    "дата и время, например 2027-03-01T10:00",
                    "a date and time, e.g. 2027-03-01T10:00",
                ),
            ));
            None
        })
}

async fn create_event(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let organizer_id = match viewer.user.role {
        Role::Admin => form.number("organizer_id", &mut errors, lang),
        _ => viewer.user.organization_id,
    };
    let starts_at = starts_at(&form, &viewer.zone, &mut errors, lang);
    let capacity = form.number("capacity", &mut errors, lang);
    let min_grade = form.number("min_grade", &mut errors, lang);
    let hours = form.number("hours", &mut errors, lang);
    let (Some(organizer_id), Some(starts_at), Some(capacity), Some(min_grade), Some(hours), true) = (
        organizer_id,
        starts_at,
        capacity,
        min_grade,
        hours,
        errors.is_empty(),
    ) else {
        return events_page(&req, &viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    let body = NewEventBody {
        organizer_id,
        title: form.get("title").to_string(),
        kind: form.get("kind").to_string(),
        starts_at,
        capacity,
        min_grade,
        hours,
        profession_ids: Vec::new(),
    };
    match app::events::create_event(&ctx, &viewer.user, body, None).await {
        Ok(event) => Ok(see_other(&format!("/events/{}?saved=1", event.id))),
        Err(error) => {
            let state = invalid_or(error, &form, lang)?;
            events_page(&req, &viewer, &ctx, state).await
        }
    }
}

#[derive(Template)]
#[template(path = "event.html", config = "src/web/askama.toml")]
struct EventPage {
    c: Chrome,
    event: Event,
    organizer: String,
    organizes: bool,
    /// Whether the event has started.
    past: bool,
    /// The school's form to register its pupils, when the viewer is a school.
    panel: Option<RegisterPanel>,
    /// The school's own registered pupils with their tickets.
    tickets: Vec<SchoolTicket>,
    /// What the batch just posted did, when some pupils were refused.
    outcome: Option<Outcome>,
    state: FormState,
}

impl EventPage {
    fn kind(&self) -> &'static str {
        kind_label(&self.event.kind, self.c.lang)
    }
}

fn event_id(viewer: &Viewer, raw: &str) -> Result<i64, WebError> {
    raw.parse()
        .map_err(|_| viewer.error(AppError::NotFound("event".into())))
}

/// The event's page: `query` is the registration form's filter.
async fn event_page(
    viewer: &Viewer,
    ctx: &Context,
    id: i64,
    query: &Form,
    state: FormState,
    outcome: Option<Outcome>,
) -> Result<HttpResponse, WebError> {
    let event = app::events::get_event(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let organizer = app::catalogue::get_organization(ctx, &viewer.user, event.organizer_id)
        .await
        .map_err(|e| viewer.error(e))?
        .name;
    let organizes = authorize(
        &viewer.user,
        Action::ManageEvents {
            organizer_id: event.organizer_id,
        },
    )
    .is_ok();
    let past = chrono::DateTime::parse_from_rfc3339(&event.starts_at)
        .is_ok_and(|at| at.with_timezone(&Utc) <= Utc::now());
    let panel = if viewer.user.role == Role::School && !event.cancelled && !past {
        Some(RegisterPanel::of(ctx, viewer, &event, query).await?)
    } else {
        None
    };
    let tickets = app::registrations::school_tickets(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let page_data = EventPage {
        c: viewer.chrome(&event.title),
        tickets,
        organizer,
        organizes,
        past,
        event,
        panel,
        outcome,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn event(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = event_id(&viewer, &id)?;
    let query = crate::web::form::Form::of_request(&req);
    event_page(&viewer, &ctx, id, &query, FormState::default(), None).await
}

/// The codes typed on the attendance form: one per line or comma-separated.
fn typed_codes(form: &Form) -> Vec<String> {
    form.get("codes")
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(String::from)
        .collect()
}

async fn attendance(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    let codes = typed_codes(&form);
    let none = Form::default();
    match app::events::attendance(&ctx, &viewer.user, id, codes.clone(), IfMatch::Absent).await {
        Ok(_) => Ok(see_other(&format!("/events/{id}?attendance=1"))),
        Err(AppError::Invalid(errors)) => {
            // The API names `codes[i]`; the page names the code as typed.
            let errors = errors
                .into_iter()
                .map(|e| {
                    let typed = e
                        .field
                        .strip_prefix("codes[")
                        .and_then(|rest| rest.strip_suffix(']'))
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| codes.get(i))
                        .cloned()
                        .unwrap_or_default();
                    // A well-formed code that was refused is no ticket of the event.
                    let message = if app::events::ticket_code(&typed).is_some() {
                        viewer.tr(
                            "нет такого билета на это событие",
                            "no ticket of this event has this code",
                        )
                    } else {
                        viewer.tr(
                            "не код билета (16 знаков: цифры и буквы a–f)",
                            "not a ticket's code (16 digits and letters a-f)",
                        )
                    };
                    FieldError::new("codes", format!("{typed}: {message}"))
                })
                .collect();
            let state = FormState::failed(&form, errors);
            event_page(&viewer, &ctx, id, &none, state, None).await
        }
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            event_page(&viewer, &ctx, id, &none, state, None).await
        }
    }
}

async fn cancel(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    app::events::cancel(&ctx, &viewer.user, id, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other(&format!("/events/{id}?cancelled=1")))
}

/// Registers the pupils the school's form chose: the good ones, naming each refused one.
async fn register(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    let ids = match registration::chosen(&ctx, &viewer, id, &form).await? {
        Ok(ids) => ids,
        Err(errors) => {
            let state = FormState::failed(&form, errors);
            return event_page(&viewer, &ctx, id, &form, state, None).await;
        }
    };
    match app::registrations::register_batch(&ctx, &viewer.user, id, ids).await {
        Ok(batch) if batch.refused.is_empty() => Ok(see_other(&format!(
            "/events/{id}?registered={}",
            batch.registered.len()
        ))),
        Ok(batch) => {
            let outcome = Outcome::of(&batch, viewer.lang);
            event_page(
                &viewer,
                &ctx,
                id,
                &form,
                FormState::default(),
                Some(outcome),
            )
            .await
        }
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            event_page(&viewer, &ctx, id, &form, state, None).await
        }
    }
}

/// Withdraws the registrations of the pupils posted (a row's button posts one).
async fn unregister(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    let none = Form::default();
    let ids = match registration::pupil_ids(&form, viewer.lang) {
        Ok(ids) => ids,
        Err(errors) => {
            let state = FormState::failed(&form, errors);
            return event_page(&viewer, &ctx, id, &none, state, None).await;
        }
    };
    for pupil_id in ids {
        if let Err(error) = app::registrations::unregister(&ctx, &viewer.user, id, pupil_id).await {
            let state = invalid_or(error, &form, viewer.lang)?;
            return event_page(&viewer, &ctx, id, &none, state, None).await;
        }
    }
    Ok(see_other(&format!("/events/{id}?withdrawn=1")))
}

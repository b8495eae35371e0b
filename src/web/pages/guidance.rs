//! Career guidance: a school's guidance record, and events with their
//! registration and attendance.

use crate::app::conditional::IfMatch;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::pager::{LIST_PAGE, Pager};
use crate::web::render::{form_status, page, page_with, see_other};
use crate::web::viewer::Viewer;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeZone, Utc};

use crate::app::events::{KINDS, NewEventBody};
use crate::app::guidance::GuidanceReport;
use crate::app::{self, Context};
use crate::auth::policy::{Action, authorize};
use crate::db::events::{Event, Filter};
use crate::db::pupils::Pupil;
use crate::domain::Language;
use crate::domain::{OrganizationKind, Page, Role};
use crate::error::{AppError, FieldError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/guidance", web::get().to(report))
        .route("/events", web::get().to(events))
        .route("/events", web::post().to(create_event))
        .route("/events/{id}", web::get().to(event))
        .route("/events/{id}/register", web::post().to(register))
        .route("/events/{id}/unregister", web::post().to(unregister))
        .route("/events/{id}/attendance", web::post().to(attendance))
        .route("/events/{id}/cancel", web::post().to(cancel));
}

fn query_form(req: &HttpRequest) -> Form {
    Form::from_pairs(serde_urlencoded::from_str(req.query_string()).unwrap_or_default())
}

fn kind_label(kind: &str, lang: Language) -> &'static str {
    match kind {
        "excursion" => lang.tr("экскурсия", "excursion"),
        "open_day" => lang.tr("день открытых дверей", "open day"),
        "trial_lesson" => lang.tr("пробное занятие", "trial lesson"),
        _ => lang.tr("мастер-класс", "workshop"),
    }
}

#[derive(Template)]
#[template(path = "guidance.html", config = "src/web/askama.toml")]
struct GuidancePage {
    c: Chrome,
    schools: Vec<(i64, String)>,
    report: GuidanceReport,
    professions: Vec<crate::db::professions::Profession>,
}

impl GuidancePage {
    fn is_school(&self, id: &i64) -> bool {
        self.report.school_id == *id
    }

    fn profession(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.professions.iter().find(|p| p.id == id))
            .map(|p| format!("{} {}", p.code, p.title))
            .unwrap_or_default()
    }
}

async fn report(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let query = query_form(&req);
    let mut errors = Vec::new();
    let asked: Option<i64> = query.optional("school_id", &mut errors, viewer.lang);
    let year: Option<i32> = query.optional("academic_year", &mut errors, viewer.lang);
    if !errors.is_empty() {
        return Err(viewer.error(AppError::Invalid(errors)));
    }
    let schools = if viewer.user.role == Role::School {
        Vec::new()
    } else {
        super::names_of(&ctx, &viewer, Some(OrganizationKind::School)).await?
    };
    let school_id = match viewer.user.role {
        Role::School => viewer.user.organization_id,
        _ => asked.or_else(|| schools.first().map(|s| s.0)),
    }
    .ok_or_else(|| viewer.error(AppError::NotFound("school".into())))?;
    let report = app::guidance::report(&ctx, &viewer.user, school_id, year)
        .await
        .map_err(|e| viewer.error(e))?;
    let professions = super::all_professions(&ctx, &viewer).await?;
    page(&GuidancePage {
        c: viewer.chrome(viewer.tr("Профориентация", "Career guidance")),
        schools,
        report,
        professions,
    })
}

#[derive(Template)]
#[template(path = "events.html", config = "src/web/askama.toml")]
struct EventsPage {
    c: Chrome,
    events: Vec<Event>,
    pager: Pager,
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
    let mut pager = Pager::of(req, LIST_PAGE);
    let filter = Filter {
        from: None,
        profession_id: None,
        grade: None,
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
        organizers,
        may_create: matches!(
            viewer.user.role,
            Role::Admin | Role::College | Role::Enterprise
        ),
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn events(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    events_page(&req, &viewer, &ctx, FormState::default()).await
}

/// A `datetime-local` value ("2027-03-01T10:00"), taken as UTC.
fn starts_at(
    form: &Form,
    errors: &mut Vec<FieldError>,
    lang: Language,
) -> Option<chrono::DateTime<Utc>> {
    let text = form.get("starts_at");
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| Utc.from_utc_datetime(&naive))
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
    let starts_at = starts_at(&form, &mut errors, lang);
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
        Ok(event) => Ok(see_other(&format!("/events/{}", event.id))),
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
    pupils: Vec<Pupil>,
    /// The school's own registered pupils with their tickets.
    tickets: Vec<crate::app::events::SchoolTicket>,
    state: FormState,
    message: Option<String>,
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

async fn event_page(
    viewer: &Viewer,
    ctx: &Context,
    id: i64,
    state: FormState,
    message: Option<String>,
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
    let pupils = match (viewer.user.role, viewer.user.organization_id) {
        (Role::School, Some(school_id)) => {
            let all = Page {
                limit: Page::MAX_LIMIT,
                offset: 0,
            };
            app::pupils::list(ctx, &viewer.user, Some(school_id), None, None, all)
                .await
                .map_err(|e| viewer.error(e))?
                .0
                .into_iter()
                .filter(|p| p.grade >= event.min_grade)
                .collect()
        }
        _ => Vec::new(),
    };
    let tickets = app::events::school_tickets(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let page_data = EventPage {
        c: viewer.chrome(&event.title),
        tickets,
        organizer,
        organizes,
        event,
        pupils,
        state,
        message,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn event(
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = event_id(&viewer, &id)?;
    event_page(&viewer, &ctx, id, FormState::default(), None).await
}

/// The pupil ids chosen in a form (checkboxes, or ids typed one per line or comma-separated).
fn pupil_ids(form: &Form, lang: Language) -> Result<Vec<i64>, Vec<FieldError>> {
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for value in form.all("pupil_ids") {
        for part in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            match part.parse() {
                Ok(id) => ids.push(id),
                Err(_) => errors.push(FieldError::new(
                    "pupil_ids",
                    format!("{}: {part}", lang.tr("не номер ученика", "not a pupil id")),
                )),
            }
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors)
    }
}

/// A posted list of pupil ids on an event, its CSRF token checked: the
/// form, the event's id and the ids; or the event's page shown again with
/// the bad ids marked.
async fn pupils_posted(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    id: &str,
    body: &[u8],
) -> Result<Result<(Form, i64, Vec<i64>), HttpResponse>, WebError> {
    let form = viewer.checked(req, body)?;
    let id = event_id(viewer, id)?;
    match pupil_ids(&form, viewer.lang) {
        Ok(ids) => Ok(Ok((form, id, ids))),
        Err(errors) => {
            let state = FormState::failed(&form, errors);
            Ok(Err(event_page(viewer, ctx, id, state, None).await?))
        }
    }
}

async fn register(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (form, id, ids) = match pupils_posted(&req, &viewer, &ctx, &id, &body).await? {
        Ok(posted) => posted,
        Err(shown_again) => return Ok(shown_again),
    };
    let mut done = 0;
    for pupil_id in ids {
        match app::events::register(&ctx, &viewer.user, id, pupil_id, None).await {
            Ok(_) => done += 1,
            Err(error) => {
                let state = invalid_or(error, &form, viewer.lang)?;
                let message = format!(
                    "{}: {done}",
                    viewer.tr("Записано до ошибки", "Registered before the error")
                );
                return event_page(&viewer, &ctx, id, state, Some(message)).await;
            }
        }
    }
    Ok(see_other(&format!("/events/{id}?registered={done}")))
}

async fn unregister(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let (form, id, ids) = match pupils_posted(&req, &viewer, &ctx, &id, &body).await? {
        Ok(posted) => posted,
        Err(shown_again) => return Ok(shown_again),
    };
    for pupil_id in ids {
        if let Err(error) = app::events::unregister(&ctx, &viewer.user, id, pupil_id).await {
            let state = invalid_or(error, &form, viewer.lang)?;
            return event_page(&viewer, &ctx, id, state, None).await;
        }
    }
    Ok(see_other(&format!("/events/{id}")))
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
            event_page(&viewer, &ctx, id, FormState::failed(&form, errors), None).await
        }
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            event_page(&viewer, &ctx, id, state, None).await
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
    Ok(see_other(&format!("/events/{id}")))
}

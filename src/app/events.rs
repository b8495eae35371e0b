//! Career-guidance events: organised by colleges and enterprises, pupils
//! registered by their schools (never past capacity, only with consent and
//! from the minimum grade), cancellations, attendance, and a pupil's events.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::{self, log, logged};
use super::conditional::{IfMatch, Once};
use super::{Context, pupils, require_kind};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize, authorize_record};
use crate::db::audit::AuditAction;
use crate::db::events::{self, Event, NewEvent};
use crate::db::locks::Lock;
use crate::db::references::{Reference, check_references};
use crate::db::{self, DbConnection, organizations, outbox};
use crate::domain::disclosure;
use crate::domain::numbers::Grade;
use crate::domain::{Label, OrganizationKind, Page};
use crate::error::{AppError, AppResult, FieldError};
use crate::notify::templates::{self, EventNews};
use crate::parse_fields;

pub const KINDS: [&str; 4] = ["excursion", "open_day", "trial_lesson", "workshop"];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organizer_id": 25, "title": "День открытых дверей на стекольном заводе", "kind": "open_day", "starts_at": "2027-03-18T09:00:00Z", "capacity": 40, "min_grade": 7, "hours": 3.0, "profession_ids": [3]}))]
pub struct NewEventBody {
    /// A college, university or enterprise.
    #[schema(minimum = 1)]
    pub organizer_id: i64,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// excursion, open_day, trial_lesson or workshop.
    #[schema(pattern = r"^(excursion|open_day|trial_lesson|workshop)$")]
    pub kind: String,
    /// RFC 3339.
    pub starts_at: DateTime<Utc>,
    /// 1 to 10000 pupils.
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: i32,
    /// The lowest grade that may attend, 5 to 11.
    #[schema(minimum = 5, maximum = 11)]
    pub min_grade: i32,
    /// 0.5 to 40: the guidance hours that attending counts for.
    #[schema(minimum = 0.5, maximum = 40)]
    pub hours: f64,
    /// The professions it shows.
    #[serde(default)]
    pub profession_ids: Vec<i64>,
}

impl NewEventBody {
    fn checked(self) -> AppResult<NewEvent> {
        let kind = if KINDS.contains(&self.kind.as_str()) {
            Ok(self.kind.clone())
        } else {
            Err(format!("must be one of {}", KINDS.join(", ")))
        };
        let hours = if self.hours.is_finite() && (0.5..=40.0).contains(&self.hours) {
            Ok(self.hours)
        } else {
            Err("must be 0.5 to 40".to_string())
        };
        let capacity = if (1..=10_000).contains(&self.capacity) {
            Ok(self.capacity)
        } else {
            Err("must be 1 to 10000".to_string())
        };
        let mut seen = HashSet::new();
        let duplicate = self
            .profession_ids
            .iter()
            .find(|id| !seen.insert(**id))
            .copied();
        parse_fields!(
            title = "title" => Label::parse(&self.title, 300),
            kind = "kind" => kind,
            capacity = "capacity" => capacity,
            min_grade = "min_grade" => Grade::new(self.min_grade),
            hours = "hours" => hours,
            profession_ids = "profession_ids" => match duplicate {
                Some(id) => Err(format!("profession {id} is listed twice")),
                None => Ok(self.profession_ids.clone()),
            },
        );
        Ok(NewEvent {
            organizer_id: self.organizer_id,
            title: title.into_inner(),
            kind,
            starts_at: self.starts_at.naive_utc(),
            capacity,
            min_grade: min_grade.get(),
            hours,
            profession_ids,
        })
    }
}

/// Creates an event (admins, or a user of the organizing college or enterprise).
pub async fn create_event(
    ctx: &Context,
    user: &AuthUser,
    body: NewEventBody,
    once: Option<Once>,
) -> AppResult<Event> {
    authorize(
        user,
        Action::ManageEvents {
            organizer_id: body.organizer_id,
        },
    )?;
    let new = body.checked()?;
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        require_kind(
            conn,
            "organizer_id",
            new.organizer_id,
            &[
                OrganizationKind::College,
                OrganizationKind::University,
                OrganizationKind::Enterprise,
            ],
            "a college, university or enterprise",
        )?;
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
        let event = events::insert_in_transaction(conn, &new)?;
        logged(conn, &actor, "event", AuditAction::Create, event)
    })
    .await
}

/// Events, soonest first (everyone).
pub async fn list_events(
    ctx: &Context,
    user: &AuthUser,
    filter: events::Filter,
    page: Page,
) -> AppResult<(Vec<Event>, i64)> {
    authorize(user, Action::ReadCatalogue)?;
    let reader = *user;
    // What a reader sees of `registered` depends on its role and organization only.
    let key = format!(
        "{filter:?} {page:?} {:?} {:?}",
        reader.role, reader.organization_id
    );
    let listing = ctx
        .remembered("events", key, || {
            ctx.run(move |conn| {
                let (mut events, total) = events::list(conn, filter, page)?;
                protect_registered(conn, &reader, &mut events)?;
                Ok((events, total))
            })
        })
        .await?;
    Ok(<(Vec<Event>, i64)>::clone(&listing))
}

/// One event (everyone).
pub async fn get_event(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Event> {
    authorize(user, Action::ReadCatalogue)?;
    let reader = *user;
    ctx.run(move |conn| {
        event_as_seen(conn, &reader, id)?.ok_or_else(|| AppError::not_found("event", id))
    })
    .await
}

/// Event `id` as `reader` sees it (`registered` protected), if it exists.
fn event_as_seen(conn: &mut DbConnection, reader: &AuthUser, id: i64) -> AppResult<Option<Event>> {
    let Some(event) = events::find(conn, id)? else {
        return Ok(None);
    };
    let mut event = [event];
    protect_registered(conn, reader, &mut event)?;
    let [event] = event;
    Ok(Some(event))
}

/// Sets each event's `registered` as `reader` may see it: exact for admins;
/// for everyone else the sum of each school's registrations rounded to a
/// multiple of 5 (0 to 2 as 0), a school's own counted exactly.
fn protect_registered(
    conn: &mut DbConnection,
    reader: &AuthUser,
    events: &mut [Event],
) -> AppResult<()> {
    if allows(reader, Action::ReadAllPupils) || events.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
    let mut by_event: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (event_id, school_id, count) in events::registered_by_event_and_school(conn, &ids)? {
        by_event
            .entry(event_id)
            .or_default()
            .push((school_id, count));
    }
    for event in events {
        let schools = by_event.remove(&event.id).unwrap_or_default();
        event.registered = protected_total(&schools, |school_id| {
            allows(reader, Action::ReadPupils { school_id })
        });
    }
    Ok(())
}

/// Registrations per school `(school_id, count)` added up as a reader sees
/// them: the schools `own` says are the reader's exactly, the others each
/// rounded (see `domain::disclosure`).
pub(super) fn protected_total(schools: &[(i64, i64)], own: impl Fn(i64) -> bool) -> i32 {
    let total: i64 = schools
        .iter()
        .map(|(school_id, count)| disclosure::shown(*count, own(*school_id)))
        .sum();
    i32::try_from(total).unwrap_or(i32::MAX)
}

pub(super) fn event_in(conn: &mut DbConnection, event_id: i64) -> AppResult<Event> {
    events::find(conn, event_id)?.ok_or_else(|| AppError::not_found("event", event_id))
}

/// The event for its organizer: not found for other organizers, forbidden for other roles.
async fn organized_event(ctx: &Context, user: &AuthUser, event_id: i64) -> AppResult<Event> {
    let event = ctx.run(move |conn| event_in(conn, event_id)).await?;
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
pub async fn cancel(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    if_match: IfMatch,
) -> AppResult<Event> {
    let event = organized_event(ctx, user, event_id).await?;
    let head = ctx.letterhead.clone();
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Event(event_id), |conn| {
            event_as_seen(conn, &actor, event_id)
        })?;
        if !events::cancel(conn, event_id)? {
            return Err(AppError::Conflict("the event is already cancelled".into()));
        }
        let news = EventNews {
            event_id,
            title: &event.title,
            starts_at: &event.starts_at,
        };
        let mut emails = Vec::new();
        for (school_id, count) in events::registered_by_school(conn, event_id)? {
            let (_, email) = organizations::name_and_email(conn, school_id)?;
            emails.push(templates::cancellation(&head, &email, &news, count));
        }
        outbox::enqueue(conn, &emails)?;
        let cancelled = event_in(conn, event_id)?;
        let cancelled = logged(conn, &actor, "event", AuditAction::Update, cancelled)?;
        let mut cancelled = [cancelled];
        protect_registered(conn, &actor, &mut cancelled)?;
        let [cancelled] = cancelled;
        Ok(cancelled)
    })
    .await
}

/// A registration's code: 8 random bytes (64 bits) as 16 hex digits.
pub(super) const TICKET_BYTES: usize = 8;

/// A code as written on a ticket (`3f9a-1c0e-77b2-d4e5`), in any case, with
/// or without the dashes and spaces, as it is stored; `None` if it is not one.
pub fn ticket_code(written: &str) -> Option<String> {
    let code: String = written
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    (code.len() == TICKET_BYTES * 2 && code.bytes().all(|b| b.is_ascii_hexdigit())).then_some(code)
}

/// A stored code as a ticket shows it: four groups of four.
pub fn ticket_text(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Records who came (its organizer, admins), by the codes of the
/// registrations: each registered pupil's school gives the pupil a ticket
/// with its code, and the organizer records the codes of those who came.
/// The organizer never names a pupil: nothing it sends can tell it who is
/// registered. A code that is no registration of the event is a 422 (codes
/// are 64 random bits: only a ticket tells one). Returns the codes as
/// stored, sorted and without repeats.
pub async fn attendance(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    written: Vec<String>,
    if_match: IfMatch,
) -> AppResult<Vec<String>> {
    organized_event(ctx, user, event_id).await?;
    let actor = *user;
    let mut errors = Vec::new();
    let mut codes = Vec::with_capacity(written.len());
    for (i, text) in written.iter().enumerate() {
        match ticket_code(text) {
            Some(code) => codes.push((i, code)),
            None => errors.push(FieldError::new(
                format!("codes[{i}]"),
                "is not a ticket's code: 16 letters a-f and digits, as 3f9a-1c0e-77b2-d4e5",
            )),
        }
    }
    AppError::unless_empty(errors)?;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Event(event_id), |conn| {
            event_as_seen(conn, &actor, event_id)
        })?;
        let asked: Vec<String> = codes.iter().map(|(_, code)| code.clone()).collect();
        let known: HashSet<String> = events::codes_among(conn, event_id, &asked)?
            .into_iter()
            .collect();
        let unknown: Vec<FieldError> = codes
            .iter()
            .filter(|(_, code)| !known.contains(code))
            .map(|(i, _)| {
                FieldError::new(
                    format!("codes[{i}]"),
                    "no registration for this event has this code",
                )
            })
            .collect();
        AppError::unless_empty(unknown)?;
        let mut stored: Vec<String> = known.into_iter().collect();
        stored.sort_unstable();
        events::set_attendance(conn, event_id, &stored)?;
        let changes = serde_json::json!({ "attended": stored.len() });
        log(
            conn,
            &actor,
            "attendance",
            Some(event_id),
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(stored)
    })
    .await
}

/// The events a pupil is registered for, and the guidance hours of those
/// attended (the pupil's school, admins); the read is logged.
pub async fn pupil_events(
    ctx: &Context,
    user: &AuthUser,
    pupil_id: i64,
) -> AppResult<(Vec<db::events::PupilEvent>, f64)> {
    let pupil = pupils::visible(ctx, user, pupil_id, |school_id| Action::ReadPupils {
        school_id,
    })
    .await?;
    let events = ctx
        .run(move |conn| Ok(db::events::of_pupil(conn, pupil_id)?))
        .await?;
    let read = serde_json::json!({ "school_id": pupil.school_id, "events": true });
    audit::pupils_read(ctx, user, Some(pupil_id), read).await?;
    let hours = events
        .iter()
        .filter(|e| e.attended && !e.cancelled)
        .map(|e| e.hours)
        .sum();
    Ok((events, hours))
}

/// An event's start as stored, for filters given as dates.
pub fn start_of(date: chrono::NaiveDate) -> Option<NaiveDateTime> {
    date.and_hms_opt(0, 0, 0)
}

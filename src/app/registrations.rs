//! Registering a school's pupils for events: one pupil (the API), or a
//! batch from the school's page (the good ones registered, each refused one
//! named with its reason, one email to each school per batch); the pupils a
//! school may register; withdrawing; the tickets a school hands out.

use std::collections::{BTreeMap, HashSet};

use super::audit::{self, log};
use super::conditional::Once;
use super::events::{TICKET_BYTES, event_in, protected_total, ticket_text};
use super::{Context, pupils};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize, authorize_record};
use crate::auth::token::random_hex;
use crate::db::audit::AuditAction;
use crate::db::events::{self, Event, Refusal, SchoolPupil};
use crate::db::{self, DbConnection, organizations, outbox};
use crate::domain::Role;
use crate::domain::numbers::{current_academic_year, grade_in};
use crate::error::{AppError, AppResult, FieldError};
use crate::notify::Letterhead;
use crate::notify::templates::{self, EventNews};

/// The most pupils one batch may name.
pub const MAX_BATCH: usize = 5000;

/// Why a pupil was not registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No pupil of a school the caller manages has this id.
    Unknown,
    NoConsent,
    /// The pupil's grade this year is below the event's lowest.
    BelowGrade {
        grade: i32,
        min_grade: i32,
    },
    AlreadyRegistered,
    Full,
}

/// A pupil refused in a batch: its id, its school reference when it is one
/// the caller may see, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedPupil {
    pub pupil_id: i64,
    pub external_ref: Option<String>,
    pub reason: Refused,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// `(pupil_id, ticket code as shown)`.
    pub registered: Vec<(i64, String)>,
    pub refused: Vec<RefusedPupil>,
}

/// A pupil's grade in the current academic year (at most 11).
fn grade_now(grade: i32, academic_year: i32) -> i32 {
    grade_in(grade, academic_year, current_academic_year()).clamp(grade, 11)
}

/// What keeps a pupil from the event whatever its places: no consent, or a
/// grade below the event's.
fn ineligible(consent: bool, grade: i32, event: &Event) -> Vec<Refused> {
    let mut reasons = Vec::new();
    if !consent {
        reasons.push(Refused::NoConsent);
    }
    if grade < event.min_grade {
        reasons.push(Refused::BelowGrade {
            grade,
            min_grade: event.min_grade,
        });
    }
    reasons
}

/// Takes a place for the pupil; the ticket's code, or why not.
fn take_place(
    conn: &mut DbConnection,
    actor: &AuthUser,
    event_id: i64,
    pupil_id: i64,
    school_id: i64,
) -> AppResult<Result<String, Refused>> {
    let code = random_hex(TICKET_BYTES)?;
    match events::register_in_transaction(conn, event_id, pupil_id, school_id, &code)? {
        Ok(()) => {}
        Err(Refusal::Full) => return Ok(Err(Refused::Full)),
        Err(Refusal::AlreadyRegistered) => return Ok(Err(Refused::AlreadyRegistered)),
        Err(Refusal::Cancelled) => {
            return Err(AppError::Conflict("the event is cancelled".into()));
        }
    }
    let changes = serde_json::json!({ "event_id": event_id });
    log(
        conn,
        actor,
        "registration",
        Some(pupil_id),
        AuditAction::Create,
        Some(changes),
    )?;
    Ok(Ok(ticket_text(&code)))
}

/// Tells each school of `schools` how many of its pupils are registered
/// now: one email per school, whatever the number registered at once. Only
/// the school is told: a message to the organizer per registration would
/// let it count each school's pupils.
fn tell_schools(
    conn: &mut DbConnection,
    head: &Letterhead,
    event: &Event,
    schools: &BTreeMap<i64, usize>,
) -> AppResult<()> {
    if schools.is_empty() {
        return Ok(());
    }
    let registered = events::registered_by_school(conn, event.id)?;
    let news = EventNews {
        event_id: event.id,
        title: &event.title,
        starts_at: &event.starts_at,
    };
    let mut emails = Vec::new();
    for (school_id, added) in schools {
        let (school, school_email) = organizations::name_and_email(conn, *school_id)?;
        let of_school = registered
            .iter()
            .find(|(id, _)| id == school_id)
            .map_or(0, |(_, count)| *count);
        let total = protected_total(&registered, |id| id == *school_id);
        emails.push(templates::registration(
            head,
            &school_email,
            &news,
            &school,
            *added,
            of_school,
            total,
            event.capacity,
        ));
    }
    outbox::enqueue(conn, &emails)?;
    Ok(())
}

/// Registers a pupil (its school, admins): a conflict when full, cancelled or
/// already registered; invalid when the pupil's grade is below the event's or
/// it has no consent. The school is told, by counts only. Returns the
/// registration's ticket code, for the school to give the pupil.
pub async fn register(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    pupil_id: i64,
    once: Option<Once>,
) -> AppResult<String> {
    let pupil = pupils::visible(ctx, user, pupil_id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    let head = ctx.letterhead.clone();
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        let event = event_in(conn, event_id)?;
        let grade = grade_now(pupil.grade, pupil.academic_year);
        let errors: Vec<FieldError> = ineligible(pupil.consent, grade, &event)
            .into_iter()
            .map(|reason| match reason {
                Refused::BelowGrade { min_grade, .. } => FieldError::new(
                    "pupil_id",
                    format!("the pupil's grade is below {min_grade}"),
                ),
                _ => FieldError::new("pupil_id", "the pupil has no parental consent"),
            })
            .collect();
        AppError::unless_empty(errors)?;
        let code = match take_place(conn, &actor, event_id, pupil_id, pupil.school_id)? {
            Ok(code) => code,
            Err(Refused::Full) => return Err(AppError::Conflict("the event is full".into())),
            Err(_) => {
                return Err(AppError::Conflict("the pupil is already registered".into()));
            }
        };
        tell_schools(conn, &head, &event, &BTreeMap::from([(pupil.school_id, 1)]))?;
        Ok(code)
    })
    .await
}

/// Registers the pupils `pupil_ids` at once (their schools, admins), in one
/// transaction: each one that may go is registered, each one that may not
/// is named with its reason, and each school gets one email. A cancelled
/// event is a conflict and registers nobody.
pub async fn register_batch(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    pupil_ids: Vec<i64>,
) -> AppResult<Batch> {
    authorize(user, Action::SeePupilRecords)?;
    if pupil_ids.is_empty() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "pupil_ids",
            "choose at least one pupil",
        )]));
    }
    if pupil_ids.len() > MAX_BATCH {
        return Err(AppError::Invalid(vec![FieldError::new(
            "pupil_ids",
            format!("at most {MAX_BATCH} pupils at once"),
        )]));
    }
    let head = ctx.letterhead.clone();
    let actor = *user;
    ctx.write(move |conn| {
        let event = event_in(conn, event_id)?;
        if event.cancelled {
            return Err(AppError::Conflict("the event is cancelled".into()));
        }
        let mut batch = Batch::default();
        let mut schools: BTreeMap<i64, usize> = BTreeMap::new();
        let mut seen = HashSet::new();
        let ids: Vec<i64> = pupil_ids
            .into_iter()
            .filter(|id| seen.insert(*id))
            .collect();
        // One read for the whole batch, not one per pupil.
        let mut found = events::pupils_by_id(conn, &ids)?;
        for pupil_id in ids {
            let refuse = |external_ref: Option<String>, reason| RefusedPupil {
                pupil_id,
                external_ref,
                reason,
            };
            let pupil = found.remove(&pupil_id).filter(|(school_id, _)| {
                allows(
                    &actor,
                    Action::ManagePupils {
                        school_id: *school_id,
                    },
                )
            });
            let Some((school_id, pupil)) = pupil else {
                batch.refused.push(refuse(None, Refused::Unknown));
                continue;
            };
            let grade = grade_now(pupil.grade, pupil.academic_year);
            if let Some(reason) = ineligible(pupil.consent, grade, &event).into_iter().next() {
                batch.refused.push(refuse(Some(pupil.external_ref), reason));
                continue;
            }
            match take_place(conn, &actor, event_id, pupil_id, school_id)? {
                Ok(code) => {
                    batch.registered.push((pupil_id, code));
                    *schools.entry(school_id).or_default() += 1;
                }
                Err(reason) => batch.refused.push(refuse(Some(pupil.external_ref), reason)),
            }
        }
        tell_schools(conn, &head, &event, &schools)?;
        Ok(batch)
    })
    .await
}

/// A pupil of the caller's school as the registration form shows it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub external_ref: String,
    pub display_name: Option<String>,
    /// This academic year.
    pub grade: i32,
}

/// The caller's school's pupils for an event (a school; the read is logged):
/// those that may be registered, by grade and reference, and how many may
/// not (no consent; below the event's grade). Registered ones are neither.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub eligible: Vec<Candidate>,
    pub without_consent: usize,
    pub below_grade: usize,
}

pub async fn candidates(ctx: &Context, user: &AuthUser, event: &Event) -> AppResult<Candidates> {
    let Some(school_id) = user.organization_id.filter(|_| user.role == Role::School) else {
        return Ok(Candidates::default());
    };
    authorize(user, Action::ManagePupils { school_id })?;
    let event_id = event.id;
    let (pupils, registered) = ctx
        .run(move |conn| Ok(events::school_pupils(conn, event_id, school_id)?))
        .await?;
    let registered: HashSet<i64> = registered.into_iter().collect();
    let mut found = Candidates::default();
    for SchoolPupil {
        id,
        external_ref,
        display_name,
        grade,
        academic_year,
        consent,
    } in pupils
    {
        if registered.contains(&id) {
            continue;
        }
        let grade = grade_now(grade, academic_year);
        match ineligible(consent, grade, event).first() {
            Some(Refused::NoConsent) => found.without_consent += 1,
            Some(_) => found.below_grade += 1,
            None => found.eligible.push(Candidate {
                id,
                external_ref,
                display_name,
                grade,
            }),
        }
    }
    found
        .eligible
        .sort_by(|a, b| (a.grade, &a.external_ref).cmp(&(b.grade, &b.external_ref)));
    let read = serde_json::json!({ "school_id": school_id, "event_id": event_id, "candidates": found.eligible.len() });
    audit::pupils_read(ctx, user, None, read).await?;
    Ok(found)
}

/// Withdraws a pupil's registration (its school, admins).
pub async fn unregister(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    pupil_id: i64,
) -> AppResult<()> {
    authorize(user, Action::SeePupilRecords)?;
    let school_id = ctx
        .run(move |conn| Ok(db::pupils::school_of(conn, pupil_id)?))
        .await?
        .ok_or_else(|| AppError::not_found("pupil", pupil_id))?;
    authorize_record(user, Action::ManagePupils { school_id }, "pupil", pupil_id)?;
    let actor = *user;
    let removed = ctx
        .write(move |conn| {
            let removed = events::unregister_in_transaction(conn, event_id, pupil_id)?;
            if removed {
                let changes = serde_json::json!({ "event_id": event_id });
                log(
                    conn,
                    &actor,
                    "registration",
                    Some(pupil_id),
                    AuditAction::Delete,
                    Some(changes),
                )?;
            }
            Ok(removed)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound(format!(
            "a registration of pupil {pupil_id} for event {event_id}"
        )));
    }
    Ok(())
}

/// A school's pupil registered for an event, with the ticket to give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolTicket {
    pub pupil_id: i64,
    pub external_ref: String,
    /// As the ticket shows it: `3f9a-1c0e-77b2-d4e5`.
    pub code: String,
    pub attended: bool,
}

/// The caller's school's pupils registered for the event, with their
/// tickets (a school; the read is logged). Other roles get none.
pub async fn school_tickets(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
) -> AppResult<Vec<SchoolTicket>> {
    let Some(school_id) = user.organization_id.filter(|_| user.role == Role::School) else {
        return Ok(Vec::new());
    };
    authorize(user, Action::ReadPupils { school_id })?;
    let rows = ctx
        .run(move |conn| Ok(events::school_registrations(conn, event_id, school_id)?))
        .await?;
    if !rows.is_empty() {
        let read = serde_json::json!({ "school_id": school_id, "event_id": event_id, "tickets": rows.len() });
        audit::pupils_read(ctx, user, None, read).await?;
    }
    Ok(rows
        .into_iter()
        .map(|(pupil_id, external_ref, code, attended)| SchoolTicket {
            pupil_id,
            external_ref,
            code: ticket_text(&code),
            attended,
        })
        .collect())
}

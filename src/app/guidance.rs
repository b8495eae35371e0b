//! Career guidance: events organised by colleges and enterprises, pupils
//! registered by their schools, attendance, the guidance record, and
//! recommendations for one pupil.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::{self, log, logged};
use super::cache::GuidanceCounts;
use super::conditional::{IfMatch, Once};
use super::{Context, existing_school, pupils, require_kind};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize, authorize_record};
use crate::db::audit::AuditAction;
use crate::db::events::{self, Event, NewEvent, Refusal};
use crate::db::guidance::{self as report_queries, Scope};
use crate::db::locks::Lock;
use crate::db::references::{Reference, check_references};
use crate::db::{self, DbConnection, organizations, outbox};
use crate::domain::disclosure;
use crate::domain::numbers::{Grade, current_academic_year, grade_in, year_between};
use crate::domain::{Label, Language, OrganizationKind, Page};
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::engine::{self, Window};
use crate::forecast::model::{Bounds, Target, two_decimals};
use crate::forecast::recommend::{self, Gaps, PupilPath, Reason};
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
        .remembered(
            |cache| &cache.events,
            key,
            || {
                ctx.run(move |conn| {
                    let (mut events, total) = events::list(conn, filter, page)?;
                    protect_registered(conn, &reader, &mut events)?;
                    Ok((events, total))
                })
            },
        )
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
fn protected_total(schools: &[(i64, i64)], own: impl Fn(i64) -> bool) -> i32 {
    let total: i64 = schools
        .iter()
        .map(|(school_id, count)| disclosure::shown(*count, own(*school_id)))
        .sum();
    i32::try_from(total).unwrap_or(i32::MAX)
}

fn event_in(conn: &mut DbConnection, event_id: i64) -> AppResult<Event> {
    events::find(conn, event_id)?.ok_or_else(|| AppError::not_found("event", event_id))
}

/// Registers a pupil (its school, admins): a conflict when full, cancelled or
/// already registered; invalid when the pupil's grade is below the event's or
/// it has no consent. The organizer and the school are told, by counts only.
pub async fn register(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    pupil_id: i64,
    once: Option<Once>,
) -> AppResult<()> {
    let pupil = pupils::visible(ctx, user, pupil_id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    let head = ctx.letterhead.clone();
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        let event = event_in(conn, event_id)?;
        let mut errors = Vec::new();
        if !pupil.consent {
            errors.push(FieldError::new(
                "pupil_id",
                "the pupil has no parental consent",
            ));
        }
        let grade_now = grade_in(pupil.grade, pupil.academic_year, current_academic_year())
            .clamp(pupil.grade, 11);
        if grade_now < event.min_grade {
            errors.push(FieldError::new(
                "pupil_id",
                format!("the pupil's grade is below {}", event.min_grade),
            ));
        }
        AppError::unless_empty(errors)?;
        match events::register_in_transaction(conn, event_id, pupil_id, pupil.school_id)? {
            Ok(()) => {}
            Err(Refusal::Full) => return Err(AppError::Conflict("the event is full".into())),
            Err(Refusal::Cancelled) => {
                return Err(AppError::Conflict("the event is cancelled".into()));
            }
            Err(Refusal::AlreadyRegistered) => {
                return Err(AppError::Conflict("the pupil is already registered".into()));
            }
        }
        // Only the school is told, with its own count: a message to the
        // organizer per registration would let it count each school's pupils.
        let (school, school_email) = organizations::name_and_email(conn, pupil.school_id)?;
        let schools = events::registered_by_school(conn, event_id)?;
        let of_school = schools
            .iter()
            .find(|(school_id, _)| *school_id == pupil.school_id)
            .map_or(0, |(_, count)| *count);
        let registered = protected_total(&schools, |school_id| school_id == pupil.school_id);
        let news = EventNews {
            event_id,
            title: &event.title,
            starts_at: &event.starts_at,
        };
        let email = templates::registration(
            &head,
            &school_email,
            &news,
            &school,
            of_school,
            registered,
            event.capacity,
        );
        outbox::enqueue(conn, &[email])?;
        let changes = serde_json::json!({ "event_id": event_id });
        log(
            conn,
            &actor,
            "registration",
            Some(pupil_id),
            AuditAction::Create,
            Some(changes),
        )
    })
    .await
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

/// Records who came (its organizer, admins). Listed pupils who are not
/// registered for the event are left out without saying which: the answer
/// must not tell an organizer which pupil ids are registered. Returns the
/// ids as listed, sorted and without repeats.
pub async fn attendance(
    ctx: &Context,
    user: &AuthUser,
    event_id: i64,
    mut pupil_ids: Vec<i64>,
    if_match: IfMatch,
) -> AppResult<Vec<i64>> {
    organized_event(ctx, user, event_id).await?;
    let actor = *user;
    pupil_ids.sort_unstable();
    pupil_ids.dedup();
    let stored = pupil_ids.clone();
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Event(event_id), |conn| {
            event_as_seen(conn, &actor, event_id)
        })?;
        let registered = events::registered_among(conn, event_id, &stored)?;
        events::set_attendance(conn, event_id, &registered)?;
        let changes = serde_json::json!({ "attended": registered.len() });
        log(
            conn,
            &actor,
            "attendance",
            Some(event_id),
            AuditAction::Update,
            Some(changes),
        )
    })
    .await?;
    Ok(pupil_ids)
}

/// One grade's pupils and how far their guidance got: exact for the school
/// and admins, each count rounded to a multiple of 5 (0 to 2 as 0) for others.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeLine {
    pub grade: i32,
    pub pupils: i64,
    pub reached_40: i64,
    pub reached_60: i64,
    pub reached_80: i64,
    pub without_guidance: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Met {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profession_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i64>,
    /// Pupils who attended an event showing it (rounded for outsiders).
    pub pupils: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilWithout {
    pub pupil_id: i64,
    pub external_ref: String,
    pub grade: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuidanceReport {
    pub school_id: i64,
    pub academic_year: i32,
    /// Whether the counts are protected (each rounded to a multiple of 5)
    /// rather than exact: for anyone but the school and admins.
    pub suppressed: bool,
    pub grades: Vec<GradeLine>,
    pub professions_met: Vec<Met>,
    pub clusters_met: Vec<Met>,
    /// For the school and admins only: its pupils with no guidance yet this year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pupils_without_guidance: Option<Vec<PupilWithout>>,
}

/// The guidance record of a school for an academic year (default: the one
/// under way). Everyone may read it; the school itself and admins see exact
/// counts and the pupils with none, others the counts with 1 to 9 withheld.
pub async fn report(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    academic_year: Option<i32>,
) -> AppResult<GuidanceReport> {
    authorize(user, Action::ReadPupilStats)?;
    let year = academic_year.unwrap_or_else(current_academic_year);
    year_between(year, 2000, current_academic_year() + 1)
        .map_err(|m| AppError::invalid("academic_year", m))?;
    let exact = allows(user, Action::ReadPupils { school_id });
    let scope = Scope {
        school_id,
        academic_year: year,
    };
    let counts = ctx
        .remembered(
            |cache| &cache.guidance,
            (school_id, year),
            || {
                ctx.run(move |conn| {
                    existing_school(conn, school_id)?;
                    let (professions, clusters) = report_queries::met(conn, scope)?;
                    Ok(GuidanceCounts {
                        grades: report_queries::grades(conn, scope)?,
                        professions,
                        clusters,
                    })
                })
            },
        )
        .await?;
    let without = if exact {
        Some(
            ctx.run(move |conn| Ok(report_queries::pupils_without_guidance(conn, scope)?))
                .await?,
        )
    } else {
        None
    };
    let GuidanceCounts {
        grades,
        professions,
        clusters,
    } = GuidanceCounts::clone(&counts);
    if let Some(without) = &without {
        let read = serde_json::json!({
            "school_id": school_id,
            "guidance_report": year,
            "pupil_ids": without.iter().map(|p| p.pupil_id).collect::<Vec<_>>(),
        });
        audit::pupils_read(ctx, user, None, read).await?;
    }
    let show = |counts: Vec<i64>| -> Vec<i64> {
        counts
            .into_iter()
            .map(|count| disclosure::shown(count, exact))
            .collect()
    };
    let column =
        |pick: fn(&report_queries::GradeCounts) -> i64| show(grades.iter().map(pick).collect());
    let columns = [
        column(|g| g.pupils),
        column(|g| g.reached_40),
        column(|g| g.reached_60),
        column(|g| g.reached_80),
        column(|g| g.without_guidance),
    ];
    let lines = grades
        .iter()
        .enumerate()
        .map(|(row, counts)| GradeLine {
            grade: counts.grade,
            pupils: columns[0][row],
            reached_40: columns[1][row],
            reached_60: columns[2][row],
            reached_80: columns[3][row],
            without_guidance: columns[4][row],
        })
        .collect();
    let met = |counts: Vec<report_queries::MetCount>, profession: bool| -> Vec<Met> {
        let shown = show(counts.iter().map(|c| c.pupils).collect());
        counts
            .iter()
            .zip(shown)
            .map(|(count, pupils)| Met {
                profession_id: profession.then_some(count.id),
                cluster_id: (!profession).then_some(count.id),
                pupils,
            })
            .collect()
    };
    Ok(GuidanceReport {
        school_id,
        academic_year: year,
        suppressed: !exact,
        grades: lines,
        professions_met: met(professions, true),
        clusters_met: met(clusters, false),
        pupils_without_guidance: without.map(|pupils| {
            pupils
                .into_iter()
                .map(|p| PupilWithout {
                    pupil_id: p.pupil_id,
                    external_ref: p.external_ref,
                    grade: p.grade,
                })
                .collect()
        }),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecommendedProgram {
    pub program_id: i64,
    pub institution_id: i64,
    pub title: String,
    pub entry_year: i32,
    pub graduation_year: i32,
    /// 2 × interest match + shortage: see README.
    #[serde(serialize_with = "two_decimals")]
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recommendations {
    pub items: Vec<RecommendedProgram>,
}

/// Programs the pupil could enter after grade 9 or 11, best first, each with
/// its reasons in plain words (the pupil's school, admins).
pub async fn recommendations(
    ctx: &Context,
    user: &AuthUser,
    pupil_id: i64,
) -> AppResult<Recommendations> {
    let pupil = pupils::visible(ctx, user, pupil_id, |school_id| Action::ReadPupils {
        school_id,
    })
    .await?;
    let read = serde_json::json!({ "school_id": pupil.school_id, "recommendations": true });
    audit::pupils_read(ctx, user, Some(pupil_id), read).await?;
    let language = ctx.letterhead.language;
    let (inputs, parameters, names) = ctx
        .run(|conn| {
            Ok((
                db::forecast::load_inputs(conn)?,
                db::forecast::parameters(conn)?,
                db::forecast::names(conn)?,
            ))
        })
        .await?;
    let as_of = current_academic_year();
    let window = Window {
        as_of,
        from: as_of + 1,
        to: as_of + 1 + crate::forecast::MAX_SPAN,
    };
    let forecast = engine::run(&inputs, &parameters, &Bounds::exact(&parameters), window);
    let gaps: Gaps = forecast
        .rows
        .iter()
        .map(|row| ((row.profession_id, row.year), (row.demand, row.gap)))
        .collect();
    let total: f64 = pupil.interests.iter().map(|i| i.weight).sum();
    let path = PupilPath {
        grade: pupil.grade,
        academic_year: pupil.academic_year,
        interests: pupil
            .interests
            .iter()
            .map(|i| {
                let target = match (i.profession_id, i.cluster_id) {
                    (Some(id), _) => Target::Profession(id),
                    (None, Some(id)) => Target::Cluster(id),
                    (None, None) => Target::Open,
                };
                (target, i.weight / total)
            })
            .collect(),
    };
    let items = recommend::recommend(&path, &inputs, &gaps, current_academic_year() + 1)
        .into_iter()
        .map(|r| {
            let (institution_id, title) = names
                .programs
                .get(&r.program_id)
                .cloned()
                .unwrap_or_default();
            let reasons = r
                .reasons
                .iter()
                .map(|reason| describe(reason, language, &names.professions, &names.clusters))
                .collect();
            RecommendedProgram {
                program_id: r.program_id,
                institution_id,
                title,
                entry_year: r.entry_year,
                graduation_year: r.graduation_year,
                score: r.score,
                reasons,
            }
        })
        .collect();
    Ok(Recommendations { items })
}

fn describe(
    reason: &Reason,
    language: Language,
    professions: &HashMap<i64, String>,
    clusters: &HashMap<i64, String>,
) -> String {
    let name = |target: &Target| match target {
        Target::Profession(id) => professions.get(id).cloned().unwrap_or_default(),
        Target::Cluster(id) => clusters.get(id).cloned().unwrap_or_default(),
        Target::Open => String::new(),
    };
    match (reason, language) {
        (Reason::Interest { target, .. }, Language::Ru) => {
            format!("совпадает с интересом: {}", name(target))
        }
        (Reason::Interest { target, .. }, Language::En) => {
            format!("matches the interest in {}", name(target))
        }
        (
            Reason::Shortage {
                profession_id,
                year,
                gap,
            },
            Language::Ru,
        ) => format!(
            "в {year} году региону не хватит {gap:.0} чел. по профессии «{}»",
            professions.get(profession_id).cloned().unwrap_or_default()
        ),
        (
            Reason::Shortage {
                profession_id,
                year,
                gap,
            },
            Language::En,
        ) => format!(
            "in {year} the region needs {gap:.0} more of \"{}\" than it trains",
            professions.get(profession_id).cloned().unwrap_or_default()
        ),
        (Reason::Seats(seats), Language::Ru) => {
            format!("{} мест, из них {} целевых", seats.seats, seats.targeted)
        }
        (Reason::Seats(seats), Language::En) => {
            format!("{} seats, {} of them targeted", seats.seats, seats.targeted)
        }
    }
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

//! Queries on career-guidance events, their registrations and attendance.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema::{event_professions, event_registrations, events, pupils};
use super::{DbConnection, MultiBackend};
use crate::domain::Page;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    id: i64,
    organizer_id: i64,
    title: String,
    kind: String,
    starts_at: NaiveDateTime,
    capacity: i32,
    registered: i32,
    min_grade: i32,
    hours: f64,
    cancelled: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Event {
    pub id: i64,
    pub organizer_id: i64,
    pub title: String,
    /// excursion, open_day, trial_lesson or workshop.
    pub kind: String,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub capacity: i32,
    /// Pupils registered so far.
    pub registered: i32,
    pub min_grade: i32,
    /// Guidance hours that attending counts for.
    pub hours: f64,
    pub cancelled: bool,
    pub profession_ids: Vec<i64>,
}

impl EventRow {
    fn with_professions(self, profession_ids: Vec<i64>) -> Event {
        Event {
            id: self.id,
            organizer_id: self.organizer_id,
            title: self.title,
            kind: self.kind,
            starts_at: self
                .starts_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            capacity: self.capacity,
            registered: self.registered,
            min_grade: self.min_grade,
            hours: self.hours,
            cancelled: self.cancelled,
            profession_ids,
        }
    }
}

pub struct NewEvent {
    pub organizer_id: i64,
    pub title: String,
    pub kind: String,
    pub starts_at: NaiveDateTime,
    pub capacity: i32,
    pub min_grade: i32,
    pub hours: f64,
    pub profession_ids: Vec<i64>,
}

pub fn insert_in_transaction(conn: &mut DbConnection, new: &NewEvent) -> QueryResult<Event> {
    let id: i64 = diesel::insert_into(events::table)
        .values((
            events::organizer_id.eq(new.organizer_id),
            events::title.eq(&new.title),
            events::kind.eq(&new.kind),
            events::starts_at.eq(new.starts_at),
            events::capacity.eq(new.capacity),
            events::registered.eq(0),
            events::min_grade.eq(new.min_grade),
            events::hours.eq(new.hours),
            events::cancelled.eq(false),
            events::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning(events::id)
        .get_result(conn)?;
    let rows: Vec<_> = new
        .profession_ids
        .iter()
        .map(|p| {
            (
                event_professions::event_id.eq(id),
                event_professions::profession_id.eq(*p),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::on_backend!(conn, |inner| diesel::insert_into(event_professions::table)
            .values(&rows)
            .execute(inner))?;
    }
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

fn professions_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut by_event: HashMap<i64, Vec<i64>> = HashMap::new();
    for (event_id, profession_id) in event_professions::table
        .filter(event_professions::event_id.eq_any(ids))
        .select((
            event_professions::event_id,
            event_professions::profession_id,
        ))
        .order((
            event_professions::event_id,
            event_professions::profession_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        by_event.entry(event_id).or_default().push(profession_id);
    }
    Ok(by_event)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Event>> {
    let Some(row) = events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let professions = professions_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(Some(row.with_professions(professions)))
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub from: Option<NaiveDateTime>,
    /// Events that started before this, latest first.
    pub before: Option<NaiveDateTime>,
    pub profession_id: Option<i64>,
    /// Events a pupil of this grade may attend (`min_grade <= grade`).
    pub grade: Option<i32>,
}

fn filtered(filter: Filter) -> events::BoxedQuery<'static, MultiBackend> {
    let mut query = events::table.into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(events::starts_at.ge(from));
    }
    if let Some(before) = filter.before {
        query = query.filter(events::starts_at.lt(before));
    }
    if let Some(grade) = filter.grade {
        query = query.filter(events::min_grade.le(grade));
    }
    if let Some(profession_id) = filter.profession_id {
        query = query.filter(
            events::id.eq_any(
                event_professions::table
                    .filter(event_professions::profession_id.eq(profession_id))
                    .select(event_professions::event_id),
            ),
        );
    }
    query
}

/// Soonest first (latest first with `before`); two round trips whatever the page size.
pub fn list(conn: &mut DbConnection, filter: Filter, page: Page) -> QueryResult<(Vec<Event>, i64)> {
    let query = filtered(filter).select((EventRow::as_select(), sql::<BigInt>("COUNT(*) OVER ()")));
    let query = if filter.before.is_some() {
        query.order((events::starts_at.desc(), events::id.desc()))
    } else {
        query.order((events::starts_at.asc(), events::id.asc()))
    };
    let rows: Vec<(EventRow, i64)> = query.limit(page.limit).offset(page.offset).load(conn)?;
    let (rows, total) =
        super::page_with_total(rows, page, || filtered(filter).count().get_result(conn))?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut professions = professions_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let of_event = professions.remove(&row.id).unwrap_or_default();
            row.with_professions(of_event)
        })
        .collect();
    Ok((items, total))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    AlreadyRegistered,
    Cancelled,
}

/// Takes a place and registers the pupil; call inside a transaction. The
/// place is taken by one conditional UPDATE, so concurrent registrations can
/// never pass the capacity on either backend; a duplicate rolls it back.
pub fn register_in_transaction(
    conn: &mut DbConnection,
    event_id: i64,
    pupil_id: i64,
    school_id: i64,
    code: &str,
) -> QueryResult<Result<(), Refusal>> {
    let already: bool = diesel::select(diesel::dsl::exists(
        event_registrations::table
            .filter(event_registrations::event_id.eq(event_id))
            .filter(event_registrations::pupil_id.eq(pupil_id))
            .select(event_registrations::pupil_id),
    ))
    .get_result(conn)?;
    if already {
        return Ok(Err(Refusal::AlreadyRegistered));
    }
    let taken = diesel::update(
        events::table
            .find(event_id)
            .filter(events::cancelled.eq(false))
            .filter(events::registered.lt(events::capacity)),
    )
    .set(events::registered.eq(events::registered + 1))
    .execute(conn)?;
    if taken == 0 {
        let cancelled: bool = events::table
            .find(event_id)
            .select(events::cancelled)
            .first(conn)?;
        return Ok(Err(if cancelled {
            Refusal::Cancelled
        } else {
            Refusal::Full
        }));
    }
    diesel::insert_into(event_registrations::table)
        .values((
            event_registrations::event_id.eq(event_id),
            event_registrations::pupil_id.eq(pupil_id),
            event_registrations::school_id.eq(school_id),
            event_registrations::attended.eq(false),
            event_registrations::registered_at.eq(chrono::Utc::now().naive_utc()),
            event_registrations::code.eq(code),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

/// Registers many pupils `(pupil_id, school_id, code)` of a new event at once, as
/// attended or not, and sizes the event to them with places to spare (a
/// tenth more, and ten); for loading a region. Call inside a transaction.
pub fn register_many_in_transaction(
    conn: &mut DbConnection,
    event_id: i64,
    pupils: &[(i64, i64, String)],
    attended: bool,
) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    // 6 columns a row: within SQLite's 32766 and PostgreSQL's 65535 bound values.
    for chunk in pupils.chunks(5000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(pupil_id, school_id, code)| {
                (
                    event_registrations::event_id.eq(event_id),
                    event_registrations::pupil_id.eq(*pupil_id),
                    event_registrations::school_id.eq(*school_id),
                    event_registrations::attended.eq(attended),
                    event_registrations::registered_at.eq(now),
                    event_registrations::code.eq(code),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(
            event_registrations::table
        )
        .values(&rows)
        .execute(inner))?;
    }
    let registered = i32::try_from(pupils.len()).unwrap_or(i32::MAX);
    diesel::update(events::table.find(event_id))
        .set((
            events::registered.eq(registered),
            events::capacity.eq(registered + registered / 10 + 10),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a registration and frees its place; `false` if there was none. Call inside a transaction.
pub fn unregister_in_transaction(
    conn: &mut DbConnection,
    event_id: i64,
    pupil_id: i64,
) -> QueryResult<bool> {
    let removed =
        diesel::delete(event_registrations::table.find((event_id, pupil_id))).execute(conn)?;
    if removed > 0 {
        diesel::update(events::table.find(event_id))
            .set(events::registered.eq(events::registered - 1))
            .execute(conn)?;
    }
    Ok(removed > 0)
}

/// Registered pupils per school, for telling the schools.
pub fn registered_by_school(
    conn: &mut DbConnection,
    event_id: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    event_registrations::table
        .filter(event_registrations::event_id.eq(event_id))
        .group_by(event_registrations::school_id)
        .select((event_registrations::school_id, diesel::dsl::count_star()))
        .order(event_registrations::school_id)
        .load(conn)
}

/// `(event_id, school_id, pupils registered)` for each of `event_ids`.
pub fn registered_by_event_and_school(
    conn: &mut DbConnection,
    event_ids: &[i64],
) -> QueryResult<Vec<(i64, i64, i64)>> {
    event_registrations::table
        .filter(event_registrations::event_id.eq_any(event_ids))
        .group_by((
            event_registrations::event_id,
            event_registrations::school_id,
        ))
        .select((
            event_registrations::event_id,
            event_registrations::school_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

pub fn cancel(conn: &mut DbConnection, event_id: i64) -> QueryResult<bool> {
    Ok(diesel::update(
        events::table
            .find(event_id)
            .filter(events::cancelled.eq(false)),
    )
    .set(events::cancelled.eq(true))
    .execute(conn)?
        > 0)
}

/// Of `codes`, those that are registrations of the event.
pub fn codes_among(
    conn: &mut DbConnection,
    event_id: i64,
    codes: &[String],
) -> QueryResult<Vec<String>> {
    event_registrations::table
        .filter(event_registrations::event_id.eq(event_id))
        .filter(event_registrations::code.eq_any(codes))
        .select(event_registrations::code)
        .load(conn)
}

/// Marks exactly the registrations with `codes` as attended; call inside a transaction.
pub fn set_attendance(conn: &mut DbConnection, event_id: i64, codes: &[String]) -> QueryResult<()> {
    diesel::update(event_registrations::table.filter(event_registrations::event_id.eq(event_id)))
        .set(event_registrations::attended.eq(false))
        .execute(conn)?;
    diesel::update(
        event_registrations::table
            .filter(event_registrations::event_id.eq(event_id))
            .filter(event_registrations::code.eq_any(codes)),
    )
    .set(event_registrations::attended.eq(true))
    .execute(conn)?;
    Ok(())
}

/// A school's pupils registered for an event, with their tickets:
/// `(pupil_id, external_ref, code, attended)` by reference.
pub fn school_registrations(
    conn: &mut DbConnection,
    event_id: i64,
    school_id: i64,
) -> QueryResult<Vec<(i64, String, String, bool)>> {
    event_registrations::table
        .inner_join(pupils::table.on(pupils::id.eq(event_registrations::pupil_id)))
        .filter(event_registrations::event_id.eq(event_id))
        .filter(event_registrations::school_id.eq(school_id))
        .select((
            pupils::id,
            pupils::external_ref,
            event_registrations::code,
            event_registrations::attended,
        ))
        .order(pupils::external_ref)
        .load(conn)
}

/// Attended events of a school's pupils: `(pupil_id, event_id, hours, starts_at)`.
pub fn attended_by_school(
    conn: &mut DbConnection,
    school_id: i64,
) -> QueryResult<Vec<(i64, i64, f64, NaiveDateTime)>> {
    event_registrations::table
        .inner_join(events::table)
        .filter(event_registrations::school_id.eq(school_id))
        .filter(event_registrations::attended.eq(true))
        .filter(events::cancelled.eq(false))
        .select((
            event_registrations::pupil_id,
            events::id,
            events::hours,
            events::starts_at,
        ))
        .load(conn)
}

/// The professions shown at these events: `(event_id, profession_id)`.
pub fn event_professions_of(
    conn: &mut DbConnection,
    event_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    event_professions::table
        .filter(event_professions::event_id.eq_any(event_ids))
        .select((
            event_professions::event_id,
            event_professions::profession_id,
        ))
        .load(conn)
}

/// One event a pupil is registered for, and whether the pupil attended it.
#[derive(Debug, Clone)]
pub struct PupilEvent {
    pub event_id: i64,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub hours: f64,
    pub cancelled: bool,
    pub attended: bool,
    /// The registration's code, which the pupil shows the organizer.
    pub code: String,
}

/// The events a pupil is registered for, latest first.
pub fn of_pupil(conn: &mut DbConnection, pupil_id: i64) -> QueryResult<Vec<PupilEvent>> {
    let rows: Vec<(i64, String, NaiveDateTime, f64, bool, bool, String)> =
        event_registrations::table
            .inner_join(events::table.on(events::id.eq(event_registrations::event_id)))
            .filter(event_registrations::pupil_id.eq(pupil_id))
            .select((
                events::id,
                events::title,
                events::starts_at,
                events::hours,
                events::cancelled,
                event_registrations::attended,
                event_registrations::code,
            ))
            .order((events::starts_at.desc(), events::id.desc()))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(event_id, title, starts_at, hours, cancelled, attended, code)| PupilEvent {
                event_id,
                title,
                starts_at,
                hours,
                cancelled,
                attended,
                code,
            },
        )
        .collect())
}

/// Takes a pupil off every event it is registered for, keeping each event's
/// `registered` count right. Call inside a transaction.
pub fn unregister_everywhere_in_transaction(
    conn: &mut DbConnection,
    pupil_id: i64,
) -> QueryResult<()> {
    let event_ids: Vec<i64> = event_registrations::table
        .filter(event_registrations::pupil_id.eq(pupil_id))
        .select(event_registrations::event_id)
        .load(conn)?;
    if event_ids.is_empty() {
        return Ok(());
    }
    diesel::update(events::table.filter(events::id.eq_any(&event_ids)))
        .set(events::registered.eq(events::registered - 1))
        .execute(conn)?;
    diesel::delete(event_registrations::table.filter(event_registrations::pupil_id.eq(pupil_id)))
        .execute(conn)?;
    Ok(())
}

/// A pupil of a school as a school sees it when it registers pupils.
#[derive(Debug, Clone, Queryable)]
pub struct SchoolPupil {
    pub id: i64,
    pub external_ref: String,
    pub display_name: Option<String>,
    /// As of `academic_year`.
    pub grade: i32,
    pub academic_year: i32,
    pub consent: bool,
}

/// Every pupil of a school (by reference) and the ids of those registered
/// for the event.
pub fn school_pupils(
    conn: &mut DbConnection,
    event_id: i64,
    school_id: i64,
) -> QueryResult<(Vec<SchoolPupil>, Vec<i64>)> {
    let pupils = pupils::table
        .filter(pupils::school_id.eq(school_id))
        .select((
            pupils::id,
            pupils::external_ref,
            pupils::display_name,
            pupils::grade,
            pupils::academic_year,
            pupils::consent,
        ))
        .order(pupils::external_ref)
        .load(conn)?;
    let registered = event_registrations::table
        .filter(event_registrations::event_id.eq(event_id))
        .filter(event_registrations::school_id.eq(school_id))
        .select(event_registrations::pupil_id)
        .load(conn)?;
    Ok((pupils, registered))
}

/// The pupils `ids` as a registration needs them, by id: those that exist.
pub fn pupils_by_id(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, (i64, SchoolPupil)>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<(i64, SchoolPupil)> = pupils::table
            .filter(pupils::id.eq_any(chunk))
            .select((
                pupils::school_id,
                (
                    pupils::id,
                    pupils::external_ref,
                    pupils::display_name,
                    pupils::grade,
                    pupils::academic_year,
                    pupils::consent,
                ),
            ))
            .load(conn)?;
        for (school_id, pupil) in rows {
            found.insert(pupil.id, (school_id, pupil));
        }
    }
    Ok(found)
}

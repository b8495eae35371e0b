//! Queries on pupil records and their interests. Every function here is scoped by the caller to one school.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::masses::{Deltas, MassTarget};
use super::schema::{pupil_interests, pupils};
use super::{DbConnection, MultiBackend};
use crate::domain::Page;
use crate::domain::pupil::{Interest, PupilFields};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pupils)]
struct PupilRow {
    id: i64,
    school_id: i64,
    external_ref: String,
    grade: i32,
    academic_year: i32,
    consent: bool,
    display_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Pupil {
    pub id: i64,
    pub school_id: i64,
    /// The school's own roster id, unique within the school.
    pub external_ref: String,
    /// 5 to 11, as of `academic_year`.
    pub grade: i32,
    /// The academic year the grade is for, named by the calendar year it starts in.
    pub academic_year: i32,
    /// Parental consent to personal data processing; without it nothing but the grade is kept.
    pub consent: bool,
    pub display_name: Option<String>,
    pub interests: Vec<Interest>,
}

impl PupilRow {
    fn with_interests(self, interests: Vec<Interest>) -> Pupil {
        Pupil {
            id: self.id,
            school_id: self.school_id,
            external_ref: self.external_ref,
            grade: self.grade,
            academic_year: self.academic_year,
            consent: self.consent,
            display_name: self.display_name,
            interests,
        }
    }
}

/// Takes pupils out of the counts of their current grade and academic year.
fn uncount(conn: &mut DbConnection, ids: &[i64], deltas: &mut Deltas) -> QueryResult<()> {
    for chunk in ids.chunks(5000) {
        let current: Vec<(i32, i32)> = pupils::table
            .filter(pupils::id.eq_any(chunk))
            .select((pupils::grade, pupils::academic_year))
            .load(conn)?;
        for (grade, academic_year) in current {
            deltas.add(grade, academic_year, MassTarget::AllPupils, -1.0);
        }
    }
    Ok(())
}

/// Inserts pupils of one school in as few statements as the backend allows
/// and returns their ids by `external_ref`; call inside a transaction.
pub fn insert_many_in_transaction(
    conn: &mut DbConnection,
    school_id: i64,
    new: &[&PupilFields],
) -> QueryResult<HashMap<String, i64>> {
    let now = chrono::Utc::now().naive_utc();
    // 9 columns a row; SQLite takes at most 32766 bound values a statement.
    for chunk in new.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|pupil| {
                (
                    pupils::school_id.eq(school_id),
                    pupils::external_ref.eq(&pupil.external_ref),
                    pupils::grade.eq(pupil.grade),
                    pupils::academic_year.eq(pupil.academic_year),
                    pupils::consent.eq(pupil.consent),
                    pupils::display_name.eq(&pupil.display_name),
                    pupils::created_at.eq(now),
                    pupils::updated_at.eq(now),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(pupils::table)
            .values(&rows)
            .execute(inner))?;
    }
    let mut deltas = Deltas::default();
    for pupil in new {
        deltas.add(pupil.grade, pupil.academic_year, MassTarget::AllPupils, 1.0);
    }
    deltas.apply(conn)?;
    let refs: Vec<&str> = new
        .iter()
        .map(|pupil| pupil.external_ref.as_str())
        .collect();
    let ids = ids_by_ref(conn, school_id, &refs)?;
    let mut counts = super::pupil_counts::Counts::default();
    counts.count(conn, &ids.values().copied().collect::<Vec<_>>(), 1)?;
    counts.apply(conn)?;
    Ok(ids)
}

/// The ids of a school's pupils with these roster ids.
pub fn ids_by_ref(
    conn: &mut DbConnection,
    school_id: i64,
    refs: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(refs.len());
    for chunk in refs.chunks(5000) {
        let found: Vec<(String, i64)> = pupils::table
            .filter(pupils::school_id.eq(school_id))
            .filter(pupils::external_ref.eq_any(chunk))
            .select((pupils::external_ref, pupils::id))
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Every pupil id of a school by roster id.
pub fn all_ids_by_ref(
    conn: &mut DbConnection,
    school_id: i64,
) -> QueryResult<HashMap<String, i64>> {
    Ok(pupils::table
        .filter(pupils::school_id.eq(school_id))
        .select((pupils::external_ref, pupils::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Overwrites many pupils' fields (not their interests) with a constant number
/// of statements: the rows go into a temporary table in batches, then one
/// `UPDATE ... FROM` (PostgreSQL, and SQLite since 3.33) applies them all.
/// Call inside a transaction.
pub fn update_many_in_transaction(
    conn: &mut DbConnection,
    updates: &[(i64, &PupilFields)],
) -> QueryResult<()> {
    let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
    super::pupil_counts::around(conn, &ids, |conn| update_many(conn, updates))
}

fn update_many(conn: &mut DbConnection, updates: &[(i64, &PupilFields)]) -> QueryResult<()> {
    use super::schema::roster_updates;
    use diesel::connection::SimpleConnection;

    if updates.is_empty() {
        return Ok(());
    }
    let mut deltas = Deltas::default();
    let ids: Vec<i64> = updates.iter().map(|(id, _)| *id).collect();
    uncount(conn, &ids, &mut deltas)?;
    for (_, pupil) in updates {
        deltas.add(pupil.grade, pupil.academic_year, MassTarget::AllPupils, 1.0);
    }
    deltas.apply(conn)?;
    conn.batch_execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS roster_updates (
             pupil_id BIGINT PRIMARY KEY, external_ref TEXT NOT NULL, grade INTEGER NOT NULL,
             academic_year INTEGER NOT NULL, consent BOOLEAN NOT NULL, display_name TEXT);
         DELETE FROM roster_updates;",
    )?;
    // 6 columns a row; SQLite takes at most 32766 bound values a statement.
    for chunk in updates.chunks(5000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, pupil)| {
                (
                    roster_updates::pupil_id.eq(*id),
                    roster_updates::external_ref.eq(&pupil.external_ref),
                    roster_updates::grade.eq(pupil.grade),
                    roster_updates::academic_year.eq(pupil.academic_year),
                    roster_updates::consent.eq(pupil.consent),
                    roster_updates::display_name.eq(&pupil.display_name),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(roster_updates::table)
            .values(&rows)
            .execute(inner))?;
    }
    let now = chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f");
    conn.batch_execute(&format!(
        "UPDATE pupils SET external_ref = u.external_ref, grade = u.grade,
             academic_year = u.academic_year, consent = u.consent,
             display_name = u.display_name, updated_at = '{now}'
         FROM roster_updates AS u WHERE pupils.id = u.pupil_id;
         DELETE FROM roster_updates;"
    ))
}

/// Overwrites one pupil's fields (not its interests); call inside a transaction.
pub fn update_fields(conn: &mut DbConnection, id: i64, fields: &PupilFields) -> QueryResult<usize> {
    super::pupil_counts::around(conn, &[id], |conn| overwrite_fields(conn, id, fields))
}

fn overwrite_fields(conn: &mut DbConnection, id: i64, fields: &PupilFields) -> QueryResult<usize> {
    let mut deltas = Deltas::default();
    uncount(conn, &[id], &mut deltas)?;
    let updated = diesel::update(pupils::table.find(id))
        .set((
            pupils::external_ref.eq(&fields.external_ref),
            pupils::grade.eq(fields.grade),
            pupils::academic_year.eq(fields.academic_year),
            pupils::consent.eq(fields.consent),
            pupils::display_name.eq(&fields.display_name),
            pupils::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    if updated > 0 {
        deltas.add(
            fields.grade,
            fields.academic_year,
            MassTarget::AllPupils,
            1.0,
        );
        deltas.apply(conn)?;
    }
    Ok(updated)
}

/// Replaces the interests of these pupils with those in their fields, each
/// stored with the pupil's grade and academic year and its share of the
/// pupil (what the forecast sums); call inside a transaction.
pub fn replace_interests(
    conn: &mut DbConnection,
    pupils: &[(i64, &PupilFields)],
) -> QueryResult<()> {
    let ids: Vec<i64> = pupils.iter().map(|(id, _)| *id).collect();
    super::pupil_counts::around(conn, &ids, |conn| overwrite_interests(conn, &ids, pupils))
}

fn overwrite_interests(
    conn: &mut DbConnection,
    ids: &[i64],
    pupils: &[(i64, &PupilFields)],
) -> QueryResult<()> {
    let mut deltas = Deltas::default();
    remove_interests(conn, ids, &mut deltas)?;
    let interests: Vec<(i64, &PupilFields, &Interest, f64)> = pupils
        .iter()
        .flat_map(|(id, pupil)| {
            let total: f64 = pupil.interests.iter().map(|i| i.weight).sum();
            pupil
                .interests
                .iter()
                .map(move |interest| (*id, *pupil, interest, interest.weight / total))
        })
        .collect();
    // 7 columns a row; SQLite takes at most 32766 bound values a statement.
    for chunk in interests.chunks(4000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(pupil_id, pupil, interest, share)| {
                (
                    pupil_interests::pupil_id.eq(*pupil_id),
                    pupil_interests::profession_id.eq(interest.profession_id),
                    pupil_interests::cluster_id.eq(interest.cluster_id),
                    pupil_interests::weight.eq(interest.weight),
                    pupil_interests::grade.eq(pupil.grade),
                    pupil_interests::academic_year.eq(pupil.academic_year),
                    pupil_interests::share.eq(*share),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(pupil_interests::table)
            .values(&rows)
            .execute(inner))?;
    }
    for (_, pupil, interest, share) in &interests {
        let target = MassTarget::of_interest(interest.profession_id, interest.cluster_id);
        deltas.add(pupil.grade, pupil.academic_year, target, *share);
    }
    deltas.apply(conn)
}

/// `(grade, academic_year, profession_id, cluster_id, share)` of a stored interest.
type StoredInterest = (i32, i32, Option<i64>, Option<i64>, f64);

/// Deletes these pupils' interests, taking them out of the masses.
fn remove_interests(conn: &mut DbConnection, ids: &[i64], deltas: &mut Deltas) -> QueryResult<()> {
    for chunk in ids.chunks(5000) {
        let old: Vec<StoredInterest> = pupil_interests::table
            .filter(pupil_interests::pupil_id.eq_any(chunk))
            .select((
                pupil_interests::grade,
                pupil_interests::academic_year,
                pupil_interests::profession_id,
                pupil_interests::cluster_id,
                pupil_interests::share,
            ))
            .load(conn)?;
        for (grade, academic_year, profession_id, cluster_id, share) in old {
            deltas.add(
                grade,
                academic_year,
                MassTarget::of_interest(profession_id, cluster_id),
                -share,
            );
        }
        diesel::delete(pupil_interests::table.filter(pupil_interests::pupil_id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts one pupil with its interests; call inside a transaction.
pub fn insert_in_transaction(
    conn: &mut DbConnection,
    school_id: i64,
    fields: &PupilFields,
) -> QueryResult<Pupil> {
    let ids = insert_many_in_transaction(conn, school_id, &[fields])?;
    let id = ids
        .get(&fields.external_ref)
        .copied()
        .ok_or(diesel::result::Error::NotFound)?;
    replace_interests(conn, &[(id, fields)])?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Overwrites one pupil with its interests; call inside a transaction.
pub fn replace_in_transaction(
    conn: &mut DbConnection,
    id: i64,
    fields: &PupilFields,
) -> QueryResult<Option<Pupil>> {
    if update_fields(conn, id, fields)? == 0 {
        return Ok(None);
    }
    replace_interests(conn, &[(id, fields)])?;
    find(conn, id)
}

/// Deletes a pupil with its interests, and takes it out of the masses; call inside a transaction.
pub fn delete_in_transaction(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    super::events::unregister_everywhere_in_transaction(conn, id)?;
    super::pupil_counts::around(conn, &[id], |conn| {
        let mut deltas = Deltas::default();
        uncount(conn, &[id], &mut deltas)?;
        remove_interests(conn, &[id], &mut deltas)?;
        let deleted = diesel::delete(pupils::table.find(id)).execute(conn)? > 0;
        deltas.apply(conn)?;
        super::idempotency::forget_pupil(conn, id)?;
        Ok(deleted)
    })
}

/// The school a pupil belongs to, if the pupil exists.
pub fn school_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    pupils::table
        .find(id)
        .select(pupils::school_id)
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Pupil>> {
    let Some(row) = pupils::table
        .find(id)
        .select(PupilRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let interests = interests_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(Some(row.with_interests(interests)))
}

fn interests_of(
    conn: &mut DbConnection,
    pupil_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<Interest>>> {
    let rows: Vec<(i64, Option<i64>, Option<i64>, f64)> = pupil_interests::table
        .filter(pupil_interests::pupil_id.eq_any(pupil_ids))
        .select((
            pupil_interests::pupil_id,
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
            pupil_interests::weight,
        ))
        .order((pupil_interests::pupil_id, pupil_interests::id))
        .load(conn)?;
    let mut by_pupil: HashMap<i64, Vec<Interest>> = HashMap::new();
    for (pupil_id, profession_id, cluster_id, weight) in rows {
        by_pupil.entry(pupil_id).or_default().push(Interest {
            profession_id,
            cluster_id,
            weight,
        });
    }
    Ok(by_pupil)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub school_id: Option<i64>,
    pub grade: Option<i32>,
    /// Only pupils whose external reference starts with this text.
    pub external_ref_prefix: Option<String>,
}

/// `text` as a LIKE pattern matching itself and anything after it.
fn prefix_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn filtered(filter: &Filter) -> pupils::BoxedQuery<'static, MultiBackend> {
    let mut query = pupils::table.into_boxed();
    if let Some(prefix) = &filter.external_ref_prefix {
        query = query.filter(
            pupils::external_ref
                .like(prefix_pattern(prefix))
                .escape('\\'),
        );
    }
    if let Some(school_id) = filter.school_id {
        query = query.filter(pupils::school_id.eq(school_id));
    }
    if let Some(grade) = filter.grade {
        query = query.filter(pupils::grade.eq(grade));
    }
    query
}

/// A page of pupils with their interests: two round trips whatever the page size.
pub fn list(conn: &mut DbConnection, filter: Filter, page: Page) -> QueryResult<(Vec<Pupil>, i64)> {
    let rows: Vec<(PupilRow, i64)> = filtered(&filter)
        .select((PupilRow::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order(pupils::id)
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    let (rows, total) =
        super::page_with_total(rows, page, || filtered(&filter).count().get_result(conn))?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut interests = interests_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let of_pupil = interests.remove(&row.id).unwrap_or_default();
            row.with_interests(of_pupil)
        })
        .collect();
    Ok((items, total))
}

/// Up to `limit` pupils who left school (after grade 11) in a year before
/// `left_before`: a pupil in grade `g` in academic year `y` leaves in the
/// summer of `y + 12 - g`.
pub fn leavers(conn: &mut DbConnection, left_before: i32, limit: i64) -> QueryResult<Vec<i64>> {
    pupils::table
        .filter((pupils::academic_year - pupils::grade).lt(left_before - 12))
        .select(pupils::id)
        .order(pupils::id)
        .limit(limit)
        .load(conn)
}

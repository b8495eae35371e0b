//! `pupil_counts`: pupils per school, grade and interest target, and
//! `pupil_cohorts`: pupils per school, grade and academic year, kept
//! current by every write of pupils and interests (in the same transaction),
//! so that `/stats/pupils`, the forecast's cohort rule and their kin never
//! group every pupil.
//!
//! A writer takes out what the pupils it touches count before it changes
//! them and puts back what they count after: correct whatever the change
//! (grade, interests, deletion), at the price of two reads of those pupils.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConnection;
use super::cells::InterestCell;
use super::masses::MassTarget;
use super::schema::{pupil_cohorts, pupil_counts, pupil_interests, pupils};

/// Changes to the counts, gathered in memory and applied once: per
/// (school, grade, target), and per (school, grade, academic year).
#[derive(Debug, Default)]
pub struct Counts(
    HashMap<(i64, i32, MassTarget), i64>,
    HashMap<(i64, i32, i32), i64>,
);

impl Counts {
    /// Adds what these pupils count now, times `sign` (-1 before a change, +1 after it).
    pub fn count(&mut self, conn: &mut DbConnection, ids: &[i64], sign: i64) -> QueryResult<()> {
        for chunk in ids.chunks(5000) {
            let rows: Vec<(i64, i64, i32, i32)> = pupils::table
                .filter(pupils::id.eq_any(chunk))
                .select((
                    pupils::id,
                    pupils::school_id,
                    pupils::grade,
                    pupils::academic_year,
                ))
                .load(conn)?;
            let mut placed = HashMap::with_capacity(rows.len());
            for (id, school_id, grade, academic_year) in rows {
                *self.1.entry((school_id, grade, academic_year)).or_default() += sign;
                *self
                    .0
                    .entry((school_id, grade, MassTarget::AllPupils))
                    .or_default() += sign;
                placed.insert(id, (school_id, grade));
            }
            let interests: Vec<(i64, Option<i64>, Option<i64>)> = pupil_interests::table
                .filter(pupil_interests::pupil_id.eq_any(chunk))
                .select((
                    pupil_interests::pupil_id,
                    pupil_interests::profession_id,
                    pupil_interests::cluster_id,
                ))
                .load(conn)?;
            for (pupil_id, profession_id, cluster_id) in interests {
                if let Some(&(school_id, grade)) = placed.get(&pupil_id) {
                    let target = MassTarget::of_interest(profession_id, cluster_id);
                    *self.0.entry((school_id, grade, target)).or_default() += sign;
                }
            }
        }
        Ok(())
    }

    /// Adds each change to its row in one upsert a chunk (atomic against
    /// concurrent writers; rows locked in a stable order).
    pub fn apply(self, conn: &mut DbConnection) -> QueryResult<()> {
        apply_cohorts(conn, self.1)?;
        let mut changes: Vec<((i64, i32, MassTarget), i64)> =
            self.0.into_iter().filter(|(_, d)| *d != 0).collect();
        changes.sort_by_key(|(key, _)| *key);
        // 5 columns a row; SQLite takes at most 32766 bound values a statement.
        for chunk in changes.chunks(5000) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|((school_id, grade, target), pupils)| {
                    let (kind, id) = target.columns();
                    (
                        pupil_counts::school_id.eq(*school_id),
                        pupil_counts::grade.eq(*grade),
                        pupil_counts::target_kind.eq(kind),
                        pupil_counts::target_id.eq(id),
                        pupil_counts::pupils.eq(*pupils),
                    )
                })
                .collect();
            crate::on_backend!(conn, |inner| diesel::insert_into(pupil_counts::table)
                .values(&rows)
                .on_conflict((
                    pupil_counts::school_id,
                    pupil_counts::grade,
                    pupil_counts::target_kind,
                    pupil_counts::target_id
                ))
                .do_update()
                .set(pupil_counts::pupils.eq(pupil_counts::pupils + excluded(pupil_counts::pupils)))
                .execute(inner))?;
        }
        Ok(())
    }
}

/// Adds each change to its `pupil_cohorts` row (an upsert a chunk, rows in
/// a stable order); rows that fall to 0 are removed.
fn apply_cohorts(
    conn: &mut DbConnection,
    cohorts: HashMap<(i64, i32, i32), i64>,
) -> QueryResult<()> {
    let mut changes: Vec<((i64, i32, i32), i64)> =
        cohorts.into_iter().filter(|(_, d)| *d != 0).collect();
    changes.sort_by_key(|(key, _)| *key);
    for chunk in changes.chunks(5000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|((school_id, grade, academic_year), pupils)| {
                (
                    pupil_cohorts::school_id.eq(*school_id),
                    pupil_cohorts::grade.eq(*grade),
                    pupil_cohorts::academic_year.eq(*academic_year),
                    pupil_cohorts::pupils.eq(*pupils),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(pupil_cohorts::table)
            .values(&rows)
            .on_conflict((
                pupil_cohorts::school_id,
                pupil_cohorts::grade,
                pupil_cohorts::academic_year
            ))
            .do_update()
            .set(pupil_cohorts::pupils.eq(pupil_cohorts::pupils + excluded(pupil_cohorts::pupils)))
            .execute(inner))?;
    }
    if !changes.is_empty() {
        diesel::delete(pupil_cohorts::table.filter(pupil_cohorts::pupils.le(0))).execute(conn)?;
    }
    Ok(())
}

/// Pupil records per school, grade and academic year, as kept.
pub fn cohorts(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i32, i32, i64)>> {
    pupil_cohorts::table
        .filter(pupil_cohorts::pupils.gt(0))
        .select((
            pupil_cohorts::school_id,
            pupil_cohorts::grade,
            pupil_cohorts::academic_year,
            pupil_cohorts::pupils,
        ))
        .order((
            pupil_cohorts::school_id,
            pupil_cohorts::grade,
            pupil_cohorts::academic_year,
        ))
        .load(conn)
}

/// The same counted afresh from every pupil: what `pupil_cohorts` must
/// always equal (the tests check it).
pub fn cohorts_recomputed(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i32, i32, i64)>> {
    use diesel::dsl::count_star;
    pupils::table
        .group_by((pupils::school_id, pupils::grade, pupils::academic_year))
        .select((
            pupils::school_id,
            pupils::grade,
            pupils::academic_year,
            count_star(),
        ))
        .order((pupils::school_id, pupils::grade, pupils::academic_year))
        .load(conn)
}

/// Runs `change` on these pupils inside the caller's transaction, keeping
/// `pupil_counts` right: what they counted before is taken out, what they
/// count after is put back.
pub fn around<T>(
    conn: &mut DbConnection,
    ids: &[i64],
    change: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let mut counts = Counts::default();
    counts.count(conn, ids, -1)?;
    let outcome = change(conn)?;
    counts.count(conn, ids, 1)?;
    counts.apply(conn)?;
    Ok(outcome)
}

/// `(school_id, grade, pupils)` for every school and grade with pupils,
/// optionally of one school.
pub fn by_grade(
    conn: &mut DbConnection,
    school_id: Option<i64>,
) -> QueryResult<Vec<(i64, i32, i64)>> {
    let mut query = pupil_counts::table
        .filter(pupil_counts::target_kind.eq("all"))
        .filter(pupil_counts::pupils.gt(0))
        .select((
            pupil_counts::school_id,
            pupil_counts::grade,
            pupil_counts::pupils,
        ))
        .into_boxed();
    if let Some(school_id) = school_id {
        query = query.filter(pupil_counts::school_id.eq(school_id));
    }
    query.load(conn)
}

/// `(school_id, grade, profession_id, cluster_id, pupils)` for every
/// interest target with pupils, optionally of one school.
pub fn by_interest(
    conn: &mut DbConnection,
    school_id: Option<i64>,
) -> QueryResult<Vec<InterestCell>> {
    let mut query = pupil_counts::table
        .filter(pupil_counts::target_kind.ne("all"))
        .filter(pupil_counts::pupils.gt(0))
        .select((
            pupil_counts::school_id,
            pupil_counts::grade,
            pupil_counts::target_kind,
            pupil_counts::target_id,
            pupil_counts::pupils,
        ))
        .into_boxed();
    if let Some(school_id) = school_id {
        query = query.filter(pupil_counts::school_id.eq(school_id));
    }
    let rows: Vec<(i64, i32, String, i64, i64)> = query.load(conn)?;
    rows.into_iter()
        .map(|(school_id, grade, kind, id, pupils)| {
            Ok(match MassTarget::from_columns(&kind, id)? {
                MassTarget::Profession(id) => (school_id, grade, Some(id), None, pupils),
                MassTarget::Cluster(id) => (school_id, grade, None, Some(id), pupils),
                MassTarget::AllPupils => (school_id, grade, None, None, pupils),
            })
        })
        .collect()
}

/// One interest target's pupils in the region: `(profession_id, cluster_id, total)`.
pub type InterestTotal = (Option<i64>, Option<i64>, i64);

#[derive(diesel::QueryableByName)]
struct TargetTotal {
    #[diesel(sql_type = diesel::sql_types::Text)]
    target_kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    target_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

/// Each interest target's count in the whole region: the exact sum of its
/// cells, or (`exact` false) the sum of each school's cell per grade rounded
/// as `domain::disclosure::round` does (0 to 2 as 0, the rest to the nearest
/// multiple of 5), added up by the database.
pub fn interest_totals(conn: &mut DbConnection, exact: bool) -> QueryResult<Vec<InterestTotal>> {
    let cell = if exact {
        "pupils"
    } else {
        "CASE WHEN pupils <= 0 THEN 0 ELSE ((pupils + 2) / 5) * 5 END"
    };
    let sql = format!(
        "SELECT target_kind, target_id, CAST(SUM({cell}) AS BIGINT) AS total \
         FROM pupil_counts WHERE target_kind <> 'all' AND pupils > 0 \
         GROUP BY target_kind, target_id"
    );
    let rows: Vec<TargetTotal> = crate::load_sql!(conn, &sql, TargetTotal;)?;
    rows.into_iter()
        .map(|row| {
            Ok(
                match MassTarget::from_columns(&row.target_kind, row.target_id)? {
                    MassTarget::Profession(id) => (Some(id), None, row.total),
                    MassTarget::Cluster(id) => (None, Some(id), row.total),
                    MassTarget::AllPupils => (None, None, row.total),
                },
            )
        })
        .collect()
}

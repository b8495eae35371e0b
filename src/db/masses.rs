//! `pupil_masses`: pupils per grade, academic year and interest target, kept
//! current by every write of pupils and interests (within the same
//! transaction), so that the forecast never scans the pupils.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConnection;
use super::schema::pupil_masses;

/// The target of the count of all pupils of a group.
pub const ALL_PUPILS: i64 = 0;

/// A profession as its id, a cluster as minus its id.
pub fn target_key(profession_id: Option<i64>, cluster_id: Option<i64>) -> i64 {
    match (profession_id, cluster_id) {
        (Some(id), _) => id,
        (None, Some(id)) => -id,
        (None, None) => ALL_PUPILS,
    }
}

/// Changes to the masses, gathered in memory and applied once.
#[derive(Debug, Default)]
pub struct Deltas(HashMap<(i32, i32, i64), f64>);

impl Deltas {
    pub fn add(&mut self, grade: i32, academic_year: i32, target: i64, pupils: f64) {
        *self.0.entry((grade, academic_year, target)).or_default() += pupils;
    }

    /// Adds each change to its row, creating rows as needed; one statement a
    /// (grade, year, target), atomic against concurrent writers.
    pub fn apply(self, conn: &mut DbConnection) -> QueryResult<()> {
        let mut changes: Vec<((i32, i32, i64), f64)> =
            self.0.into_iter().filter(|(_, d)| *d != 0.0).collect();
        // A stable order of row locks, so that concurrent writers cannot deadlock.
        changes.sort_by_key(|(key, _)| *key);
        for ((grade, academic_year, target), pupils) in changes {
            let row = (
                pupil_masses::grade.eq(grade),
                pupil_masses::academic_year.eq(academic_year),
                pupil_masses::target.eq(target),
                pupil_masses::pupils.eq(pupils),
            );
            crate::on_backend!(conn, |inner| diesel::insert_into(pupil_masses::table)
                .values(row)
                .on_conflict((
                    pupil_masses::grade,
                    pupil_masses::academic_year,
                    pupil_masses::target
                ))
                .do_update()
                .set(pupil_masses::pupils.eq(pupil_masses::pupils + excluded(pupil_masses::pupils)))
                .execute(inner))?;
        }
        Ok(())
    }
}

/// Every row: `(grade, academic_year, target, pupils)`.
pub fn load(conn: &mut DbConnection) -> QueryResult<Vec<(i32, i32, i64, f64)>> {
    pupil_masses::table
        .select((
            pupil_masses::grade,
            pupil_masses::academic_year,
            pupil_masses::target,
            pupil_masses::pupils,
        ))
        .order((
            pupil_masses::grade,
            pupil_masses::academic_year,
            pupil_masses::target,
        ))
        .load(conn)
}

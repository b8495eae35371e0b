//! `pupil_masses`: pupils per grade, academic year and interest target, kept
//! current by every write of pupils and interests (within the same
//! transaction), so that the forecast never scans the pupils.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::DbConnection;
use super::schema::pupil_masses;

/// What a row of `pupil_masses` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MassTarget {
    /// Every pupil of the group: a count.
    AllPupils,
    /// The summed shares of the group's pupils interested in this profession.
    Profession(i64),
    /// The same for this cluster.
    Cluster(i64),
}

impl MassTarget {
    /// The target of a stored interest, which names a profession or a cluster.
    pub fn of_interest(profession_id: Option<i64>, cluster_id: Option<i64>) -> Self {
        match (profession_id, cluster_id) {
            (Some(id), _) => Self::Profession(id),
            (None, Some(id)) => Self::Cluster(id),
            (None, None) => Self::AllPupils,
        }
    }

    /// `(target_kind, target_id)` as stored.
    pub(crate) fn columns(self) -> (&'static str, i64) {
        match self {
            Self::AllPupils => ("all", 0),
            Self::Profession(id) => ("profession", id),
            Self::Cluster(id) => ("cluster", id),
        }
    }

    pub(crate) fn from_columns(kind: &str, id: i64) -> QueryResult<Self> {
        match kind {
            "all" => Ok(Self::AllPupils),
            "profession" => Ok(Self::Profession(id)),
            "cluster" => Ok(Self::Cluster(id)),
            other => Err(diesel::result::Error::DeserializationError(
                format!("pupil_masses.target_kind {other:?}").into(),
            )),
        }
    }
}

/// Changes to the masses, gathered in memory and applied once.
#[derive(Debug, Default)]
pub struct Deltas(HashMap<(i32, i32, MassTarget), f64>);

impl Deltas {
    pub fn add(&mut self, grade: i32, academic_year: i32, target: MassTarget, pupils: f64) {
        *self.0.entry((grade, academic_year, target)).or_default() += pupils;
    }

    /// Adds each change to its row, creating rows as needed, in one
    /// statement (an upsert, atomic against concurrent writers).
    pub fn apply(self, conn: &mut DbConnection) -> QueryResult<()> {
        let mut changes: Vec<((i32, i32, MassTarget), f64)> =
            self.0.into_iter().filter(|(_, d)| *d != 0.0).collect();
        // A stable order of row locks, so that concurrent writers cannot deadlock.
        changes.sort_by_key(|(key, _)| *key);
        // 5 columns a row; SQLite takes at most 32766 bound values a statement.
        for chunk in changes.chunks(5000) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|((grade, academic_year, target), pupils)| {
                    let (kind, id) = target.columns();
                    (
                        pupil_masses::grade.eq(*grade),
                        pupil_masses::academic_year.eq(*academic_year),
                        pupil_masses::target_kind.eq(kind),
                        pupil_masses::target_id.eq(id),
                        pupil_masses::pupils.eq(*pupils),
                    )
                })
                .collect();
            crate::on_backend!(conn, |inner| diesel::insert_into(pupil_masses::table)
                .values(&rows)
                .on_conflict((
                    pupil_masses::grade,
                    pupil_masses::academic_year,
                    pupil_masses::target_kind,
                    pupil_masses::target_id
                ))
                .do_update()
                .set(pupil_masses::pupils.eq(pupil_masses::pupils + excluded(pupil_masses::pupils)))
                .execute(inner))?;
        }
        Ok(())
    }
}

/// Every row: `(grade, academic_year, target, pupils)`, in key order.
pub fn load(conn: &mut DbConnection) -> QueryResult<Vec<(i32, i32, MassTarget, f64)>> {
    let rows: Vec<(i32, i32, String, i64, f64)> = pupil_masses::table
        .select((
            pupil_masses::grade,
            pupil_masses::academic_year,
            pupil_masses::target_kind,
            pupil_masses::target_id,
            pupil_masses::pupils,
        ))
        .load(conn)?;
    let mut masses = rows
        .into_iter()
        .map(|(grade, academic_year, kind, id, pupils)| {
            Ok((
                grade,
                academic_year,
                MassTarget::from_columns(&kind, id)?,
                pupils,
            ))
        })
        .collect::<QueryResult<Vec<_>>>()?;
    masses.sort_by_key(|(grade, academic_year, target, _)| (*grade, *academic_year, *target));
    Ok(masses)
}

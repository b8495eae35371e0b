//! The guidance record of one school for one academic year, aggregated in SQL:
//! attended hours per pupil, bands per grade, professions and clusters met.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Timestamp};

use super::DbConnection;
use crate::load_sql;

/// The hours at which a pupil's guidance is counted as reached.
pub const THRESHOLDS: [f64; 3] = [40.0, 60.0, 80.0];

/// One grade of a school in the year: its pupils and how far their guidance got.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct GradeCounts {
    #[diesel(sql_type = Integer)]
    pub grade: i32,
    #[diesel(sql_type = BigInt)]
    pub pupils: i64,
    #[diesel(sql_type = BigInt)]
    pub reached_40: i64,
    #[diesel(sql_type = BigInt)]
    pub reached_60: i64,
    #[diesel(sql_type = BigInt)]
    pub reached_80: i64,
    #[diesel(sql_type = BigInt)]
    pub without_guidance: i64,
}

/// Pupils who met a profession or cluster at an attended event.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct MetCount {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub pupils: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct PupilWithout {
    #[diesel(sql_type = BigInt)]
    pub pupil_id: i64,
    #[diesel(sql_type = Text)]
    pub external_ref: String,
    #[diesel(sql_type = Integer)]
    pub grade: i32,
}

/// What the report counts, for one school and academic year.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub school_id: i64,
    pub academic_year: i32,
}

impl Scope {
    /// September 1 of the academic year and of the next one.
    fn dates(self) -> (NaiveDateTime, NaiveDateTime) {
        let september = |year: i32| {
            NaiveDate::from_ymd_opt(year, 9, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default()
        };
        (
            september(self.academic_year),
            september(self.academic_year + 1),
        )
    }
}

// A pupil's grade in the report's year is `grade + (year - academic_year)`;
// only grades 5 to 11 are in school that year.
const HOURS_BY_GRADE: &str = "
SELECT p.grade + (? - p.academic_year) AS grade,
       COUNT(*) AS pupils,
       SUM(CASE WHEN COALESCE(h.hours, 0) >= ? THEN 1 ELSE 0 END) AS reached_40,
       SUM(CASE WHEN COALESCE(h.hours, 0) >= ? THEN 1 ELSE 0 END) AS reached_60,
       SUM(CASE WHEN COALESCE(h.hours, 0) >= ? THEN 1 ELSE 0 END) AS reached_80,
       SUM(CASE WHEN h.hours IS NULL THEN 1 ELSE 0 END) AS without_guidance
FROM pupils p
LEFT JOIN (SELECT r.pupil_id, SUM(e.hours) AS hours
           FROM event_registrations r JOIN events e ON e.id = r.event_id
           WHERE r.school_id = ? AND r.attended = ? AND e.cancelled = ?
             AND e.starts_at >= ? AND e.starts_at < ?
           GROUP BY r.pupil_id) h ON h.pupil_id = p.id
WHERE p.school_id = ? AND p.grade + (? - p.academic_year) BETWEEN 5 AND 11
GROUP BY 1
ORDER BY 1";

/// Per grade: pupils, how many reached 40, 60 and 80 hours, and how many have none.
pub fn grades(conn: &mut DbConnection, scope: Scope) -> QueryResult<Vec<GradeCounts>> {
    let (start, end) = scope.dates();
    let year = scope.academic_year;
    load_sql!(conn, HOURS_BY_GRADE, GradeCounts;
        Integer => year,
        diesel::sql_types::Double => THRESHOLDS[0],
        diesel::sql_types::Double => THRESHOLDS[1],
        diesel::sql_types::Double => THRESHOLDS[2],
        BigInt => scope.school_id,
        Bool => true,
        Bool => false,
        Timestamp => start,
        Timestamp => end,
        BigInt => scope.school_id,
        Integer => year,
    )
}

const ATTENDED_IN_YEAR: &str = "
FROM event_registrations r
JOIN events e ON e.id = r.event_id
JOIN event_professions ep ON ep.event_id = e.id
JOIN professions pr ON pr.id = ep.profession_id
JOIN pupils p ON p.id = r.pupil_id
WHERE r.school_id = ? AND r.attended = ? AND e.cancelled = ?
  AND e.starts_at >= ? AND e.starts_at < ?
  AND p.grade + (? - p.academic_year) BETWEEN 5 AND 11";

#[derive(diesel::QueryableByName)]
struct Meeting {
    #[diesel(sql_type = BigInt)]
    pupil_id: i64,
    #[diesel(sql_type = BigInt)]
    profession_id: i64,
    #[diesel(sql_type = BigInt)]
    cluster_id: i64,
}

/// Per profession and per cluster: the school's pupils who attended an
/// event showing it (a pupil counted once per profession and once per
/// cluster), each by id. One query for both: each pupil's professions met.
pub fn met(conn: &mut DbConnection, scope: Scope) -> QueryResult<(Vec<MetCount>, Vec<MetCount>)> {
    use std::collections::{BTreeMap, BTreeSet};

    let (start, end) = scope.dates();
    let sql = format!(
        "SELECT DISTINCT r.pupil_id AS pupil_id, ep.profession_id AS profession_id, \
         pr.cluster_id AS cluster_id {ATTENDED_IN_YEAR}"
    );
    let meetings: Vec<Meeting> = load_sql!(conn, &sql, Meeting;
        BigInt => scope.school_id,
        Bool => true,
        Bool => false,
        Timestamp => start,
        Timestamp => end,
        Integer => scope.academic_year,
    )?;
    let mut professions: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut clusters: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for meeting in meetings {
        professions
            .entry(meeting.profession_id)
            .or_default()
            .insert(meeting.pupil_id);
        clusters
            .entry(meeting.cluster_id)
            .or_default()
            .insert(meeting.pupil_id);
    }
    let counted = |by: BTreeMap<i64, BTreeSet<i64>>| -> Vec<MetCount> {
        by.into_iter()
            .map(|(id, pupils)| MetCount {
                id,
                pupils: i64::try_from(pupils.len()).unwrap_or(i64::MAX),
            })
            .collect()
    };
    Ok((counted(professions), counted(clusters)))
}

const WITHOUT_GUIDANCE: &str = "
SELECT p.id AS pupil_id, p.external_ref, p.grade + (? - p.academic_year) AS grade
FROM pupils p
WHERE p.school_id = ? AND p.grade + (? - p.academic_year) BETWEEN 5 AND 11
  AND NOT EXISTS (SELECT 1 FROM event_registrations r JOIN events e ON e.id = r.event_id
                  WHERE r.pupil_id = p.id AND r.attended = ? AND e.cancelled = ?
                    AND e.starts_at >= ? AND e.starts_at < ?)
ORDER BY p.id";

/// The school's pupils with no attended hours in the year (for the school itself).
pub fn pupils_without_guidance(
    conn: &mut DbConnection,
    scope: Scope,
) -> QueryResult<Vec<PupilWithout>> {
    let (start, end) = scope.dates();
    load_sql!(conn, WITHOUT_GUIDANCE, PupilWithout;
        Integer => scope.academic_year,
        BigInt => scope.school_id,
        Integer => scope.academic_year,
        Bool => true,
        Bool => false,
        Timestamp => start,
        Timestamp => end,
    )
}

//! School counts (the annual school statistics): pupils per school, academic
//! year and grade 1 to 11, no names. The younger-pupil counts are grades 1 to 4.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use super::DbConnection;
use super::schema::grade_counts;
use crate::forecast::model::{SchoolCount, SchoolRecords};
use crate::load_sql;

/// Replaces a school's counts of the grades in `range` for one academic
/// year (the other grades' counts stay); call inside a transaction.
pub fn replace_year_in_transaction(
    conn: &mut DbConnection,
    school_id: i64,
    academic_year: i32,
    range: std::ops::RangeInclusive<i32>,
    grades: &[(i32, i32)],
) -> QueryResult<()> {
    diesel::delete(
        grade_counts::table
            .filter(grade_counts::school_id.eq(school_id))
            .filter(grade_counts::academic_year.eq(academic_year))
            .filter(grade_counts::grade.between(*range.start(), *range.end())),
    )
    .execute(conn)?;
    for (grade, pupils) in grades {
        diesel::insert_into(grade_counts::table)
            .values((
                grade_counts::school_id.eq(school_id),
                grade_counts::academic_year.eq(academic_year),
                grade_counts::grade.eq(grade),
                grade_counts::pupils.eq(pupils),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes a school's counts of the grades in `range` for one academic year;
/// returns how many were deleted.
pub fn delete_year(
    conn: &mut DbConnection,
    school_id: i64,
    academic_year: i32,
    range: std::ops::RangeInclusive<i32>,
) -> QueryResult<usize> {
    diesel::delete(
        grade_counts::table
            .filter(grade_counts::school_id.eq(school_id))
            .filter(grade_counts::academic_year.eq(academic_year))
            .filter(grade_counts::grade.between(*range.start(), *range.end())),
    )
    .execute(conn)
}

/// A school's counts of the grades in `range` by academic year:
/// `year -> [(grade, pupils)]`, grades ascending.
pub fn of_school(
    conn: &mut DbConnection,
    school_id: i64,
    range: std::ops::RangeInclusive<i32>,
) -> QueryResult<BTreeMap<i32, Vec<(i32, i32)>>> {
    let rows: Vec<(i32, i32, i32)> = grade_counts::table
        .filter(grade_counts::school_id.eq(school_id))
        .filter(grade_counts::grade.between(*range.start(), *range.end()))
        .select((
            grade_counts::academic_year,
            grade_counts::grade,
            grade_counts::pupils,
        ))
        .order((grade_counts::academic_year, grade_counts::grade))
        .load(conn)?;
    let mut years: BTreeMap<i32, Vec<(i32, i32)>> = BTreeMap::new();
    for (year, grade, pupils) in rows {
        years.entry(year).or_default().push((grade, pupils));
    }
    Ok(years)
}

#[derive(Debug, diesel::QueryableByName)]
struct LatestCount {
    #[diesel(sql_type = BigInt)]
    school_id: i64,
    #[diesel(sql_type = Integer)]
    academic_year: i32,
    #[diesel(sql_type = Integer)]
    grade: i32,
    #[diesel(sql_type = Integer)]
    pupils: i32,
}

// Each school's latest recorded year only: an older year of the same school
// would count its children twice.
// (A join with the latest years, not a subquery per row: a third of the time.)
const LATEST_PER_SCHOOL: &str = "
SELECT y.school_id, y.academic_year, y.grade, y.pupils
FROM grade_counts y
JOIN (SELECT school_id, MAX(academic_year) AS latest FROM grade_counts GROUP BY school_id) l
  ON l.school_id = y.school_id AND l.latest = y.academic_year
WHERE y.pupils > ?
ORDER BY y.school_id, y.grade";

/// The counts the forecast uses: each school's latest recorded year.
pub fn latest_counts(conn: &mut DbConnection) -> QueryResult<Vec<SchoolCount>> {
    let rows = load_sql!(conn, LATEST_PER_SCHOOL, LatestCount; Integer => 0)?;
    Ok(rows
        .into_iter()
        .map(|row| SchoolCount {
            school_id: row.school_id,
            grade: row.grade,
            academic_year: row.academic_year,
            pupils: i64::from(row.pupils),
        })
        .collect())
}

/// Pupil records per school, grade and academic year: step 1's `m`, from
/// the aggregate every pupil write keeps current.
pub fn pupil_records(conn: &mut DbConnection) -> QueryResult<Vec<SchoolRecords>> {
    Ok(super::pupil_counts::cohorts(conn)?
        .into_iter()
        .map(|(school_id, grade, academic_year, pupils)| SchoolRecords {
            school_id,
            grade,
            academic_year,
            pupils,
        })
        .collect())
}

//! Younger pupils (grades 1 to 4): counts per school, academic year and grade, no names.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use super::DbConnection;
use super::schema::younger_pupils;
use crate::forecast::model::YoungerCount;
use crate::load_sql;

/// Replaces a school's counts for one academic year; call inside a transaction.
pub fn replace_year_in_transaction(
    conn: &mut DbConnection,
    school_id: i64,
    academic_year: i32,
    grades: &[(i32, i32)],
) -> QueryResult<()> {
    diesel::delete(
        younger_pupils::table
            .filter(younger_pupils::school_id.eq(school_id))
            .filter(younger_pupils::academic_year.eq(academic_year)),
    )
    .execute(conn)?;
    for (grade, pupils) in grades {
        diesel::insert_into(younger_pupils::table)
            .values((
                younger_pupils::school_id.eq(school_id),
                younger_pupils::academic_year.eq(academic_year),
                younger_pupils::grade.eq(grade),
                younger_pupils::pupils.eq(pupils),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A school's counts by academic year: `year -> [(grade, pupils)]`, grades ascending.
pub fn of_school(
    conn: &mut DbConnection,
    school_id: i64,
) -> QueryResult<BTreeMap<i32, Vec<(i32, i32)>>> {
    let rows: Vec<(i32, i32, i32)> = younger_pupils::table
        .filter(younger_pupils::school_id.eq(school_id))
        .select((
            younger_pupils::academic_year,
            younger_pupils::grade,
            younger_pupils::pupils,
        ))
        .order((younger_pupils::academic_year, younger_pupils::grade))
        .load(conn)?;
    let mut years: BTreeMap<i32, Vec<(i32, i32)>> = BTreeMap::new();
    for (year, grade, pupils) in rows {
        years.entry(year).or_default().push((grade, pupils));
    }
    Ok(years)
}

#[derive(Debug, diesel::QueryableByName)]
struct LatestCount {
    #[diesel(sql_type = Integer)]
    academic_year: i32,
    #[diesel(sql_type = Integer)]
    grade: i32,
    #[diesel(sql_type = BigInt)]
    pupils: i64,
}

// Each school's latest recorded year only: an older year of the same school
// would count its children twice.
const LATEST_PER_SCHOOL: &str = "
SELECT y.academic_year, y.grade, SUM(y.pupils) AS pupils
FROM younger_pupils y
WHERE y.academic_year = (SELECT MAX(z.academic_year) FROM younger_pupils z WHERE z.school_id = y.school_id)
  AND y.pupils > ?
GROUP BY y.academic_year, y.grade
ORDER BY y.academic_year, y.grade";

/// The counts the forecast uses: each school's latest recorded year, summed by year and grade.
pub fn latest_counts(conn: &mut DbConnection) -> QueryResult<Vec<YoungerCount>> {
    let rows = load_sql!(conn, LATEST_PER_SCHOOL, LatestCount; Integer => 0)?;
    Ok(rows
        .into_iter()
        .map(|row| YoungerCount {
            grade: row.grade,
            academic_year: row.academic_year,
            pupils: row.pupils as f64,
        })
        .collect())
}

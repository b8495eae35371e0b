//! School counts (the annual school statistics): pupils per school, academic
//! year and grade 1 to 11, no names. Written by the school and admins (the
//! whole region at once by admins), read exactly by them and with small
//! counts withheld by everyone else. The forecast uses each school's latest
//! recorded year (step 1's cohort rule). The younger-pupil paths are the
//! same counts' grades 1 to 4.

use std::collections::{BTreeMap, HashSet};
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::log;
use super::conditional::IfMatch;
use super::{Context, existing_school};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::{DbConnection, grade_counts, organizations};
use crate::domain::OrganizationKind;
use crate::domain::disclosure;
use crate::domain::numbers::academic_year;
use crate::error::{AppError, AppResult, FieldError};
use crate::roster::{self, YoungerYears};

/// More pupils than this in one grade of one school is a typing error.
const MAX_PUPILS: i32 = 100_000;

/// The header of the region's counts CSV.
pub const COUNTS_HEADER: [&str; 4] = ["school_id", "academic_year", "grade", "pupils"];

/// Which grades a path writes and reads: the younger-pupil paths grades 1
/// to 4, the school counts all of 1 to 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grades {
    Younger,
    All,
}

impl Grades {
    pub fn range(self) -> RangeInclusive<i32> {
        match self {
            Grades::Younger => 1..=4,
            Grades::All => 1..=11,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Grades::Younger => "younger-pupil counts",
            Grades::All => "grade counts",
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grades": [{"grade": 1, "pupils": 52}, {"grade": 2, "pupils": 48}, {"grade": 3, "pupils": 50}, {"grade": 4, "pupils": 47}]}))]
pub struct GradeCountsBody {
    /// Each grade at most once (1 to 4 on the younger-pupil paths, 1 to 11
    /// on the grade-count paths); a grade left out has no count.
    pub grades: Vec<GradeCount>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeCount {
    #[schema(minimum = 1, maximum = 11)]
    pub grade: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub pupils: i32,
}

/// One grade's count as shown: exact for the school and admins, rounded to a
/// multiple of 5 (0 to 2 as 0) for everyone else.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ShownCount {
    pub grade: i32,
    pub pupils: i64,
}

/// One school's counts for one academic year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeCountsYear {
    pub school_id: i64,
    pub academic_year: i32,
    /// Whether the counts are protected (rounded) rather than exact: for
    /// anyone but the school and admins.
    pub suppressed: bool,
    pub grades: Vec<ShownCount>,
}

/// Checks one grade's count, naming each bad field with `field`.
fn check_count(
    grade: i32,
    pupils: i32,
    range: &RangeInclusive<i32>,
    field: impl Fn(&str) -> String,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !range.contains(&grade) {
        errors.push(FieldError::new(
            field("grade"),
            format!("must be a grade from {} to {}", range.start(), range.end()),
        ));
    }
    if !(0..=MAX_PUPILS).contains(&pupils) {
        errors.push(FieldError::new(
            field("pupils"),
            format!("must be 0 to {MAX_PUPILS}"),
        ));
    }
    errors
}

/// Checks one year's counts, naming every bad field.
fn check_grades(grades: &[GradeCount], range: &RangeInclusive<i32>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, count) in grades.iter().enumerate() {
        let field = |name: &str| format!("grades[{i}].{name}");
        let checked = check_count(count.grade, count.pupils, range, field);
        let grade_bad = checked.iter().any(|e| e.field.ends_with("grade"));
        errors.extend(checked);
        if !grade_bad && !seen.insert(count.grade) {
            errors.push(FieldError::new(field("grade"), "is listed twice"));
        }
    }
    errors
}

fn shown(school_id: i64, year: i32, grades: &[(i32, i32)], exact: bool) -> GradeCountsYear {
    GradeCountsYear {
        school_id,
        academic_year: year,
        suppressed: !exact,
        grades: grades
            .iter()
            .map(|(grade, n)| ShownCount {
                grade: *grade,
                pupils: disclosure::shown(i64::from(*n), exact),
            })
            .collect(),
    }
}

/// Records a school's counts for one academic year, replacing what it had
/// for that year's grades in `which` (the school, admins).
pub async fn put(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    year: i32,
    body: GradeCountsBody,
    if_match: IfMatch,
    which: Grades,
) -> AppResult<GradeCountsYear> {
    authorize(user, Action::ManagePupils { school_id })?;
    let mut errors = Vec::new();
    if let Err(message) = academic_year(year) {
        errors.push(FieldError::new("academic_year", message));
    }
    errors.extend(check_grades(&body.grades, &which.range()));
    AppError::unless_empty(errors)?;
    let mut grades: Vec<(i32, i32)> = body.grades.iter().map(|g| (g.grade, g.pupils)).collect();
    grades.sort_unstable();
    let stored = grades.clone();
    let actor = *user;
    ctx.write(move |conn| {
        existing_school(conn, school_id)?;
        if_match.check(conn, Lock::Organization(school_id), |conn| {
            let years = grade_counts::of_school(conn, school_id, which.range())?;
            Ok(years
                .get(&year)
                .map(|grades| shown(school_id, year, grades, true)))
        })?;
        grade_counts::replace_year_in_transaction(conn, school_id, year, which.range(), &stored)?;
        let changes = serde_json::json!({ "academic_year": year, "grades": stored });
        log(
            conn,
            &actor,
            "grade_counts",
            Some(school_id),
            AuditAction::Update,
            Some(changes),
        )
    })
    .await?;
    Ok(shown(school_id, year, &grades, true))
}

/// Deletes a school's counts of one academic year (the school, admins).
pub async fn delete(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    year: i32,
    which: Grades,
) -> AppResult<()> {
    authorize(user, Action::ManagePupils { school_id })?;
    let actor = *user;
    ctx.write(move |conn| {
        existing_school(conn, school_id)?;
        if grade_counts::delete_year(conn, school_id, year, which.range())? == 0 {
            return Err(AppError::NotFound(format!(
                "{} of {year} for school {school_id}",
                which.what()
            )));
        }
        let changes = serde_json::json!({ "academic_year": year, "deleted": true });
        log(
            conn,
            &actor,
            "grade_counts",
            Some(school_id),
            AuditAction::Delete,
            Some(changes),
        )
    })
    .await
}

fn may_read_exactly(user: &AuthUser, school_id: i64) -> bool {
    allows(user, Action::ReadPupils { school_id })
}

async fn years_of(
    ctx: &Context,
    school_id: i64,
    which: Grades,
) -> AppResult<BTreeMap<i32, Vec<(i32, i32)>>> {
    ctx.run(move |conn| {
        existing_school(conn, school_id)?;
        Ok(grade_counts::of_school(conn, school_id, which.range())?)
    })
    .await
}

/// A school's counts for one academic year (everyone; exact for the school and admins).
pub async fn get(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    year: i32,
    which: Grades,
) -> AppResult<GradeCountsYear> {
    authorize(user, Action::ReadPupilStats)?;
    let exact = may_read_exactly(user, school_id);
    let years = years_of(ctx, school_id, which).await?;
    let grades = years.get(&year).ok_or_else(|| {
        AppError::NotFound(format!("{} of {year} for school {school_id}", which.what()))
    })?;
    Ok(shown(school_id, year, grades, exact))
}

/// Every recorded year of a school's counts, latest first (everyone; exact
/// for the school and admins).
pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    which: Grades,
) -> AppResult<Vec<GradeCountsYear>> {
    authorize(user, Action::ReadPupilStats)?;
    let exact = may_read_exactly(user, school_id);
    let years = years_of(ctx, school_id, which).await?;
    Ok(years
        .iter()
        .rev()
        .map(|(year, grades)| shown(school_id, *year, grades, exact))
        .collect())
}

/// Checks one CSV row's year and count, adding its errors with the line.
fn check_line(
    line: u64,
    year: i32,
    grade: i32,
    pupils: i32,
    range: &RangeInclusive<i32>,
    errors: &mut Vec<FieldError>,
) {
    if let Err(message) = academic_year(year) {
        errors.push(FieldError::on_line(line, "academic_year", message));
    }
    for error in check_count(grade, pupils, range, |name| name.to_string()) {
        errors.push(FieldError::on_line(line, error.field, error.message));
    }
}

/// Imports a school's younger-pupil counts from a CSV
/// (`academic_year,grade,pupils`, grades 1 to 4): every year in the file
/// replaces that year's counts of grades 1 to 4, all or nothing; every bad
/// row is named with its line. Returns the years stored.
pub async fn import_younger(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    csv: &[u8],
) -> AppResult<Vec<i32>> {
    authorize(user, Action::ManagePupils { school_id })?;
    let rows = roster::parse_younger(csv).map_err(AppError::Invalid)?;
    let range = Grades::Younger.range();
    let mut errors = Vec::new();
    let mut years = YoungerYears::new();
    let mut seen = HashSet::new();
    for (line, year, grade, pupils) in rows {
        check_line(line, year, grade, pupils, &range, &mut errors);
        if !seen.insert((year, grade)) {
            errors.push(FieldError::on_line(
                line,
                "grade",
                format!("grade {grade} of {year} is given twice"),
            ));
        }
        years.entry(year).or_default().push((grade, pupils));
    }
    AppError::unless_empty(errors)?;
    let actor = *user;
    ctx.write(move |conn| {
        existing_school(conn, school_id)?;
        for (year, grades) in &years {
            let mut grades = grades.clone();
            grades.sort_unstable();
            grade_counts::replace_year_in_transaction(
                conn,
                school_id,
                *year,
                range.clone(),
                &grades,
            )?;
        }
        let stored: Vec<i32> = years.keys().copied().collect();
        let changes = serde_json::json!({ "academic_years": stored });
        log(
            conn,
            &actor,
            "grade_counts",
            Some(school_id),
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(stored)
    })
    .await
}

/// What a region import stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionImport {
    /// How many (school, academic year) pairs were replaced.
    pub school_years: usize,
    /// How many grade counts were stored.
    pub counts: usize,
}

/// Imports the region's school counts (admins) from a CSV
/// (`school_id,academic_year,grade,pupils`): every (school, academic year)
/// named is replaced whole, all rows or none; every bad row is named with
/// its line.
pub async fn import_region(ctx: &Context, user: &AuthUser, csv: &[u8]) -> AppResult<RegionImport> {
    authorize(user, Action::ImportRegionCounts)?;
    let (rows, mut errors) =
        roster::parse_numbers_with_errors(csv, &COUNTS_HEADER).map_err(AppError::Invalid)?;
    let range = Grades::All.range();
    let mut by_school: BTreeMap<(i64, i32), Vec<(i32, i32)>> = BTreeMap::new();
    let mut lines: Vec<(u64, i64)> = Vec::new();
    let mut seen = HashSet::new();
    for (line, numbers) in rows {
        let (school_id, year, grade, pupils) = (
            numbers[0],
            numbers[1] as i32,
            numbers[2] as i32,
            numbers[3] as i32,
        );
        check_line(line, year, grade, pupils, &range, &mut errors);
        if !seen.insert((school_id, year, grade)) {
            errors.push(FieldError::on_line(
                line,
                "grade",
                format!("grade {grade} of {year} for school {school_id} is given twice"),
            ));
        }
        lines.push((line, school_id));
        by_school
            .entry((school_id, year))
            .or_default()
            .push((grade, pupils));
    }
    AppError::unless_empty(roster::capped(errors))?;
    let actor = *user;
    ctx.write(move |conn| {
        let mut errors = Vec::new();
        let mut schools: BTreeMap<i64, bool> = BTreeMap::new();
        for (line, school_id) in &lines {
            let is_school = match schools.get(school_id) {
                Some(known) => *known,
                None => {
                    let known =
                        organizations::kind_of(conn, *school_id)? == Some(OrganizationKind::School);
                    schools.insert(*school_id, known);
                    known
                }
            };
            if !is_school {
                errors.push(FieldError::on_line(
                    *line,
                    "school_id",
                    format!("no school has the id {school_id}"),
                ));
            }
        }
        AppError::unless_empty(roster::capped(errors))?;
        store_region(conn, &by_school)?;
        let counts = by_school.values().map(Vec::len).sum();
        let changes = serde_json::json!({ "school_years": by_school.len(), "counts": counts });
        log(
            conn,
            &actor,
            "grade_counts",
            None,
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(RegionImport {
            school_years: by_school.len(),
            counts,
        })
    })
    .await
}

fn store_region(
    conn: &mut DbConnection,
    by_school: &BTreeMap<(i64, i32), Vec<(i32, i32)>>,
) -> AppResult<()> {
    for ((school_id, year), grades) in by_school {
        let mut grades = grades.clone();
        grades.sort_unstable();
        grade_counts::replace_year_in_transaction(
            conn,
            *school_id,
            *year,
            Grades::All.range(),
            &grades,
        )?;
    }
    Ok(())
}

//! Younger pupils (grades 1 to 4), known only as counts per school and
//! academic year: written by the school and admins, read exactly by them and
//! with small counts withheld by everyone else. The forecast uses each
//! school's latest recorded year.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::audit::log;
use super::conditional::IfMatch;
use super::{Context, existing_school};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::{DbConnection, younger};
use crate::domain::disclosure;
use crate::domain::numbers::academic_year;
use crate::error::{AppError, AppResult, FieldError};
use crate::roster::{self, YoungerYears};

/// More pupils than this in one grade of one school is a typing error.
const MAX_PUPILS: i32 = 100_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grades": [{"grade": 1, "pupils": 52}, {"grade": 2, "pupils": 48}, {"grade": 3, "pupils": 50}, {"grade": 4, "pupils": 47}]}))]
pub struct YoungerBody {
    /// Grades 1 to 4, each at most once; a grade left out has no count.
    pub grades: Vec<YoungerGrade>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YoungerGrade {
    #[schema(minimum = 1, maximum = 4)]
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
pub struct YoungerYear {
    pub school_id: i64,
    pub academic_year: i32,
    /// Whether the counts are protected (rounded) rather than exact: for
    /// anyone but the school and admins.
    pub suppressed: bool,
    pub grades: Vec<ShownCount>,
}

/// Checks one year's counts, naming every bad field under `prefix`.
fn check_grades(grades: &[YoungerGrade], prefix: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, count) in grades.iter().enumerate() {
        let field = |name: &str| format!("{prefix}grades[{i}].{name}");
        if !(1..=4).contains(&count.grade) {
            errors.push(FieldError::new(
                field("grade"),
                "must be a grade from 1 to 4",
            ));
        } else if !seen.insert(count.grade) {
            errors.push(FieldError::new(field("grade"), "is listed twice"));
        }
        if !(0..=MAX_PUPILS).contains(&count.pupils) {
            errors.push(FieldError::new(
                field("pupils"),
                format!("must be 0 to {MAX_PUPILS}"),
            ));
        }
    }
    errors
}

fn shown(school_id: i64, year: i32, grades: &[(i32, i32)], exact: bool) -> YoungerYear {
    let values = grades
        .iter()
        .map(|(_, n)| disclosure::shown(i64::from(*n), exact));
    YoungerYear {
        school_id,
        academic_year: year,
        suppressed: !exact,
        grades: grades
            .iter()
            .zip(values)
            .map(|((grade, _), pupils)| ShownCount {
                grade: *grade,
                pupils,
            })
            .collect(),
    }
}

/// Records a school's counts for one academic year, replacing what it had
/// for that year (the school, admins).
pub async fn put(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    year: i32,
    body: YoungerBody,
    if_match: IfMatch,
) -> AppResult<YoungerYear> {
    authorize(user, Action::ManagePupils { school_id })?;
    let mut errors = Vec::new();
    if let Err(message) = academic_year(year) {
        errors.push(FieldError::new("academic_year", message));
    }
    errors.extend(check_grades(&body.grades, ""));
    AppError::unless_empty(errors)?;
    let mut grades: Vec<(i32, i32)> = body.grades.iter().map(|g| (g.grade, g.pupils)).collect();
    grades.sort_unstable();
    let stored = grades.clone();
    let actor = *user;
    ctx.write(move |conn| {
        existing_school(conn, school_id)?;
        if_match.check(conn, Lock::Organization(school_id), |conn| {
            let years = younger::of_school(conn, school_id)?;
            Ok(years
                .get(&year)
                .map(|grades| shown(school_id, year, grades, true)))
        })?;
        younger::replace_year_in_transaction(conn, school_id, year, &stored)?;
        let changes = serde_json::json!({ "academic_year": year, "grades": stored });
        log(
            conn,
            &actor,
            "younger_pupils",
            Some(school_id),
            AuditAction::Update,
            Some(changes),
        )
    })
    .await?;
    Ok(shown(school_id, year, &grades, true))
}

fn may_read_exactly(user: &AuthUser, school_id: i64) -> bool {
    allows(user, Action::ReadPupils { school_id })
}

/// A school's counts for one academic year (everyone; exact for the school and admins).
pub async fn get(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    year: i32,
) -> AppResult<YoungerYear> {
    authorize(user, Action::ReadPupilStats)?;
    let exact = may_read_exactly(user, school_id);
    let years = ctx
        .run(move |conn| {
            existing_school(conn, school_id)?;
            Ok(younger::of_school(conn, school_id)?)
        })
        .await?;
    let grades = years.get(&year).ok_or_else(|| {
        AppError::NotFound(format!(
            "younger-pupil counts of {year} for school {school_id}"
        ))
    })?;
    Ok(shown(school_id, year, grades, exact))
}

/// Every recorded year of a school's counts, latest first (everyone; exact
/// for the school and admins).
pub async fn list(ctx: &Context, user: &AuthUser, school_id: i64) -> AppResult<Vec<YoungerYear>> {
    authorize(user, Action::ReadPupilStats)?;
    let exact = may_read_exactly(user, school_id);
    let years = ctx
        .run(move |conn| {
            existing_school(conn, school_id)?;
            Ok(younger::of_school(conn, school_id)?)
        })
        .await?;
    Ok(years
        .iter()
        .rev()
        .map(|(year, grades)| shown(school_id, *year, grades, exact))
        .collect())
}

/// Imports a school's counts from a CSV (`academic_year,grade,pupils`): every
/// year in the file replaces that year's counts, all or nothing; every bad
/// row is named with its line. Returns the years stored.
pub async fn import(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    csv: &[u8],
) -> AppResult<Vec<i32>> {
    authorize(user, Action::ManagePupils { school_id })?;
    let rows = roster::parse_younger(csv).map_err(AppError::Invalid)?;
    let mut errors = Vec::new();
    let mut years = YoungerYears::new();
    let mut seen = HashSet::new();
    for (line, year, grade, pupils) in rows {
        if let Err(message) = academic_year(year) {
            errors.push(FieldError::on_line(line, "academic_year", message));
        }
        let checked = check_grades(&[YoungerGrade { grade, pupils }], "");
        for error in checked {
            let field = error
                .field
                .rsplit('.')
                .next()
                .unwrap_or("grade")
                .to_string();
            errors.push(FieldError::on_line(line, field, error.message));
        }
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
        let stored = store_years(conn, school_id, &years)?;
        let changes = serde_json::json!({ "academic_years": stored });
        log(
            conn,
            &actor,
            "younger_pupils",
            Some(school_id),
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(stored)
    })
    .await
}

fn store_years(
    conn: &mut DbConnection,
    school_id: i64,
    years: &YoungerYears,
) -> AppResult<Vec<i32>> {
    existing_school(conn, school_id)?;
    for (year, grades) in years {
        let mut grades = grades.clone();
        grades.sort_unstable();
        younger::replace_year_in_transaction(conn, school_id, *year, &grades)?;
    }
    Ok(years.keys().copied().collect())
}

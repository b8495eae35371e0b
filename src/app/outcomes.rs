//! Records of what happened (step 9 of the model): a program's graduations
//! per calendar year and its graduates' destinations about a year later.
//! Written by the program's institution and admins (one at a time or as an
//! all-or-nothing CSV), read by everyone signed in. They do not change the
//! forecast's numbers; they are the evidence the model is checked against.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use utoipa::ToSchema;

use super::Context;
use super::audit::{changes_of, log};
use super::conditional::IfMatch;
use super::programs::{MAX_PEOPLE, managed};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::outcomes::{self, Destination, Graduation};
use crate::db::{DbConnection, programs};
use crate::domain::numbers::{count, current_year, year_between};
use crate::error::{AppError, AppResult, FieldError};
use crate::roster;

/// The header of a graduations CSV.
pub const GRADUATIONS_HEADER: [&str; 4] = ["program_id", "year", "graduates", "targeted_graduates"];

/// The header of a destinations CSV.
pub const DESTINATIONS_HEADER: [&str; 9] = [
    "program_id",
    "year",
    "employed_in_profession",
    "employed_in_profession_targeted",
    "employed_other",
    "continued_study",
    "military_service",
    "left_region",
    "unknown",
];

/// The first year a record of what happened may name.
const FIRST_YEAR: i32 = 1990;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"graduates": 48, "targeted_graduates": 12}))]
pub struct GraduationBody {
    /// How many finished the program in the year: 0 to 100000.
    #[schema(minimum = 0, maximum = 100000)]
    pub graduates: i32,
    /// Of them, from targeted-training seats: at most `graduates`.
    #[schema(minimum = 0, maximum = 100000)]
    pub targeted_graduates: i32,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"employed_in_profession": 27, "employed_in_profession_targeted": 11, "employed_other": 6, "continued_study": 5, "military_service": 4, "left_region": 3, "unknown": 3}))]
pub struct DestinationBody {
    /// Working in the region in a profession the program trains for.
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_in_profession: i32,
    /// Of them, from targeted-training seats.
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_in_profession_targeted: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_other: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub continued_study: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub military_service: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub left_region: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub unknown: i32,
}

impl DestinationBody {
    fn record(self, graduation_year: i32) -> Destination {
        Destination {
            graduation_year,
            employed_in_profession: self.employed_in_profession,
            employed_in_profession_targeted: self.employed_in_profession_targeted,
            employed_other: self.employed_other,
            continued_study: self.continued_study,
            military_service: self.military_service,
            left_region: self.left_region,
            unknown: self.unknown,
        }
    }
}

fn year_error(year: i32, field: &str) -> Option<FieldError> {
    year_between(year, FIRST_YEAR, current_year())
        .err()
        .map(|message| FieldError::new(field, message))
}

fn count_errors(counts: &[(&str, i32)]) -> Vec<FieldError> {
    counts
        .iter()
        .filter_map(|(field, value)| {
            count(*value, MAX_PEOPLE)
                .err()
                .map(|message| FieldError::new(*field, message))
        })
        .collect()
}

/// Step 9's rules for a graduation record, beside the year's destinations
/// if recorded: every bad field named.
pub fn graduation_errors(
    graduation: &Graduation,
    destination: Option<&Destination>,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = year_error(graduation.year, "year").into_iter().collect();
    errors.extend(count_errors(&[
        ("graduates", graduation.graduates),
        ("targeted_graduates", graduation.targeted_graduates),
    ]));
    if !errors.is_empty() {
        return errors;
    }
    if graduation.targeted_graduates > graduation.graduates {
        errors.push(FieldError::new(
            "targeted_graduates",
            "must not exceed graduates",
        ));
    }
    if let Some(destination) = destination {
        let accounted = destination.accounted();
        if accounted > i64::from(graduation.graduates) {
            errors.push(FieldError::new(
                "graduates",
                format!("must be at least the {accounted} graduates whose destinations are recorded for the year"),
            ));
        }
        if destination.employed_in_profession_targeted > graduation.targeted_graduates {
            errors.push(FieldError::new(
                "targeted_graduates",
                format!(
                    "must be at least the {} targeted graduates recorded as employed in the profession",
                    destination.employed_in_profession_targeted
                ),
            ));
        }
    }
    errors
}

/// Step 9's rules for a destination record, beside the year's graduation
/// record if there is one: every bad field named.
pub fn destination_errors(
    destination: &Destination,
    graduation: Option<&Graduation>,
) -> Vec<FieldError> {
    let d = destination;
    let mut errors: Vec<FieldError> = year_error(d.graduation_year, "graduation_year")
        .into_iter()
        .collect();
    errors.extend(count_errors(&[
        ("employed_in_profession", d.employed_in_profession),
        (
            "employed_in_profession_targeted",
            d.employed_in_profession_targeted,
        ),
        ("employed_other", d.employed_other),
        ("continued_study", d.continued_study),
        ("military_service", d.military_service),
        ("left_region", d.left_region),
        ("unknown", d.unknown),
    ]));
    if !errors.is_empty() {
        return errors;
    }
    if d.employed_in_profession_targeted > d.employed_in_profession {
        errors.push(FieldError::new(
            "employed_in_profession_targeted",
            "must not exceed employed_in_profession",
        ));
    }
    if let Some(graduation) = graduation {
        let accounted = d.accounted();
        if accounted > i64::from(graduation.graduates) {
            errors.push(FieldError::new(
                "unknown",
                format!(
                    "the destinations add up to {accounted}, more than the {} graduates of {}",
                    graduation.graduates, graduation.year
                ),
            ));
        }
        if d.employed_in_profession_targeted > graduation.targeted_graduates {
            errors.push(FieldError::new(
                "employed_in_profession_targeted",
                format!(
                    "must not exceed the {} targeted graduates of {}",
                    graduation.targeted_graduates, graduation.year
                ),
            ));
        }
    }
    errors
}

/// Records how many finished a program in a calendar year (its institution, admins).
pub async fn put_graduation(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
    year: i32,
    body: GraduationBody,
    if_match: IfMatch,
) -> AppResult<Graduation> {
    managed(ctx, user, program_id).await?;
    let graduation = Graduation {
        year,
        graduates: body.graduates,
        targeted_graduates: body.targeted_graduates,
    };
    AppError::unless_empty(graduation_errors(&graduation, None))?;
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Program(program_id), |conn| {
            Ok(outcomes::graduation(conn, program_id, year)?)
        })?;
        let destination = outcomes::destination(conn, program_id, year)?;
        AppError::unless_empty(graduation_errors(&graduation, destination.as_ref()))?;
        outcomes::put_graduation(conn, program_id, &graduation)?;
        log(
            conn,
            &actor,
            "graduation",
            Some(program_id),
            AuditAction::Update,
            changes_of(&graduation),
        )
    })
    .await?;
    Ok(graduation)
}

/// Records where a year's graduates were about a year later (its institution, admins).
pub async fn put_destination(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
    year: i32,
    body: DestinationBody,
    if_match: IfMatch,
) -> AppResult<Destination> {
    managed(ctx, user, program_id).await?;
    let destination = body.record(year);
    AppError::unless_empty(destination_errors(&destination, None))?;
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Program(program_id), |conn| {
            Ok(outcomes::destination(conn, program_id, year)?)
        })?;
        let graduation = outcomes::graduation(conn, program_id, year)?;
        AppError::unless_empty(destination_errors(&destination, graduation.as_ref()))?;
        outcomes::put_destination(conn, program_id, &destination)?;
        log(
            conn,
            &actor,
            "destination",
            Some(program_id),
            AuditAction::Update,
            changes_of(&destination),
        )
    })
    .await?;
    Ok(destination)
}

/// What kind of record of what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Graduation,
    Destination,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Graduation => "graduation",
            Outcome::Destination => "destination",
        }
    }
}

async fn existing_program(ctx: &Context, user: &AuthUser, program_id: i64) -> AppResult<()> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| {
        programs::institution_of(conn, program_id)?
            .map(|_| ())
            .ok_or_else(|| AppError::not_found("program", program_id))
    })
    .await
}

/// One year's graduation record of a program (everyone signed in).
pub async fn graduation(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
    year: i32,
) -> AppResult<Graduation> {
    existing_program(ctx, user, program_id).await?;
    ctx.run(move |conn| {
        outcomes::graduation(conn, program_id, year)?.ok_or_else(|| {
            AppError::NotFound(format!("the graduation {year} of program {program_id}"))
        })
    })
    .await
}

/// One graduation year's destinations of a program (everyone signed in).
pub async fn destination(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
    year: i32,
) -> AppResult<Destination> {
    existing_program(ctx, user, program_id).await?;
    ctx.run(move |conn| {
        outcomes::destination(conn, program_id, year)?.ok_or_else(|| {
            AppError::NotFound(format!("the destinations {year} of program {program_id}"))
        })
    })
    .await
}

/// A program's graduation records by year (everyone signed in).
pub async fn graduations(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
) -> AppResult<Vec<Graduation>> {
    existing_program(ctx, user, program_id).await?;
    ctx.run(move |conn| Ok(outcomes::graduations(conn, program_id)?))
        .await
}

/// A program's destination records by graduation year (everyone signed in).
pub async fn destinations(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
) -> AppResult<Vec<Destination>> {
    existing_program(ctx, user, program_id).await?;
    ctx.run(move |conn| Ok(outcomes::destinations(conn, program_id)?))
        .await
}

/// Deletes one year's record (its institution, admins).
pub async fn delete(
    ctx: &Context,
    user: &AuthUser,
    program_id: i64,
    what: Outcome,
    year: i32,
    if_match: IfMatch,
) -> AppResult<()> {
    managed(ctx, user, program_id).await?;
    let actor = *user;
    ctx.write(move |conn| {
        let exists = match what {
            Outcome::Graduation => outcomes::graduation(conn, program_id, year)?.is_some(),
            Outcome::Destination => outcomes::destination(conn, program_id, year)?.is_some(),
        };
        if !exists {
            return Err(AppError::NotFound(format!(
                "the {} {year} of program {program_id}",
                what.name()
            )));
        }
        match what {
            Outcome::Graduation => if_match.check(conn, Lock::Program(program_id), |conn| {
                Ok(outcomes::graduation(conn, program_id, year)?)
            })?,
            Outcome::Destination => if_match.check(conn, Lock::Program(program_id), |conn| {
                Ok(outcomes::destination(conn, program_id, year)?)
            })?,
        }
        match what {
            Outcome::Graduation => outcomes::delete_graduation(conn, program_id, year)?,
            Outcome::Destination => outcomes::delete_destination(conn, program_id, year)?,
        };
        let changes = serde_json::json!({ "year": year });
        log(
            conn,
            &actor,
            what.name(),
            Some(program_id),
            AuditAction::Delete,
            Some(changes),
        )
    })
    .await
}

/// One CSV row turned into a record: `(line, program_id, record)`.
type Parsed<T> = Vec<(u64, i64, T)>;

/// Moves a record's field errors onto its line.
fn on_line(line: u64, errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    errors
        .into_iter()
        .map(move |error| FieldError::on_line(line, error.field, error.message))
}

/// The programs of the file that `user` may not write (or that do not
/// exist), each refused on every line that names it.
fn refuse_programs<T>(
    conn: &mut DbConnection,
    user: &AuthUser,
    rows: &Parsed<T>,
) -> AppResult<Vec<FieldError>> {
    let mut may: HashMap<i64, bool> = HashMap::new();
    let mut errors = Vec::new();
    for (line, program_id, _) in rows {
        let allowed = match may.get(program_id) {
            Some(allowed) => *allowed,
            None => {
                let allowed =
                    programs::institution_of(conn, *program_id)?.is_some_and(|institution_id| {
                        allows(user, Action::ManagePrograms { institution_id })
                    });
                may.insert(*program_id, allowed);
                allowed
            }
        };
        if !allowed {
            errors.push(FieldError::on_line(
                *line,
                "program_id",
                format!("no program you may write has the id {program_id}"),
            ));
        }
    }
    Ok(errors)
}

fn twice<T>(rows: &Parsed<T>, year: impl Fn(&T) -> i32) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|(_, program_id, record)| !seen.insert((*program_id, year(record))))
        .map(|(line, program_id, record)| {
            FieldError::on_line(
                *line,
                "year",
                format!(
                    "the year {} of program {program_id} is given twice",
                    year(record)
                ),
            )
        })
        .collect()
}

/// What an import stored.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct Imported {
    pub stored: usize,
}

/// Imports graduation records (`program_id,year,graduates,targeted_graduates`):
/// a college only for its own programs, admins for all; all rows or none,
/// every bad row listed with its line.
pub async fn import_graduations(ctx: &Context, user: &AuthUser, csv: &[u8]) -> AppResult<Imported> {
    authorize(user, Action::WritePrograms)?;
    let numbers = roster::parse_numbers(csv, &GRADUATIONS_HEADER).map_err(AppError::Invalid)?;
    let rows: Parsed<Graduation> = numbers
        .into_iter()
        .map(|(line, n)| {
            let graduation = Graduation {
                year: n[1] as i32,
                graduates: n[2] as i32,
                targeted_graduates: n[3] as i32,
            };
            (line, n[0], graduation)
        })
        .collect();
    let mut errors: Vec<FieldError> = rows
        .iter()
        .flat_map(|(line, _, g)| on_line(*line, graduation_errors(g, None)))
        .collect();
    errors.extend(twice(&rows, |g| g.year));
    AppError::unless_empty(errors)?;
    let actor = *user;
    ctx.write(move |conn| {
        let mut errors = refuse_programs(conn, &actor, &rows)?;
        if errors.is_empty() {
            for (line, program_id, graduation) in &rows {
                let destination = outcomes::destination(conn, *program_id, graduation.year)?;
                errors.extend(on_line(
                    *line,
                    graduation_errors(graduation, destination.as_ref()),
                ));
            }
        }
        AppError::unless_empty(errors)?;
        for (_, program_id, graduation) in &rows {
            outcomes::put_graduation(conn, *program_id, graduation)?;
        }
        let changes = serde_json::json!({ "imported": rows.len() });
        log(
            conn,
            &actor,
            "graduation",
            None,
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(Imported { stored: rows.len() })
    })
    .await
}

/// Imports destination records (`program_id,year,` then the seven counts in
/// the order of `DestinationBody`): a college only for its own programs,
/// admins for all; all rows or none, every bad row listed with its line.
pub async fn import_destinations(
    ctx: &Context,
    user: &AuthUser,
    csv: &[u8],
) -> AppResult<Imported> {
    authorize(user, Action::WritePrograms)?;
    let numbers = roster::parse_numbers(csv, &DESTINATIONS_HEADER).map_err(AppError::Invalid)?;
    let rows: Parsed<Destination> = numbers
        .into_iter()
        .map(|(line, n)| {
            let c = |i: usize| n[i] as i32;
            let destination = Destination {
                graduation_year: c(1),
                employed_in_profession: c(2),
                employed_in_profession_targeted: c(3),
                employed_other: c(4),
                continued_study: c(5),
                military_service: c(6),
                left_region: c(7),
                unknown: c(8),
            };
            (line, n[0], destination)
        })
        .collect();
    let mut errors: Vec<FieldError> = rows
        .iter()
        .flat_map(|(line, _, d)| on_line(*line, year_named(destination_errors(d, None))))
        .collect();
    errors.extend(twice(&rows, |d| d.graduation_year));
    AppError::unless_empty(errors)?;
    let actor = *user;
    ctx.write(move |conn| {
        let mut errors = refuse_programs(conn, &actor, &rows)?;
        if errors.is_empty() {
            for (line, program_id, destination) in &rows {
                let graduation =
                    outcomes::graduation(conn, *program_id, destination.graduation_year)?;
                errors.extend(on_line(
                    *line,
                    year_named(destination_errors(destination, graduation.as_ref())),
                ));
            }
        }
        AppError::unless_empty(errors)?;
        for (_, program_id, destination) in &rows {
            outcomes::put_destination(conn, *program_id, destination)?;
        }
        let changes = serde_json::json!({ "imported": rows.len() });
        log(
            conn,
            &actor,
            "destination",
            None,
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(Imported { stored: rows.len() })
    })
    .await
}

/// A file's column is `year`, not `graduation_year`.
fn year_named(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut error| {
            if error.field == "graduation_year" {
                error.field = "year".into();
            }
            error
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination(year: i32, employed: i32, targeted: i32, unknown: i32) -> Destination {
        Destination {
            graduation_year: year,
            employed_in_profession: employed,
            employed_in_profession_targeted: targeted,
            employed_other: 2,
            continued_study: 1,
            military_service: 1,
            left_region: 1,
            unknown,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn targeted_graduates_may_not_exceed_graduates() {
        let bad = Graduation {
            year: 2024,
            graduates: 10,
            targeted_graduates: 11,
        };
        assert_eq!(
            fields(&graduation_errors(&bad, None)),
            ["targeted_graduates"]
        );
        let good = Graduation {
            targeted_graduates: 10,
            ..bad
        };
        assert!(graduation_errors(&good, None).is_empty());
    }

    #[test]
    fn a_year_out_of_range_and_negative_counts_are_named() {
        let bad = Graduation {
            year: current_year() + 1,
            graduates: -1,
            targeted_graduates: 0,
        };
        assert_eq!(
            fields(&graduation_errors(&bad, None)),
            ["year", "graduates"]
        );
        let mut d = destination(1989, 5, 1, 0);
        d.left_region = -3;
        assert_eq!(
            fields(&destination_errors(&d, None)),
            ["graduation_year", "left_region"]
        );
    }

    #[test]
    fn destinations_add_up_to_at_most_the_graduates() {
        let graduation = Graduation {
            year: 2024,
            graduates: 20,
            targeted_graduates: 4,
        };
        // 10 + 2 + 1 + 1 + 1 + 5 = 20: exactly the graduates (the targeted part is inside the 10).
        let exact = destination(2024, 10, 4, 5);
        assert_eq!(exact.accounted(), 20);
        assert!(destination_errors(&exact, Some(&graduation)).is_empty());
        let over = destination(2024, 10, 4, 6);
        assert_eq!(
            fields(&destination_errors(&over, Some(&graduation))),
            ["unknown"]
        );
        let too_many_targeted = destination(2024, 10, 5, 0);
        assert_eq!(
            fields(&destination_errors(&too_many_targeted, Some(&graduation))),
            ["employed_in_profession_targeted"]
        );
        let inside = destination(2024, 3, 4, 0);
        assert_eq!(
            fields(&destination_errors(&inside, None)),
            ["employed_in_profession_targeted"]
        );
        // Without a graduation record only the record's own rules apply.
        assert!(destination_errors(&over, None).is_empty());
        // A graduation record may not shrink below its recorded destinations.
        let shrunk = Graduation {
            graduates: 19,
            targeted_graduates: 3,
            ..graduation
        };
        assert_eq!(
            fields(&graduation_errors(&shrunk, Some(&exact))),
            ["graduates", "targeted_graduates"]
        );
    }
}

//! All-or-nothing CSV imports of graduations and destinations: a college
//! for its own programs, admins for all, every bad row named with its line.

use std::collections::{HashMap, HashSet};

use utoipa::ToSchema;

use super::rules::{destination_errors, graduation_errors};
use crate::app::Context;
use crate::app::audit::log;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::outcomes::{self, Destination, Graduation};
use crate::db::{DbConnection, programs};
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
    let (numbers, parse_errors) =
        roster::parse_numbers_with_errors(csv, &GRADUATIONS_HEADER).map_err(AppError::Invalid)?;
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
    errors.extend(parse_errors);
    AppError::unless_empty(roster::capped(errors))?;
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
        AppError::unless_empty(roster::capped(errors))?;
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
    let (numbers, parse_errors) =
        roster::parse_numbers_with_errors(csv, &DESTINATIONS_HEADER).map_err(AppError::Invalid)?;
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
    errors.extend(parse_errors);
    AppError::unless_empty(roster::capped(errors))?;
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
        AppError::unless_empty(roster::capped(errors))?;
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

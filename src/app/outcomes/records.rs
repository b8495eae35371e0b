//! One year's graduation or destination record of a program: written by
//! its institution and admins, read by everyone signed in.

use super::rules::{DestinationBody, GraduationBody, destination_errors, graduation_errors};
use crate::app::Context;
use crate::app::audit::{changes_of, log};
use crate::app::conditional::IfMatch;
use crate::app::programs::managed;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::outcomes::{self, Destination, Graduation};
use crate::db::programs;
use crate::error::{AppError, AppResult};

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

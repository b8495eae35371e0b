//! Programs of colleges and universities, their seats per intake year and
//! their actual enrollments: read by everyone signed in, managed by their
//! institution and admins.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::{changes_of, log, logged};
use super::conditional::{IfMatch, Once};
use super::{Context, require_kind};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::programs::{self, Enrollment, Intake, Program, ProgramFields, ProgramProfession};
use crate::db::references::{Reference, check_references};
use crate::db::{DbConnection, QueryResult};
use crate::domain::numbers::{
    SHARE_TOLERANCE, count, current_year, duration_months, entry_grade, program_year, rate, share,
    year_between,
};
use crate::domain::{Label, OrganizationKind, Page, positive_id, specialty_code};
use crate::error::{AppError, AppResult, FieldError};
use crate::parse_fields;

/// More seats or students than this in one program and year is a typing error.
pub const MAX_PEOPLE: i32 = 100_000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"institution_id": 12, "specialty_code": "18.02.05", "title": "Производство тугоплавких неметаллических и силикатных материалов и изделий", "entry_grade": 9, "duration_months": 46, "completion_rate": 0.82, "professions": [{"profession_id": 3, "share": 0.7}, {"profession_id": 4, "share": 0.3}]}))]
pub struct ProgramBody {
    /// A college or university. On `PUT` it may be left out; if given it must not change.
    #[serde(default)]
    pub institution_id: Option<i64>,
    /// `UG.LL.NN`, e.g. `15.01.32`.
    #[schema(pattern = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")]
    pub specialty_code: String,
    /// At most 300 characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// 9 or 11.
    #[schema(schema_with = crate::domain::numbers::entry_grade_schema)]
    pub entry_grade: i32,
    /// 1 to 72.
    #[schema(minimum = 1, maximum = 72)]
    pub duration_months: i32,
    /// 0 to 1; leave out to use the region's dropout rate.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub completion_rate: Option<f64>,
    /// At least one; each profession once; shares above 0 adding up to 1 (within 0.001).
    #[schema(min_items = 1)]
    pub professions: Vec<ProgramProfession>,
}

impl ProgramBody {
    /// Checks every field that needs no database, naming each bad one.
    fn fields(&self) -> AppResult<ProgramFields> {
        let professions = check_professions(&self.professions);
        let nested = match &professions {
            Err(AppError::Invalid(errors)) => errors.clone(),
            _ => Vec::new(),
        };
        let completion_rate = self.completion_rate.map(rate).transpose();
        parse_fields!(
            also nested;
            specialty = "specialty_code" => specialty_code(&self.specialty_code),
            title = "title" => Label::parse(&self.title, 300),
            entry_grade = "entry_grade" => entry_grade(self.entry_grade),
            duration_months = "duration_months" => duration_months(self.duration_months),
            completion_rate = "completion_rate" => completion_rate,
        );
        let professions = professions?;
        Ok(ProgramFields {
            specialty_code: specialty,
            title: title.into_inner(),
            entry_grade,
            duration_months,
            completion_rate,
            professions,
        })
    }
}

fn check_professions(professions: &[ProgramProfession]) -> AppResult<Vec<ProgramProfession>> {
    if professions.is_empty() {
        return Err(AppError::invalid(
            "professions",
            "must list at least one profession",
        ));
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, profession) in professions.iter().enumerate() {
        if let Err(message) = positive_id(profession.profession_id) {
            errors.push(FieldError::new(
                format!("professions[{i}].profession_id"),
                message,
            ));
        } else if !seen.insert(profession.profession_id) {
            errors.push(FieldError::new(
                format!("professions[{i}].profession_id"),
                "is listed twice",
            ));
        }
        if let Err(message) = share(profession.share) {
            errors.push(FieldError::new(format!("professions[{i}].share"), message));
        }
    }
    if errors.is_empty() {
        let total: f64 = professions.iter().map(|p| p.share).sum();
        if (total - 1.0).abs() > SHARE_TOLERANCE {
            errors.push(FieldError::new(
                "professions",
                format!("shares must add up to 1, not {total}"),
            ));
        }
    }
    AppError::unless_empty(errors)?;
    Ok(professions.to_vec())
}

/// The checks that need the database: the institution's kind and the professions' existence.
fn check_program_references(
    conn: &mut DbConnection,
    institution_id: i64,
    fields: &ProgramFields,
) -> AppResult<()> {
    require_kind(
        conn,
        "institution_id",
        institution_id,
        &[OrganizationKind::College, OrganizationKind::University],
        "a college or university",
    )?;
    let references: Vec<Reference> = fields
        .professions
        .iter()
        .enumerate()
        .map(|(i, p)| Reference::Profession {
            field: format!("professions[{i}].profession_id"),
            id: p.profession_id,
        })
        .collect();
    check_references(conn, &references)
}

/// Creates a program (admins, or a college user of `institution_id`).
pub async fn create(
    ctx: &Context,
    user: &AuthUser,
    body: ProgramBody,
    once: Option<Once>,
) -> AppResult<Program> {
    let Some(institution_id) = body.institution_id else {
        return Err(AppError::invalid("institution_id", "is required"));
    };
    authorize(user, Action::ManagePrograms { institution_id })?;
    let fields = body.fields()?;
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        check_program_references(conn, institution_id, &fields)?;
        let program = programs::insert_in_transaction(conn, institution_id, &fields)?;
        logged(conn, &actor, "program", AuditAction::Create, program)
    })
    .await
}

/// Replaces a program's fields and professions (its institution or admins).
pub async fn replace(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    body: ProgramBody,
    if_match: IfMatch,
) -> AppResult<Program> {
    let institution_id = managed(ctx, user, id).await?;
    if body
        .institution_id
        .is_some_and(|given| given != institution_id)
    {
        return Err(AppError::invalid(
            "institution_id",
            "a program cannot move to another institution",
        ));
    }
    let fields = body.fields()?;
    let actor = *user;
    ctx.write(move |conn| {
        check_program_references(conn, institution_id, &fields)?;
        if_match.check(conn, Lock::Program(id), |conn| {
            Ok(programs::find(conn, id)?)
        })?;
        let program = programs::replace_in_transaction(conn, id, &fields)?
            .ok_or_else(|| AppError::not_found("program", id))?;
        logged(conn, &actor, "program", AuditAction::Update, program)
    })
    .await
}

/// Deletes a program with its intakes and enrollments (its institution or admins).
pub async fn delete(ctx: &Context, user: &AuthUser, id: i64, if_match: IfMatch) -> AppResult<()> {
    managed(ctx, user, id).await?;
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Program(id), |conn| {
            Ok(programs::find(conn, id)?)
        })?;
        if programs::delete(conn, id)? {
            log(conn, &actor, "program", Some(id), AuditAction::Delete, None)?;
        }
        Ok(())
    })
    .await
}

/// The institution of program `id` when `user` may manage it; not found when
/// it does not exist or belongs to another institution, forbidden for other roles.
pub(crate) async fn managed(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<i64> {
    let institution_id = ctx
        .run(move |conn| Ok(programs::institution_of(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found("program", id))?;
    authorize_record(
        user,
        Action::ManagePrograms { institution_id },
        "program",
        id,
    )?;
    Ok(institution_id)
}

pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    filter: programs::Filter,
    page: Page,
) -> AppResult<(Vec<Program>, i64)> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| Ok(programs::list(conn, filter, page)?))
        .await
}

pub async fn get(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Program> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| programs::find(conn, id)?.ok_or_else(|| AppError::not_found("program", id)))
        .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seats": 25, "targeted_seats": 5}))]
pub struct IntakeBody {
    /// 0 to 100000; 0 closes the program for that year.
    #[schema(minimum = 0, maximum = 100000)]
    pub seats: i32,
    /// Seats under targeted-training contracts with an enterprise: 0 to `seats`.
    #[schema(minimum = 0, maximum = 100000)]
    pub targeted_seats: i32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"students": 23}))]
pub struct EnrollmentBody {
    /// How many actually started: 0 to 100000.
    #[schema(minimum = 0, maximum = 100000)]
    pub students: i32,
}

/// What a program records per year: its seats (intakes) or who actually started (enrollments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yearly {
    Intake,
    Enrollment,
}

impl Yearly {
    fn name(self) -> &'static str {
        match self {
            Yearly::Intake => "intake",
            Yearly::Enrollment => "enrollment",
        }
    }
}

/// Sets a program's seats for one intake year (its institution or admins).
/// Seats carry forward to later years that have no intake of their own.
pub async fn put_intake(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    year: i32,
    body: IntakeBody,
    if_match: IfMatch,
) -> AppResult<Intake> {
    managed(ctx, user, id).await?;
    let IntakeBody {
        seats,
        targeted_seats,
    } = body;
    let targeted = count(targeted_seats, MAX_PEOPLE).and_then(|targeted| {
        if targeted <= seats {
            Ok(targeted)
        } else {
            Err("must not exceed seats".to_string())
        }
    });
    parse_fields!(
        year = "year" => program_year(year),
        seats = "seats" => count(seats, MAX_PEOPLE),
        targeted_seats = "targeted_seats" => targeted,
    );
    let intake = Intake {
        year,
        seats,
        targeted_seats,
    };
    let stored = intake.clone();
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Program(id), |conn| {
            Ok(programs::intake(conn, id, year)?)
        })?;
        programs::put_intake(conn, id, &stored)?;
        log(
            conn,
            &actor,
            "intake",
            Some(id),
            AuditAction::Update,
            changes_of(&stored),
        )
    })
    .await?;
    Ok(intake)
}

/// Records how many students actually started a program in a year (its
/// institution or admins). Actual enrollments replace the modelled intake.
pub async fn put_enrollment(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    start_year: i32,
    body: EnrollmentBody,
    if_match: IfMatch,
) -> AppResult<Enrollment> {
    managed(ctx, user, id).await?;
    parse_fields!(
        start_year = "start_year" => year_between(start_year, 1990, current_year()),
        students = "students" => count(body.students, MAX_PEOPLE),
    );
    let enrollment = Enrollment {
        start_year,
        students,
    };
    let stored = enrollment.clone();
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Program(id), |conn| {
            Ok(programs::enrollment(conn, id, start_year)?)
        })?;
        programs::put_enrollment(conn, id, &stored)?;
        log(
            conn,
            &actor,
            "enrollment",
            Some(id),
            AuditAction::Update,
            changes_of(&stored),
        )
    })
    .await?;
    Ok(enrollment)
}

/// One intake year of a program, when it has one of its own (everyone signed in).
pub async fn intake(ctx: &Context, user: &AuthUser, id: i64, year: i32) -> AppResult<Intake> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| {
        programs::intake(conn, id, year)?
            .ok_or_else(|| AppError::NotFound(format!("the intake {year} of program {id}")))
    })
    .await
}

/// One start year's actual enrollment of a program (everyone signed in).
pub async fn enrollment(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    start_year: i32,
) -> AppResult<Enrollment> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| {
        programs::enrollment(conn, id, start_year)?.ok_or_else(|| {
            AppError::NotFound(format!("the enrollment {start_year} of program {id}"))
        })
    })
    .await
}

/// A program's intakes by year (everyone signed in).
pub async fn intakes(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Vec<Intake>> {
    yearly_records(ctx, user, id, programs::intakes).await
}

/// A program's actual enrollments by start year (everyone signed in).
pub async fn enrollments(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Vec<Enrollment>> {
    yearly_records(ctx, user, id, programs::enrollments).await
}

async fn yearly_records<T: Send + 'static>(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    load: fn(&mut DbConnection, i64) -> QueryResult<Vec<T>>,
) -> AppResult<Vec<T>> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| {
        programs::institution_of(conn, id)?.ok_or_else(|| AppError::not_found("program", id))?;
        Ok(load(conn, id)?)
    })
    .await
}

/// Removes one year's intake or enrollment (its institution or admins); for
/// an intake, the year before then carries forward.
pub async fn delete_yearly(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    what: Yearly,
    year: i32,
    if_match: IfMatch,
) -> AppResult<()> {
    managed(ctx, user, id).await?;
    let actor = *user;
    let deleted = ctx
        .write(move |conn| {
            // A year that is not there is 404, whatever the If-Match
            // (RFC 9110: preconditions apply only where the request would succeed).
            let exists = match what {
                Yearly::Intake => programs::intake(conn, id, year)?.is_some(),
                Yearly::Enrollment => programs::enrollment(conn, id, year)?.is_some(),
            };
            if !exists {
                return Ok(false);
            }
            match what {
                Yearly::Intake => if_match.check(conn, Lock::Program(id), |conn| {
                    Ok(programs::intake(conn, id, year)?)
                })?,
                Yearly::Enrollment => if_match.check(conn, Lock::Program(id), |conn| {
                    Ok(programs::enrollment(conn, id, year)?)
                })?,
            }
            let deleted = match what {
                Yearly::Intake => programs::delete_intake(conn, id, year)?,
                Yearly::Enrollment => programs::delete_enrollment(conn, id, year)?,
            };
            if deleted {
                let changes = serde_json::json!({ "year": year });
                log(
                    conn,
                    &actor,
                    what.name(),
                    Some(id),
                    AuditAction::Delete,
                    Some(changes),
                )?;
            }
            Ok(deleted)
        })
        .await?;
    if !deleted {
        return Err(AppError::NotFound(format!(
            "the {} {year} of program {id}",
            what.name()
        )));
    }
    Ok(())
}

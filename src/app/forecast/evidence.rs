//! Steps 10 and 11 as the application offers them: calibration and the
//! backtest read by analysts (from protected counts) and admins (exact),
//! calibration applied by admins in one transaction with an audit line.

use std::sync::Arc;

use serde::Deserialize;
use utoipa::ToSchema;

use super::parameters::{ParameterSet, check_parameter_set};
use super::span::as_of;
use super::stored::load;
use crate::app::Context;
use crate::app::audit::log;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::{evidence as stored_evidence, forecast as stored};
use crate::domain::disclosure;
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::evidence::{
    self, Backtest, Calibration, CountsRead, DEFAULT_WINDOW, MAX_WINDOW, ProgramRecords, Records,
    SchoolYears, round4,
};

/// How many origins a backtest may go back, at most.
pub const MAX_ORIGINS_BACK: i32 = 15;

/// What `POST /api/v1/forecast/calibration/apply` takes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// As of this academic year; default the clock's.
    #[serde(default)]
    #[schema(minimum = 2000, maximum = 2100)]
    pub as_of: Option<i32>,
    /// Years of records, 1 to 15; default 5.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 15)]
    pub window: Option<i32>,
    /// Also set each program's proposed completion rate; default false.
    #[serde(default)]
    pub programs: Option<bool>,
}

/// What applying calibration stored: the parameters and bounds after it,
/// the parameters that took their estimates, how many programs their rates.
#[derive(Debug, Clone)]
pub struct Applied {
    pub set: ParameterSet,
    pub parameters: Vec<String>,
    pub programs: usize,
}

/// A backtest's years as asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct BacktestAsked {
    pub as_of: Option<i32>,
    pub first_origin: Option<i32>,
    pub last_origin: Option<i32>,
    pub window: Option<i32>,
}

fn window(asked: Option<i32>) -> AppResult<i32> {
    let window = asked.unwrap_or(DEFAULT_WINDOW);
    if (1..=MAX_WINDOW).contains(&window) {
        Ok(window)
    } else {
        Err(AppError::invalid(
            "window",
            format!("must be 1 to {MAX_WINDOW} years, not {window}"),
        ))
    }
}

/// The records steps 10 and 11 read, with the counts exact or protected
/// (each school's count of each grade and year rounded before summing);
/// kept while the data's generation stays.
async fn records(ctx: &Context, counts: CountsRead) -> AppResult<Arc<Records>> {
    let basis = load(ctx).await?;
    ctx.remembered("evidence", counts, || async move {
        let rows = ctx.run(|conn| Ok(stored_evidence::load(conn)?)).await?;
        let mut schools: std::collections::HashMap<i64, SchoolYears> =
            std::collections::HashMap::new();
        for (school_id, year, grade, pupils) in rows.counts {
            if !(1..=11).contains(&grade) {
                continue;
            }
            let pupils = i64::from(pupils);
            schools
                .entry(school_id)
                .or_default()
                .entry(year)
                .or_insert([0; 11])[(grade - 1) as usize] = match counts {
                CountsRead::Exact => pupils,
                CountsRead::Protected => disclosure::round(pupils),
            };
        }
        let mut graduations = rows.graduations;
        let mut destinations = rows.destinations;
        let mut names = rows.names;
        let programs = basis
            .inputs
            .programs
            .iter()
            .map(|program| {
                let (title, institution_name) = names.remove(&program.id).unwrap_or_default();
                ProgramRecords {
                    program: program.clone(),
                    title,
                    institution_name,
                    graduations: graduations
                        .remove(&program.id)
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                    destinations: destinations
                        .remove(&program.id)
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                }
            })
            .collect();
        Ok(Records {
            counts: schools,
            programs,
        })
    })
    .await
}

/// Admins read exact counts, everyone else protected ones.
fn counts_for(user: &AuthUser) -> CountsRead {
    if allows(
        user,
        Action::ReadUnsuppressedPupilCounts { school_id: None },
    ) {
        CountsRead::Exact
    } else {
        CountsRead::Protected
    }
}

/// Step 10 as of `as_of` over `window` years (analysts, admins).
pub async fn calibration(
    ctx: &Context,
    user: &AuthUser,
    asked_as_of: Option<i32>,
    asked_window: Option<i32>,
) -> AppResult<Arc<Calibration>> {
    authorize(user, Action::ReadEvidence)?;
    let (as_of, window) = checked(asked_as_of, asked_window)?;
    calibrated(ctx, counts_for(user), as_of, window).await
}

fn checked(asked_as_of: Option<i32>, asked_window: Option<i32>) -> AppResult<(i32, i32)> {
    let field_errors = |error: AppError| match error {
        AppError::Invalid(errors) => errors,
        _ => Vec::new(),
    };
    match (as_of(asked_as_of), window(asked_window)) {
        (Ok(as_of), Ok(window)) => Ok((as_of, window)),
        (as_of, window) => Err(AppError::Invalid(
            [as_of.err(), window.err()]
                .into_iter()
                .flatten()
                .flat_map(field_errors)
                .collect(),
        )),
    }
}

async fn calibrated(
    ctx: &Context,
    counts: CountsRead,
    as_of: i32,
    window: i32,
) -> AppResult<Arc<Calibration>> {
    let records = records(ctx, counts).await?;
    let basis = load(ctx).await?;
    ctx.remembered("calibration", (counts, as_of, window), || async move {
        Ok(evidence::calibrate(
            &records,
            counts,
            (&basis.parameters, &basis.bounds),
            as_of,
            window,
        ))
    })
    .await
}

/// Applies step 10 (admins): each parameter with enough evidence takes its
/// estimate and bounds, and with `programs` each program with a proposal
/// its proposed completion rate; all in one transaction with an audit line
/// naming the window. Values that break `p9 + s10 <= 1` store nothing (422).
pub async fn apply_calibration(
    ctx: &Context,
    user: &AuthUser,
    body: ApplyBody,
) -> AppResult<Applied> {
    authorize(user, Action::ApplyCalibration)?;
    let (as_of, window) = checked(body.as_of, body.window)?;
    let calibration = calibrated(ctx, CountsRead::Exact, as_of, window).await?;
    let with_programs = body.programs.unwrap_or(false);
    let rates: Vec<(i64, f64)> = if with_programs {
        calibration
            .programs
            .iter()
            .filter_map(|p| p.proposed.map(|rate| (p.program_id, round4(rate))))
            .collect()
    } else {
        Vec::new()
    };
    let actor = *user;
    ctx.write(move |conn| {
        let (current, current_bounds) = stored::parameter_set(conn)?;
        let (parameters, bounds, applied) =
            evidence::applied(&calibration, (&current, &current_bounds));
        check_parameter_set(&parameters, &bounds, "")?;
        stored::set_parameters(conn, &parameters, &bounds)?;
        stored_evidence::set_completion_rates(conn, &rates)?;
        let set = ParameterSet { parameters, bounds };
        let changes = serde_json::json!({
            "calibration": {
                "as_of": as_of,
                "window": window,
                "years": format!("{}-{}", as_of - window + 1, as_of),
                "applied": applied,
                "programs": rates.len(),
            },
            "parameters": set,
        });
        log(
            conn,
            &actor,
            "forecast_parameters",
            None,
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(Applied {
            set,
            parameters: applied,
            programs: rates.len(),
        })
    })
    .await
}

/// Step 11 (analysts, admins): origins default to the five years before `as_of`.
pub async fn backtest(
    ctx: &Context,
    user: &AuthUser,
    asked: BacktestAsked,
) -> AppResult<Arc<Backtest>> {
    authorize(user, Action::ReadEvidence)?;
    let (as_of, window) = checked(asked.as_of, asked.window)?;
    let first = asked.first_origin.unwrap_or(as_of - 5);
    let last = asked.last_origin.unwrap_or(as_of - 1);
    let mut errors = Vec::new();
    if last >= as_of {
        errors.push(FieldError::new(
            "last_origin",
            format!("must be before as_of ({as_of}): nothing after it is known yet"),
        ));
    }
    if first >= as_of {
        errors.push(FieldError::new(
            "first_origin",
            format!("must be before as_of ({as_of})"),
        ));
    } else if first > last {
        errors.push(FieldError::new(
            "first_origin",
            format!("must not be after last_origin ({last})"),
        ));
    } else if i64::from(as_of) - i64::from(first) > i64::from(MAX_ORIGINS_BACK) {
        errors.push(FieldError::new(
            "first_origin",
            format!("must be at most {MAX_ORIGINS_BACK} years before as_of ({as_of})"),
        ));
    }
    AppError::unless_empty(errors)?;
    let counts = counts_for(user);
    let records = records(ctx, counts).await?;
    let basis = load(ctx).await?;
    ctx.remembered(
        "backtest",
        (counts, as_of, first, last, window),
        || async move {
            Ok(evidence::backtest(
                &records,
                &basis.inputs.professions,
                counts,
                as_of,
                first..=last,
                window,
            ))
        },
    )
    .await
}

//! Scenarios: changed parameters, bounds or seats laid over the stored
//! data, each row with the stored gap beside it; nothing is stored.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::parameters::ParametersBody;
use super::span::{Span, as_of};
use super::stored::{Basis, ForecastResponse, RowFilter, load, respond};
use crate::app::Context;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::domain::numbers::{count, program_year};
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast;
use crate::forecast::engine::{Prepared, Window};
use crate::forecast::model::Row;
use crate::forecast::scenario::{self, IntakeChange};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioIntake {
    #[schema(minimum = 1)]
    pub program_id: i64,
    #[schema(minimum = 1990, maximum = 2056)]
    pub year: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub seats: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub targeted_seats: i32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": 2027, "to": 2035, "parameters": {"after_grade_9_share": 0.6, "continue_to_grade_10_share": 0.4, "after_grade_11_share": 0.45, "annual_dropout_rate": 0.07, "retention_rate": 0.55, "targeted_retention_rate": 0.9}, "intakes": [{"program_id": 7, "year": 2027, "seats": 50, "targeted_seats": 10}]}))]
pub struct ScenarioBody {
    /// The academic year the simulation starts from; default the one in progress.
    #[serde(default)]
    #[schema(minimum = 2000, maximum = 2100)]
    pub as_of: Option<i32>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub from: i32,
    #[schema(minimum = 2000, maximum = 2100)]
    pub to: i32,
    /// All five parameters, and bounds to change; the stored ones when left out.
    #[serde(default)]
    pub parameters: Option<ParametersBody>,
    /// Seats set for a program and year, on top of the stored intakes.
    #[serde(default)]
    pub intakes: Vec<ScenarioIntake>,
    /// Only rows of this profession.
    #[serde(default)]
    pub profession_id: Option<i64>,
    /// Only rows of professions in this cluster.
    #[serde(default)]
    pub cluster_id: Option<i64>,
}

fn intake_changes(intakes: &[ScenarioIntake]) -> AppResult<Vec<IntakeChange>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, intake) in intakes.iter().enumerate() {
        let field = |name: &str| format!("intakes[{i}].{name}");
        if let Err(message) = program_year(intake.year) {
            errors.push(FieldError::new(field("year"), message));
        } else if !seen.insert((intake.program_id, intake.year)) {
            errors.push(FieldError::new(
                field("year"),
                "this program and year are set twice",
            ));
        }
        if let Err(message) = count(intake.seats, 100_000) {
            errors.push(FieldError::new(field("seats"), message));
        }
        if intake.targeted_seats < 0 || intake.targeted_seats > intake.seats.max(0) {
            errors.push(FieldError::new(
                field("targeted_seats"),
                "must be 0 to seats",
            ));
        }
    }
    AppError::unless_empty(errors)?;
    Ok(intakes
        .iter()
        .map(|intake| IntakeChange {
            program_id: intake.program_id,
            year: intake.year,
            seats: intake.seats,
            targeted_seats: intake.targeted_seats,
        })
        .collect())
}

/// Checks a scenario's seats and parameters against the stored data and lays
/// them over it; nothing is stored.
pub fn apply_scenario(
    basis: &Basis,
    parameters: Option<&ParametersBody>,
    intakes: &[ScenarioIntake],
) -> AppResult<Basis> {
    let (parameters, bounds) = match parameters {
        Some(given) => given.checked(&basis.parameters, &basis.bounds, "parameters.")?,
        None => (basis.parameters, basis.bounds),
    };
    let changes = intake_changes(intakes)?;
    let unknown = scenario::unknown_programs(&basis.inputs, &changes);
    if !unknown.is_empty() {
        return Err(AppError::Invalid(
            unknown
                .into_iter()
                .map(|i| {
                    FieldError::new(
                        format!("intakes[{i}].program_id"),
                        format!("no program has the id {}", changes[i].program_id),
                    )
                })
                .collect(),
        ));
    }
    Ok(Basis {
        inputs: scenario::apply(&basis.inputs, &changes),
        parameters,
        bounds,
    })
}

/// Each row's gap on the stored data, as `gap_before`.
pub fn with_gap_before(rows: &mut [Row], before: &Basis, window: Window) {
    let stored = Prepared::new(&before.inputs, window);
    let flow = stored.flow(forecast::engine::LeavingShares::of(&before.parameters));
    let supply = stored.supply(&flow, forecast::engine::Scaling::of(&before.parameters));
    for row in rows {
        let supply = stored
            .grid
            .cell(row.profession_id, row.year)
            .map_or(0.0, |cell| supply[cell]);
        row.gap_before = Some(row.demand - supply);
    }
}

/// The forecast with changed parameters, bounds or seats laid over the
/// stored data, each row with the stored gap beside it; nothing is stored
/// (analysts and admins).
pub async fn scenario(
    ctx: &Context,
    user: &AuthUser,
    body: ScenarioBody,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::RunScenarios)?;
    let as_of = as_of(body.as_of)?;
    let span = Span::parse(as_of, Some(body.from), Some(body.to))?;
    let stored = load(ctx).await?;
    let changed = apply_scenario(&stored, body.parameters.as_ref(), &body.intakes)?;
    let filter = RowFilter {
        profession_id: body.profession_id,
        cluster_id: body.cluster_id,
    };
    let mut response = respond(&changed, as_of, span, filter);
    with_gap_before(&mut response.rows, &stored, span.window(as_of));
    Ok(response)
}

//! The staffing-gap forecast: read by everyone, scenarios by analysts and
//! admins, parameters set by admins, any cell taken apart.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Context;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::forecast as stored;
use crate::domain::numbers::{count, current_year, program_year, rate, year_between};
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::explain::{SupplyPart, supply_parts};
use crate::forecast::model::{Row, Unplaced, two_decimals};
use crate::forecast::scenario::{self, IntakeChange};
use crate::forecast::{self, Inputs, MAX_SPAN, Parameters};

/// The calendar years a forecast shows: `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: i32,
    pub to: i32,
}

impl Span {
    /// `from` defaults to the current year and `to` to ten years later.
    pub fn parse(from: Option<i32>, to: Option<i32>) -> AppResult<Self> {
        let from = from.unwrap_or_else(current_year);
        let to = to.unwrap_or(from + 10);
        let mut errors = Vec::new();
        if let Err(message) = year_between(from, 2000, 2100) {
            errors.push(FieldError::new("from", message));
        }
        if to < from {
            errors.push(FieldError::new("to", "must not be before from"));
        } else if to - from > MAX_SPAN {
            errors.push(FieldError::new(
                "to",
                format!("must be at most {MAX_SPAN} years after from"),
            ));
        }
        AppError::unless_empty(errors)?;
        Ok(Self { from, to })
    }
}

fn check_parameters(parameters: &Parameters, prefix: &str) -> AppResult<()> {
    let errors: Vec<FieldError> = parameters
        .named()
        .into_iter()
        .filter_map(|(name, value)| {
            rate(value)
                .err()
                .map(|message| FieldError::new(format!("{prefix}{name}"), message))
        })
        .collect();
    AppError::unless_empty(errors)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastResponse {
    pub from: i32,
    pub to: i32,
    pub parameters: Parameters,
    pub rows: Vec<Row>,
    pub unplaced: Vec<Unplaced>,
}

/// Which rows a caller asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowFilter {
    pub profession_id: Option<i64>,
    pub cluster_id: Option<i64>,
}

/// A profession named by its code (the command line's way), as its id.
pub fn profession_by_code(inputs: &Inputs, code: &str) -> AppResult<i64> {
    inputs
        .professions
        .iter()
        .find(|(_, p)| p.code == code)
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            AppError::invalid("profession", format!("no profession has the code {code}"))
        })
}

fn respond(
    inputs: &Inputs,
    parameters: Parameters,
    span: Span,
    filter: RowFilter,
) -> ForecastResponse {
    let forecast = forecast::run(inputs, &parameters, span.from, span.to);
    let rows = forecast
        .rows
        .into_iter()
        .filter(|row| {
            filter
                .profession_id
                .is_none_or(|id| row.profession_id == id)
        })
        .filter(|row| {
            filter.cluster_id.is_none_or(|cluster_id| {
                inputs
                    .professions
                    .get(&row.profession_id)
                    .is_some_and(|p| p.cluster_id == cluster_id)
            })
        })
        .collect();
    ForecastResponse {
        from: span.from,
        to: span.to,
        parameters,
        rows,
        unplaced: forecast.unplaced,
    }
}

async fn load(ctx: &Context) -> AppResult<(Inputs, Parameters)> {
    ctx.run(|conn| Ok((stored::load_inputs(conn)?, stored::parameters(conn)?)))
        .await
}

/// The staffing gap per profession and year from the stored data (every role).
pub async fn stored_forecast(
    ctx: &Context,
    user: &AuthUser,
    span: Span,
    filter: RowFilter,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let (inputs, parameters) = load(ctx).await?;
    Ok(respond(&inputs, parameters, span, filter))
}

/// The stored forecast of the profession with this code (or all), for the command line.
pub async fn stored_forecast_by_code(
    ctx: &Context,
    user: &AuthUser,
    span: Span,
    profession_code: Option<&str>,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let (inputs, parameters) = load(ctx).await?;
    let profession_id = profession_code
        .map(|code| profession_by_code(&inputs, code))
        .transpose()?;
    let filter = RowFilter {
        profession_id,
        cluster_id: None,
    };
    Ok(respond(&inputs, parameters, span, filter))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioIntake {
    pub program_id: i64,
    pub year: i32,
    pub seats: i32,
    pub targeted_seats: i32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioBody {
    pub from: i32,
    pub to: i32,
    /// All five parameters; the stored ones when left out.
    #[serde(default)]
    pub parameters: Option<Parameters>,
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

/// The forecast with changed parameters or seats laid over the stored data;
/// nothing is stored (analysts and admins).
pub async fn scenario(
    ctx: &Context,
    user: &AuthUser,
    body: ScenarioBody,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::RunScenarios)?;
    let span = Span::parse(Some(body.from), Some(body.to))?;
    if let Some(parameters) = &body.parameters {
        check_parameters(parameters, "parameters.")?;
    }
    let changes = intake_changes(&body.intakes)?;
    let (inputs, stored_parameters) = load(ctx).await?;
    let unknown = scenario::unknown_programs(&inputs, &changes);
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
    let inputs = scenario::apply(&inputs, &changes);
    let filter = RowFilter {
        profession_id: body.profession_id,
        cluster_id: body.cluster_id,
    };
    let parameters = body.parameters.unwrap_or(stored_parameters);
    Ok(respond(&inputs, parameters, span, filter))
}

/// The stored parameters (every role).
pub async fn parameters(ctx: &Context, user: &AuthUser) -> AppResult<Parameters> {
    authorize(user, Action::ReadForecast)?;
    ctx.run(|conn| Ok(stored::parameters(conn)?)).await
}

/// Replaces the stored parameters; each must be in [0, 1] (admins).
pub async fn set_parameters(
    ctx: &Context,
    user: &AuthUser,
    parameters: Parameters,
) -> AppResult<Parameters> {
    authorize(user, Action::SetForecastParameters)?;
    check_parameters(&parameters, "")?;
    ctx.run(move |conn| Ok(stored::set_parameters(conn, &parameters)?))
        .await?;
    Ok(parameters)
}

/// One enterprise's demand; `enterprise_id` is `null` for the total of
/// enterprises the caller may not see one by one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandPart {
    pub enterprise_id: Option<i64>,
    pub headcount: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub profession_id: i64,
    pub profession_code: String,
    pub year: i32,
    pub parameters: Parameters,
    #[serde(serialize_with = "two_decimals")]
    pub demand: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
    #[serde(serialize_with = "two_decimals")]
    pub gap: f64,
    pub supply_by_program: Vec<SupplyPart>,
    pub demand_by_enterprise: Vec<DemandPart>,
}

/// One cell of the forecast taken apart (every role): its supply by program
/// and intake year, its demand by enterprise as the demand policy lets the
/// caller see it. `from` is the forecast's own `from` (a cell depends on it).
pub async fn explain(
    ctx: &Context,
    user: &AuthUser,
    profession_id: i64,
    year: i32,
    from: Option<i32>,
) -> AppResult<Explanation> {
    authorize(user, Action::ReadForecast)?;
    let span = Span::parse(from, Some(year))?;
    let (inputs, parameters, by_enterprise) = ctx
        .run(move |conn| {
            Ok((
                stored::load_inputs(conn)?,
                stored::parameters(conn)?,
                stored::demand_by_enterprise(conn, profession_id, year)?,
            ))
        })
        .await?;
    let profession = inputs
        .professions
        .get(&profession_id)
        .ok_or_else(|| AppError::not_found("profession", profession_id))?;
    let forecast = forecast::run(&inputs, &parameters, span.from, span.to);
    let supply_by_program = supply_parts(&inputs, &forecast, profession_id, year);
    let demand: i64 = by_enterprise.iter().map(|(_, headcount)| headcount).sum();
    let supply: f64 = supply_by_program.iter().map(|part| part.supply).sum();
    Ok(Explanation {
        profession_id,
        profession_code: profession.code.clone(),
        year,
        parameters,
        demand: demand as f64,
        supply,
        gap: demand as f64 - supply,
        supply_by_program,
        demand_by_enterprise: visible_demand(user, by_enterprise),
    })
}

/// Demand by enterprise as `user` may see it: one by one for analysts and
/// admins; otherwise the caller's own enterprise and one total for the rest.
fn visible_demand(user: &AuthUser, by_enterprise: Vec<(i64, i64)>) -> Vec<DemandPart> {
    if allows(user, Action::ReadAllDemand) {
        return by_enterprise
            .into_iter()
            .map(|(enterprise_id, headcount)| DemandPart {
                enterprise_id: Some(enterprise_id),
                headcount,
            })
            .collect();
    }
    let mut parts = Vec::new();
    let mut others = 0;
    for (enterprise_id, headcount) in by_enterprise {
        if allows(user, Action::ReadDemand { enterprise_id }) {
            parts.push(DemandPart {
                enterprise_id: Some(enterprise_id),
                headcount,
            });
        } else {
            others += headcount;
        }
    }
    if others > 0 {
        parts.push(DemandPart {
            enterprise_id: None,
            headcount: others,
        });
    }
    parts
}

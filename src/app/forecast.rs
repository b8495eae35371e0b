//! The staffing-gap forecast: read by everyone, scenarios by analysts and
//! admins, parameters set by admins, any cell taken apart.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Context;
use super::audit::log;
use super::conditional::IfMatch;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::audit::AuditAction;
use crate::db::forecast as stored;
use crate::db::locks::Lock;
use crate::db::organizations;
use crate::domain::numbers::{count, current_academic_year, program_year, rate, year_between};
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::engine::{Prepared, Window};
use crate::forecast::explain::{SupplyPart, supply_parts};
use crate::forecast::model::{
    Bound, Bounds, Forecast, Row, Unplaced, complete_until, two_decimals,
};
use crate::forecast::scenario::{self, IntakeChange};
use crate::forecast::{self, Inputs, MAX_SPAN, Parameters};

/// The academic year in progress (the calendar year of the latest September 1),
/// or the one asked for: the simulation starts there.
pub fn as_of(asked: Option<i32>) -> AppResult<i32> {
    let as_of = asked.unwrap_or_else(current_academic_year);
    year_between(as_of, 2000, 2100).map_err(|m| AppError::invalid("as_of", m))
}

/// `as_of` as given in a query string: a year, or 422 naming it.
pub fn as_of_text(asked: Option<&str>) -> AppResult<i32> {
    let asked = asked
        .map(|raw| {
            raw.trim()
                .parse::<i32>()
                .map_err(|_| AppError::invalid("as_of", "must be a year, e.g. 2026"))
        })
        .transpose()?;
    as_of(asked)
}

/// The calendar years a forecast shows: `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: i32,
    pub to: i32,
}

impl Span {
    /// `from` defaults to the first summer after `as_of` (`as_of + 1`) and
    /// `to` to ten years after `from`.
    pub fn parse(as_of: i32, from: Option<i32>, to: Option<i32>) -> AppResult<Self> {
        let from = from.unwrap_or(as_of.saturating_add(1));
        let to = to.unwrap_or(from.saturating_add(10));
        let mut errors = Vec::new();
        if let Err(message) = year_between(from, 2000, 2100) {
            errors.push(FieldError::new("from", message));
        }
        if to < from {
            errors.push(FieldError::new("to", "must not be before from"));
        } else if i64::from(to) - i64::from(from) > i64::from(MAX_SPAN) {
            errors.push(FieldError::new(
                "to",
                format!("must be at most {MAX_SPAN} years after from"),
            ));
        }
        AppError::unless_empty(errors)?;
        Ok(Self { from, to })
    }

    fn window(self, as_of: i32) -> Window {
        Window {
            as_of,
            from: self.from,
            to: self.to,
        }
    }
}

/// The five parameters with, optionally, some of their bounds, as a request gives them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParametersBody {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_9_share: f64,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    #[schema(minimum = 0, maximum = 1)]
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    #[schema(minimum = 0, maximum = 1)]
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    #[schema(minimum = 0, maximum = 1)]
    pub targeted_retention_rate: f64,
    /// Bounds to change, by parameter name; the others keep the stored ones.
    #[serde(default)]
    pub bounds: Option<BoundsBody>,
}

/// Some parameters' bounds, by name.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoundsBody {
    #[serde(default)]
    pub after_grade_9_share: Option<Bound>,
    #[serde(default)]
    pub after_grade_11_share: Option<Bound>,
    #[serde(default)]
    pub annual_dropout_rate: Option<Bound>,
    #[serde(default)]
    pub retention_rate: Option<Bound>,
    #[serde(default)]
    pub targeted_retention_rate: Option<Bound>,
}

impl BoundsBody {
    fn over(&self, stored: &Bounds) -> Bounds {
        let given = [
            self.after_grade_9_share,
            self.after_grade_11_share,
            self.annual_dropout_rate,
            self.retention_rate,
            self.targeted_retention_rate,
        ];
        let stored = stored.all();
        Bounds::from_all(std::array::from_fn(|i| given[i].unwrap_or(stored[i])))
    }
}

impl ParametersBody {
    fn parameters(&self) -> Parameters {
        Parameters {
            after_grade_9_share: self.after_grade_9_share,
            after_grade_11_share: self.after_grade_11_share,
            annual_dropout_rate: self.annual_dropout_rate,
            retention_rate: self.retention_rate,
            targeted_retention_rate: self.targeted_retention_rate,
        }
    }

    /// The values and the bounds laid over the stored bounds, checked; every
    /// bad field is named under `prefix` (`parameters.` in a scenario).
    fn checked(&self, stored: &Bounds, prefix: &str) -> AppResult<(Parameters, Bounds)> {
        let parameters = self.parameters();
        let bounds = self
            .bounds
            .as_ref()
            .map_or(*stored, |given| given.over(stored));
        check_parameter_set(&parameters, &bounds, prefix)?;
        Ok((parameters, bounds))
    }
}

/// Values and bounds in [0, 1], each bound's low at most its high, each value within its bounds.
fn check_parameter_set(parameters: &Parameters, bounds: &Bounds, prefix: &str) -> AppResult<()> {
    let mut errors = Vec::new();
    for ((name, value), bound) in parameters.named().into_iter().zip(bounds.all()) {
        let field = format!("{prefix}{name}");
        if let Err(message) = rate(value) {
            errors.push(FieldError::new(field, message));
            continue;
        }
        let mut bounds_ok = true;
        for (end, bound_value) in [("low", bound.low), ("high", bound.high)] {
            if let Err(message) = rate(bound_value) {
                errors.push(FieldError::new(
                    format!("{prefix}bounds.{name}.{end}"),
                    message,
                ));
                bounds_ok = false;
            }
        }
        if !bounds_ok {
            continue;
        }
        if bound.low > bound.high {
            errors.push(FieldError::new(
                format!("{prefix}bounds.{name}"),
                format!("low {} is above high {}", bound.low, bound.high),
            ));
        } else if value < bound.low || value > bound.high {
            errors.push(FieldError::new(
                field,
                format!(
                    "{value} is outside its bounds {} to {}",
                    bound.low, bound.high
                ),
            ));
        }
    }
    AppError::unless_empty(errors)
}

/// The stored parameters with their bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "ParameterSetJson")]
pub struct ParameterSet {
    pub parameters: Parameters,
    pub bounds: Bounds,
}

/// The stored parameters with their bounds, as the API writes them: the
/// five parameters side by side with `bounds` (one flat object, so that its
/// schema is exact).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(as = ParameterSet)]
pub struct ParameterSetJson {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_9_share: f64,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    #[schema(minimum = 0, maximum = 1)]
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    #[schema(minimum = 0, maximum = 1)]
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    #[schema(minimum = 0, maximum = 1)]
    pub targeted_retention_rate: f64,
    pub bounds: Bounds,
}

impl From<ParameterSet> for ParameterSetJson {
    fn from(set: ParameterSet) -> Self {
        let p = set.parameters;
        Self {
            after_grade_9_share: p.after_grade_9_share,
            after_grade_11_share: p.after_grade_11_share,
            annual_dropout_rate: p.annual_dropout_rate,
            retention_rate: p.retention_rate,
            targeted_retention_rate: p.targeted_retention_rate,
            bounds: set.bounds,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastResponse {
    /// The academic year in progress the simulation started from.
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    /// The last year up to which every row shown is complete; `null` when
    /// even the first year is not.
    pub complete_until: Option<i32>,
    pub parameters: Parameters,
    pub bounds: Bounds,
    pub rows: Vec<Row>,
    pub unplaced: Vec<Unplaced>,
}

/// Which rows a caller asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowFilter {
    pub profession_id: Option<i64>,
    pub cluster_id: Option<i64>,
}

impl RowFilter {
    fn keeps(&self, inputs: &Inputs, row: &Row) -> bool {
        self.profession_id.is_none_or(|id| row.profession_id == id)
            && self.cluster_id.is_none_or(|cluster_id| {
                inputs
                    .professions
                    .get(&row.profession_id)
                    .is_some_and(|p| p.cluster_id == cluster_id)
            })
    }
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

/// Everything a forecast is computed from.
#[derive(Debug, Clone)]
pub struct Basis {
    pub inputs: Inputs,
    pub parameters: Parameters,
    pub bounds: Bounds,
}

fn respond(basis: &Basis, as_of: i32, span: Span, filter: RowFilter) -> ForecastResponse {
    let forecast = forecast::engine::run(
        &basis.inputs,
        &basis.parameters,
        &basis.bounds,
        span.window(as_of),
    );
    answer(basis, &forecast, as_of, span, filter)
}

/// The answer of `forecast` (computed from `basis` for `span`): its rows that
/// `filter` keeps.
fn answer(
    basis: &Basis,
    forecast: &Forecast,
    as_of: i32,
    span: Span,
    filter: RowFilter,
) -> ForecastResponse {
    let rows: Vec<Row> = forecast
        .rows
        .iter()
        .filter(|row| filter.keeps(&basis.inputs, row))
        .cloned()
        .collect();
    ForecastResponse {
        as_of,
        from: span.from,
        to: span.to,
        complete_until: complete_until(&rows, span.from, span.to),
        parameters: basis.parameters,
        bounds: basis.bounds,
        rows,
        unplaced: forecast.unplaced.clone(),
    }
}

/// The stored data, parameters and bounds, read as one snapshot (kept while
/// the data's generation stays).
pub async fn load(ctx: &Context) -> AppResult<Arc<Basis>> {
    ctx.remembered(
        |cache| &cache.basis,
        (),
        || {
            ctx.run(|conn| {
                let inputs = stored::load_inputs(conn)?;
                let (parameters, bounds) = stored::parameter_set(conn)?;
                Ok(Basis {
                    inputs,
                    parameters,
                    bounds,
                })
            })
        },
    )
    .await
}

/// The forecast of the stored data for `window`, with the basis it was
/// computed from (both kept while the data's generation stays).
async fn stored_run(ctx: &Context, window: Window) -> AppResult<(Arc<Basis>, Arc<Forecast>)> {
    let basis = load(ctx).await?;
    let computed_from = basis.clone();
    let forecast = ctx
        .remembered(
            |cache| &cache.forecasts,
            window,
            || async move {
                Ok(forecast::engine::run(
                    &computed_from.inputs,
                    &computed_from.parameters,
                    &computed_from.bounds,
                    window,
                ))
            },
        )
        .await?;
    Ok((basis, forecast))
}

/// The staffing gap per profession and year from the stored data (every role).
pub async fn stored_forecast(
    ctx: &Context,
    user: &AuthUser,
    as_of: i32,
    span: Span,
    filter: RowFilter,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let (basis, forecast) = stored_run(ctx, span.window(as_of)).await?;
    Ok(answer(&basis, &forecast, as_of, span, filter))
}

/// The stored forecast of the profession with this code (or all), for the command line.
pub async fn stored_forecast_by_code(
    ctx: &Context,
    user: &AuthUser,
    as_of: i32,
    span: Span,
    profession_code: Option<&str>,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let basis = load(ctx).await?;
    let profession_id = profession_code
        .map(|code| profession_by_code(&basis.inputs, code))
        .transpose()?;
    let filter = RowFilter {
        profession_id,
        cluster_id: None,
    };
    Ok(respond(&basis, as_of, span, filter))
}

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
#[schema(example = json!({"from": 2027, "to": 2035, "parameters": {"after_grade_9_share": 0.6, "after_grade_11_share": 0.45, "annual_dropout_rate": 0.07, "retention_rate": 0.55, "targeted_retention_rate": 0.9}, "intakes": [{"program_id": 7, "year": 2027, "seats": 50, "targeted_seats": 10}]}))]
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
        Some(given) => given.checked(&basis.bounds, "parameters.")?,
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
    let flow = stored.flow(
        before.parameters.after_grade_9_share,
        before.parameters.after_grade_11_share,
    );
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

/// The stored parameters and bounds (every role).
pub async fn parameters(ctx: &Context, user: &AuthUser) -> AppResult<ParameterSet> {
    authorize(user, Action::ReadForecast)?;
    ctx.run(|conn| {
        let (parameters, bounds) = stored::parameter_set(conn)?;
        Ok(ParameterSet { parameters, bounds })
    })
    .await
}

/// Replaces the stored parameters and, where given, their bounds (admins):
/// each in [0, 1], each value within its bounds.
pub async fn set_parameters(
    ctx: &Context,
    user: &AuthUser,
    body: ParametersBody,
    if_match: IfMatch,
) -> AppResult<ParameterSet> {
    authorize(user, Action::SetForecastParameters)?;
    let actor = *user;
    ctx.write(move |conn| {
        let (_, stored_bounds) = stored::parameter_set(conn)?;
        let (parameters, bounds) = body.checked(&stored_bounds, "")?;
        if_match.check(conn, Lock::ForecastParameters, |conn| {
            let (parameters, bounds) = stored::parameter_set(conn)?;
            Ok(Some(ParameterSet { parameters, bounds }))
        })?;
        stored::set_parameters(conn, &parameters, &bounds)?;
        let set = ParameterSet { parameters, bounds };
        let changes = super::audit::changes_of(&set);
        log(
            conn,
            &actor,
            "forecast_parameters",
            None,
            AuditAction::Update,
            changes,
        )?;
        Ok(set)
    })
    .await
}

/// One enterprise's demand; `enterprise_id` and `enterprise_name` are
/// `null` for the total of enterprises the caller may not see one by one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandPart {
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub headcount: i64,
}

/// One cohort's part of the cell's supply, with the names behind its ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplyLine {
    pub program_title: String,
    pub institution_id: i64,
    pub institution_name: String,
    #[serde(flatten)]
    pub part: SupplyPart,
}

/// One bar of the tornado chart: the cell's supply with one parameter at
/// each of its bounds, the others at their values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SensitivityBar {
    pub parameter: String,
    pub low: f64,
    pub high: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_at_low: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_at_high: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub as_of: i32,
    pub profession_id: i64,
    pub profession_code: String,
    pub profession_title: String,
    pub year: i32,
    /// Whether every cohort that could graduate into this cell is known.
    pub complete: bool,
    pub parameters: Parameters,
    pub bounds: Bounds,
    #[serde(serialize_with = "two_decimals")]
    pub demand: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
    #[serde(serialize_with = "two_decimals")]
    pub gap: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_low: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply_high: f64,
    pub supply_by_program: Vec<SupplyLine>,
    pub demand_by_enterprise: Vec<DemandPart>,
    pub sensitivity: Vec<SensitivityBar>,
}

/// One cell of the forecast taken apart (every role): its supply by program
/// and intake year with names, its demand by enterprise as the demand policy
/// lets the caller see it, and its sensitivity to each parameter.
pub async fn explain(
    ctx: &Context,
    user: &AuthUser,
    profession_id: i64,
    year: i32,
    as_of: i32,
) -> AppResult<Explanation> {
    authorize(user, Action::ReadForecast)?;
    year_between(year, 2000, 2100).map_err(|m| AppError::invalid("year", m))?;
    // The demand by enterprise a reader sees depends on its role and organization only.
    let key = format!(
        "{profession_id} {year} {as_of} {:?} {:?}",
        user.role, user.organization_id
    );
    let explanation = ctx
        .remembered(
            |cache| &cache.explanations,
            key,
            || explained(ctx, user, profession_id, year, as_of),
        )
        .await?;
    Ok(Explanation::clone(&explanation))
}

async fn explained(
    ctx: &Context,
    user: &AuthUser,
    profession_id: i64,
    year: i32,
    as_of: i32,
) -> AppResult<Explanation> {
    let basis = load(ctx).await?;
    let (by_enterprise, names, institutions) = ctx
        .run(move |conn| {
            let by_enterprise = stored::demand_by_enterprise(conn, profession_id, year)?;
            let names = stored::names(conn)?;
            let mut ids: Vec<i64> = by_enterprise.iter().map(|(id, _)| *id).collect();
            ids.extend(names.programs.values().map(|(institution, _)| *institution));
            let institutions = organizations::names(conn, &ids)?;
            Ok((by_enterprise, names, institutions))
        })
        .await?;
    let profession = basis
        .inputs
        .professions
        .get(&profession_id)
        .ok_or_else(|| AppError::not_found("profession", profession_id))?;
    let window = Window {
        as_of,
        from: year,
        to: year,
    };
    let prepared = Prepared::new(&basis.inputs, window);
    let forecast = prepared.forecast(&basis.parameters, &basis.bounds);
    let cell = forecast
        .rows
        .iter()
        .find(|row| row.profession_id == profession_id);
    let demand: i64 = by_enterprise.iter().map(|(_, headcount)| headcount).sum();
    let supply_by_program: Vec<SupplyLine> =
        supply_parts(&basis.inputs, &forecast, profession_id, year)
            .into_iter()
            .map(|part| {
                let (institution_id, program_title) = names
                    .programs
                    .get(&part.program_id)
                    .cloned()
                    .unwrap_or_default();
                SupplyLine {
                    program_title,
                    institution_id,
                    institution_name: institutions
                        .get(&institution_id)
                        .cloned()
                        .unwrap_or_default(),
                    part,
                }
            })
            .collect();
    let supply: f64 = cell.map_or(0.0, |row| row.supply);
    let sensitivity = prepared
        .sensitivity(&basis.parameters, &basis.bounds, profession_id, year)
        .into_iter()
        .map(|bar| SensitivityBar {
            parameter: bar.parameter.to_string(),
            low: bar.low,
            high: bar.high,
            supply_at_low: bar.supply_at_low,
            supply_at_high: bar.supply_at_high,
        })
        .collect();
    Ok(Explanation {
        as_of,
        profession_id,
        profession_code: profession.code.clone(),
        profession_title: profession.title.clone(),
        year,
        complete: prepared.complete(profession_id, year),
        parameters: basis.parameters,
        bounds: basis.bounds,
        demand: demand as f64,
        supply,
        gap: demand as f64 - supply,
        supply_low: cell.map_or(0.0, |row| row.supply_low),
        supply_high: cell.map_or(0.0, |row| row.supply_high),
        supply_by_program,
        demand_by_enterprise: visible_demand(user, by_enterprise, &institutions),
        sensitivity,
    })
}

/// Demand by enterprise as `user` may see it: one by one for analysts and
/// admins; otherwise the caller's own enterprise and one total for the rest.
fn visible_demand(
    user: &AuthUser,
    by_enterprise: Vec<(i64, i64)>,
    names: &HashMap<i64, String>,
) -> Vec<DemandPart> {
    let named = |enterprise_id: i64, headcount: i64| DemandPart {
        enterprise_id: Some(enterprise_id),
        enterprise_name: names.get(&enterprise_id).cloned(),
        headcount,
    };
    if allows(user, Action::ReadAllDemand) {
        return by_enterprise
            .into_iter()
            .map(|(enterprise_id, headcount)| named(enterprise_id, headcount))
            .collect();
    }
    let mut parts = Vec::new();
    let mut others = 0;
    for (enterprise_id, headcount) in by_enterprise {
        if allows(user, Action::ReadDemand { enterprise_id }) {
            parts.push(named(enterprise_id, headcount));
        } else {
            others += headcount;
        }
    }
    if others > 0 {
        parts.push(DemandPart {
            enterprise_id: None,
            enterprise_name: None,
            headcount: others,
        });
    }
    parts
}

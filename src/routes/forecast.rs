//! The staffing-gap forecast: read by everyone, scenarios by analysts and admins, parameters by admins.

use std::collections::HashSet;

use actix_web::{HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::extract::ApiJson;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::{self, forecast as stored};
use crate::domain::numbers::{count, current_year, program_year, rate, year_between};
use crate::error::{ApiError, FieldError, Problem};
use crate::forecast::model::{Row, Unplaced};
use crate::forecast::scenario::{self, IntakeChange};
use crate::forecast::{self, Inputs, Parameters};

/// The longest span a forecast covers, in years after `from`.
pub const MAX_SPAN: i32 = 30;

/// The calendar years a forecast runs over: `from..=to`.
#[derive(Debug, Clone, Copy)]
struct Span {
    from: i32,
    to: i32,
}

impl Span {
    /// `from` defaults to the current year and `to` to ten years later.
    fn parse(from: Option<i32>, to: Option<i32>) -> Result<Self, ApiError> {
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
        if errors.is_empty() {
            Ok(Self { from, to })
        } else {
            Err(ApiError::Invalid(errors))
        }
    }
}

fn check_parameters(parameters: &Parameters, prefix: &str) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = parameters
        .named()
        .into_iter()
        .filter_map(|(name, value)| {
            rate(value)
                .err()
                .map(|message| FieldError::new(format!("{prefix}{name}"), message))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastResponse {
    pub from: i32,
    pub to: i32,
    pub parameters: Parameters,
    pub rows: Vec<Row>,
    pub unplaced: Vec<Unplaced>,
}

/// Which rows a caller asked for.
#[derive(Debug, Clone, Copy, Default)]
struct RowFilter {
    profession_id: Option<i64>,
    cluster_id: Option<i64>,
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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// First calendar year; default the current year.
    pub from: Option<i32>,
    /// Last calendar year, at most 30 after `from`; default `from` + 10.
    pub to: Option<i32>,
    /// Only rows of this profession.
    pub profession_id: Option<i64>,
    /// Only rows of professions in this cluster.
    pub cluster_id: Option<i64>,
}

async fn stored_forecast(
    state: &AppState,
    query: &ForecastQuery,
) -> Result<ForecastResponse, ApiError> {
    let span = Span::parse(query.from, query.to)?;
    let filter = RowFilter {
        profession_id: query.profession_id,
        cluster_id: query.cluster_id,
    };
    let (inputs, parameters) = db::run(&state.pool, |conn| {
        Ok((stored::load_inputs(conn)?, stored::parameters(conn)?))
    })
    .await?;
    Ok(respond(&inputs, parameters, span, filter))
}

/// The staffing gap per profession and year, computed from the stored data
/// exactly as FORECAST.md says (every role).
#[utoipa::path(get, path = "/api/v1/forecast", tag = "forecast", security(("bearer" = [])), params(ForecastQuery), responses(
    (status = 200, body = ForecastResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "to before from, or a span over 30 years", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast")]
pub async fn get_forecast(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadForecast)?;
    Ok(HttpResponse::Ok().json(stored_forecast(&state, &query).await?))
}

/// The same rows as CSV: `profession_id,profession_code,year,demand,supply,gap,coverage` (every role).
#[utoipa::path(get, path = "/api/v1/forecast.csv", tag = "forecast", security(("bearer" = [])), params(ForecastQuery), responses(
    (status = 200, description = "the rows as CSV", content_type = "text/csv", body = String),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast.csv")]
pub async fn get_forecast_csv(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadForecast)?;
    let forecast = stored_forecast(&state, &query).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"forecast.csv\"",
        ))
        .body(rows_as_csv(&forecast.rows)))
}

/// The forecast rows as CSV, numbers with two decimals, an empty coverage where demand is 0.
pub fn rows_as_csv(rows: &[Row]) -> String {
    let mut csv = String::from("profession_id,profession_code,year,demand,supply,gap,coverage\n");
    for row in rows {
        let coverage = row.coverage.map(|c| format!("{c:.2}")).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{:.2},{:.2},{:.2},{}\n",
            row.profession_id,
            row.profession_code,
            row.year,
            row.demand,
            row.supply,
            row.gap,
            coverage
        ));
    }
    csv
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioIntake {
    pub program_id: i64,
    pub year: i32,
    pub seats: i32,
    pub targeted_seats: i32,
}

#[derive(Deserialize, ToSchema)]
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

fn intake_changes(intakes: &[ScenarioIntake]) -> Result<Vec<IntakeChange>, ApiError> {
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
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
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
#[utoipa::path(post, path = "/api/v1/forecast/scenario", tag = "forecast", security(("bearer" = [])), request_body = ScenarioBody, responses(
    (status = 200, body = ForecastResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "bad span, parameters outside [0, 1], unknown programs", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/forecast/scenario")]
pub async fn run_scenario(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<ScenarioBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::RunScenarios)?;
    let body = body.0;
    let span = Span::parse(Some(body.from), Some(body.to))?;
    if let Some(parameters) = &body.parameters {
        check_parameters(parameters, "parameters.")?;
    }
    let changes = intake_changes(&body.intakes)?;
    let (inputs, stored_parameters) = db::run(&state.pool, |conn| {
        Ok((stored::load_inputs(conn)?, stored::parameters(conn)?))
    })
    .await?;
    let unknown = scenario::unknown_programs(&inputs, &changes);
    if !unknown.is_empty() {
        return Err(ApiError::Invalid(
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
    Ok(HttpResponse::Ok().json(respond(&inputs, parameters, span, filter)))
}

/// The stored parameters (every role).
#[utoipa::path(get, path = "/api/v1/forecast/parameters", tag = "forecast", security(("bearer" = [])), responses(
    (status = 200, body = Parameters),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast/parameters")]
pub async fn get_parameters(
    user: AuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadForecast)?;
    let parameters = db::run(&state.pool, |conn| Ok(stored::parameters(conn)?)).await?;
    Ok(HttpResponse::Ok().json(parameters))
}

/// Replaces the stored parameters; each must be in [0, 1] (admins).
#[utoipa::path(put, path = "/api/v1/forecast/parameters", tag = "forecast", security(("bearer" = [])), request_body = Parameters, responses(
    (status = 200, body = Parameters),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/api/v1/forecast/parameters")]
pub async fn put_parameters(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<Parameters>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::SetForecastParameters)?;
    let parameters = body.0;
    check_parameters(&parameters, "")?;
    db::run(&state.pool, move |conn| {
        Ok(stored::set_parameters(conn, &parameters)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(parameters))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    pub profession_id: i64,
    pub year: i32,
    /// The `from` of the forecast being explained (its default too: the
    /// current year): leavers before it count for nothing, so the cell depends on it.
    pub from: Option<i32>,
}

/// One cohort's part of a cell's supply.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyPart {
    pub program_id: i64,
    /// The year the cohort started.
    pub intake_year: i32,
    /// Modelled applicants; `null` for a cohort known only from an enrollment record.
    #[serde(serialize_with = "crate::forecast::model::two_decimals_or_null")]
    pub applicants: Option<f64>,
    pub seats: i32,
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub intake: f64,
    /// Whether the intake is the college's actual enrollment.
    pub actual_enrollment: bool,
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub targeted: f64,
    pub completion_rate: f64,
    /// Graduates who stay in the region and the profession, before the share.
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub retained: f64,
    /// The program's share of this profession.
    pub share: f64,
    /// retained × share: this cohort's part of the cell's supply.
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub supply: f64,
}

/// One enterprise's demand; `enterprise_id` is `null` for the total of
/// enterprises the caller may not see one by one.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandPart {
    pub enterprise_id: Option<i64>,
    pub headcount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Explanation {
    pub profession_id: i64,
    pub profession_code: String,
    pub year: i32,
    pub parameters: Parameters,
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub demand: f64,
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub supply: f64,
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub gap: f64,
    pub supply_by_program: Vec<SupplyPart>,
    pub demand_by_enterprise: Vec<DemandPart>,
}

/// One cell of the forecast taken apart: its supply by program and intake
/// year, its demand by enterprise (every role; enterprises other than the
/// caller's are shown one by one to analysts and admins only).
#[utoipa::path(get, path = "/api/v1/forecast/explain", tag = "forecast", security(("bearer" = [])), params(ExplainQuery), responses(
    (status = 200, body = Explanation),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such profession", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast/explain")]
pub async fn explain(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ExplainQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadForecast)?;
    let ExplainQuery {
        profession_id,
        year,
        from,
    } = query.into_inner();
    let span = Span::parse(from, Some(year))?;
    let (inputs, parameters, by_enterprise) = db::run(&state.pool, move |conn| {
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
        .ok_or_else(|| ApiError::not_found("profession", profession_id))?;
    let forecast = forecast::run(&inputs, &parameters, span.from, span.to);
    let supply_by_program: Vec<SupplyPart> = forecast
        .cohorts
        .iter()
        .filter(|cohort| cohort.graduation_year == year)
        .filter_map(|cohort| {
            let program = inputs.programs.iter().find(|p| p.id == cohort.program_id)?;
            let share = program
                .professions
                .iter()
                .find(|(id, _)| *id == profession_id)?
                .1;
            Some(SupplyPart {
                program_id: cohort.program_id,
                intake_year: cohort.start_year,
                applicants: cohort.applicants,
                seats: cohort.seats,
                intake: cohort.intake,
                actual_enrollment: cohort.actual,
                targeted: cohort.targeted,
                completion_rate: cohort.completion_rate,
                retained: cohort.retained,
                share,
                supply: cohort.retained * share,
            })
        })
        .collect();
    let demand: i64 = by_enterprise.iter().map(|(_, headcount)| headcount).sum();
    let supply: f64 = supply_by_program.iter().map(|part| part.supply).sum();
    Ok(HttpResponse::Ok().json(Explanation {
        profession_id,
        profession_code: profession.code.clone(),
        year,
        parameters,
        demand: demand as f64,
        supply,
        gap: demand as f64 - supply,
        supply_by_program,
        demand_by_enterprise: visible_demand(&user, by_enterprise),
    }))
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

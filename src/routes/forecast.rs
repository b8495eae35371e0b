//! The staffing-gap forecast: read by everyone, scenarios by analysts and admins, parameters by admins.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IfMatchHeader};
use super::problem::{ApiError, Problem};
use super::{AppState, tagged};
use crate::app::forecast::{
    self, Explanation, ForecastResponse, ParametersBody, RowFilter, ScenarioBody, Span,
};
use crate::auth::AuthUser;
use crate::forecast::export::{TITLES_EN, rows_as_csv};
use crate::http::download;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// The academic year in progress to start the simulation from (a year,
    /// e.g. 2026); default the clock's: the year of the latest September 1.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub as_of: Option<String>,
    /// First calendar year shown; default `as_of` + 1.
    #[param(minimum = 2000, maximum = 2100)]
    pub from: Option<i32>,
    /// Last calendar year shown, at most 30 after `from`; default `from` + 10.
    #[param(minimum = 2000, maximum = 2100)]
    pub to: Option<i32>,
    /// Only rows of this profession.
    pub profession_id: Option<i64>,
    /// Only rows of professions in this cluster.
    pub cluster_id: Option<i64>,
}

impl ForecastQuery {
    fn as_of_and_span(&self) -> Result<(i32, Span), ApiError> {
        let as_of = forecast::as_of_text(self.as_of.as_deref())?;
        Ok((as_of, Span::parse(as_of, self.from, self.to)?))
    }

    fn filter(&self) -> RowFilter {
        RowFilter {
            profession_id: self.profession_id,
            cluster_id: self.cluster_id,
        }
    }
}

/// The staffing gap per profession and year, computed from the stored data
/// by the model of docs/forecast.md, with the low and high variants and
/// where the forecast stops knowing (every role).
#[utoipa::path(get, path = "/api/v1/forecast", tag = "forecast", security(("bearer" = [])), params(ForecastQuery), responses(
    (status = 200, body = ForecastResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "to before from, or a span over 30 years", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast")]
pub async fn get_forecast(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    let (as_of, span) = query.as_of_and_span()?;
    let forecast = forecast::stored_forecast(&app, &user, as_of, span, query.filter()).await?;
    Ok(HttpResponse::Ok().json(forecast))
}

/// The same rows as CSV, every field of the JSON rows (every role).
#[utoipa::path(get, path = "/api/v1/forecast.csv", tag = "forecast", security(("bearer" = [])), params(ForecastQuery), responses(
    (status = 200, description = "the rows as CSV", content_type = "text/csv", body = String),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast.csv")]
pub async fn get_forecast_csv(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    let (as_of, span) = query.as_of_and_span()?;
    let forecast = forecast::stored_forecast(&app, &user, as_of, span, query.filter()).await?;
    Ok(download::attachment(
        download::CSV,
        "forecast.csv",
        rows_as_csv(&forecast.rows),
    ))
}

/// The same rows as an XLSX workbook: titles, a frozen title row, number
/// formats (every role).
#[utoipa::path(get, path = "/api/v1/forecast.xlsx", tag = "forecast", security(("bearer" = [])), params(ForecastQuery), responses(
    (status = 200, description = "the rows as an XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast.xlsx")]
pub async fn get_forecast_xlsx(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<ForecastQuery>,
) -> Result<HttpResponse, ApiError> {
    let (as_of, span) = query.as_of_and_span()?;
    let forecast = forecast::stored_forecast(&app, &user, as_of, span, query.filter()).await?;
    Ok(download::forecast_xlsx(&forecast.rows, &TITLES_EN)?)
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
    app: web::Data<AppState>,
    body: ApiJson<ScenarioBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(forecast::scenario(&app, &user, body.0).await?))
}

/// The stored parameters and their bounds (every role).
#[utoipa::path(get, path = "/api/v1/forecast/parameters", tag = "forecast", security(("bearer" = [])), responses(
    (status = 200, body = forecast::ParameterSetJson),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast/parameters")]
pub async fn get_parameters(
    user: AuthUser,
    app: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tagged(&forecast::parameters(&app, &user).await?)
}

/// Replaces the stored parameters and, where given, their bounds (admins):
/// each in [0, 1], each bound's low at most its high, each value within its bounds.
#[utoipa::path(put, path = "/api/v1/forecast/parameters", tag = "forecast", security(("bearer" = [])), request_body = ParametersBody, responses(
    (status = 200, body = forecast::ParameterSetJson),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/api/v1/forecast/parameters")]
pub async fn put_parameters(
    user: AuthUser,
    app: web::Data<AppState>,
    body: ApiJson<ParametersBody>,
    if_match: IfMatchHeader,
) -> Result<HttpResponse, ApiError> {
    tagged(&forecast::set_parameters(&app, &user, body.0, if_match.0).await?)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    pub profession_id: i64,
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// The academic year in progress to start the simulation from; default the clock's.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub as_of: Option<String>,
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
    app: web::Data<AppState>,
    query: web::Query<ExplainQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = forecast::as_of_text(query.as_of.as_deref())?;
    let explanation: Explanation =
        forecast::explain(&app, &user, query.profession_id, query.year, as_of).await?;
    Ok(HttpResponse::Ok().json(explanation))
}

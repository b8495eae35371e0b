//! `/api/v1/forecast/calibration` and `/api/v1/forecast/backtest`: what the
//! region's records say about the parameters, and how right the model was.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::extract::ApiJson;
use super::problem::{ApiError, Problem};
use crate::app::forecast::{self, ApplyBody, BacktestAsked};
use crate::auth::AuthUser;
use crate::forecast::evidence::{Backtest, Calibration};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CalibrationQuery {
    /// The academic year the records run up to; default the clock's.
    #[param(minimum = 2000, maximum = 2100)]
    pub as_of: Option<i32>,
    /// Years of records, 1 to 15; default 5.
    #[param(minimum = 1, maximum = 15)]
    pub window: Option<i32>,
}

/// Step 10: each parameter estimated from the records of the window, year
/// by year, and each program's observed completion (analysts from
/// protected counts, admins from exact ones; `counts` says which).
#[utoipa::path(get, path = "/api/v1/forecast/calibration", tag = "forecast", security(("bearer" = [])), params(CalibrationQuery), responses(
    (status = 200, body = Calibration),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "a window outside 1 to 15, a bad as_of", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast/calibration")]
pub async fn get_calibration(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<CalibrationQuery>,
) -> Result<HttpResponse, ApiError> {
    let calibration = forecast::calibration(&app, &user, query.as_of, query.window).await?;
    Ok(HttpResponse::Ok().json(&*calibration))
}

/// Applies step 10 (admins): the parameters with at least three valid
/// years take their estimates and bounds, and with `programs: true` each
/// program with a proposal its completion rate; one transaction, an audit line.
#[utoipa::path(post, path = "/api/v1/forecast/calibration/apply", tag = "forecast", security(("bearer" = [])), request_body = ApplyBody, responses(
    (status = 200, description = "the stored parameters and bounds after it", body = forecast::ParameterSetJson),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "a bad window or as_of; estimates that break p9 + s10 <= 1", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/forecast/calibration/apply")]
pub async fn apply_calibration(
    user: AuthUser,
    app: web::Data<AppState>,
    body: ApiJson<ApplyBody>,
) -> Result<HttpResponse, ApiError> {
    let applied = forecast::apply_calibration(&app, &user, body.0).await?;
    Ok(HttpResponse::Ok().json(applied.set))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BacktestQuery {
    /// The academic year the records run up to; default the clock's.
    #[param(minimum = 2000, maximum = 2100)]
    pub as_of: Option<i32>,
    /// The first origin; default `as_of` - 5, at most 15 years back.
    #[param(minimum = 2000, maximum = 2100)]
    pub first_origin: Option<i32>,
    /// The last origin, before `as_of`; default `as_of` - 1.
    #[param(minimum = 2000, maximum = 2100)]
    pub last_origin: Option<i32>,
    /// Years of records each origin's calibration uses, 1 to 15; default 5.
    #[param(minimum = 1, maximum = 15)]
    pub window: Option<i32>,
}

/// Step 11: the forecast made again from what was known at each origin,
/// scored against what happened by stage and lead, beside the naive
/// forecast on the same pairs (analysts, admins).
#[utoipa::path(get, path = "/api/v1/forecast/backtest", tag = "forecast", security(("bearer" = [])), params(BacktestQuery), responses(
    (status = 200, body = Backtest),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "an origin not before as_of, first after last, a bad window", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/forecast/backtest")]
pub async fn get_backtest(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<BacktestQuery>,
) -> Result<HttpResponse, ApiError> {
    let asked = BacktestAsked {
        as_of: query.as_of,
        first_origin: query.first_origin,
        last_origin: query.last_origin,
        window: query.window,
    };
    let backtest = forecast::backtest(&app, &user, asked).await?;
    Ok(HttpResponse::Ok().json(&*backtest))
}

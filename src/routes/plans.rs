//! `POST /api/v1/plans/seats`: the seat planner.

use actix_web::{HttpResponse, post, web};

use super::AppState;
use super::extract::ApiJson;
use super::problem::{ApiError, Problem};
use crate::app::planning::{self, SeatPlanBody, SeatPlanResponse};
use crate::auth::AuthUser;

/// Where `budget` more first-year seats for the intake of `year` cut the
/// unmet demand of `from..=to` most: a greedy of `step` seats at a time over
/// the candidate programs, each step to the program that lowers the sum of
/// positive gaps most (ties to the lowest id), stopping when a step gains
/// 0.005 or less. Nothing is stored (analysts and admins).
#[utoipa::path(post, path = "/api/v1/plans/seats", tag = "forecast", security(("bearer" = [])), request_body = SeatPlanBody, responses(
    (status = 200, body = SeatPlanResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "a year not after as_of, a budget or step below 1, a span over 30 years, unknown programs", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/plans/seats")]
pub async fn plan_seats(
    user: AuthUser,
    app: web::Data<AppState>,
    body: ApiJson<SeatPlanBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(planning::plan_seats(&app, &user, body.0).await?))
}

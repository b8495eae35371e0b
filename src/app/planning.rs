//! The seat planner: where B more first-year seats in one intake year cut the
//! coming shortage most (analysts and admins; nothing is stored).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Context;
use super::forecast::{
    Basis, ParametersBody, ScenarioIntake, Span, apply_scenario, as_of, load, with_gap_before,
};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::{forecast as stored, organizations};
use crate::domain::numbers::year_between;
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::engine::{self, Window};
use crate::forecast::model::{Row, two_decimals};
use crate::forecast::planner::{self, SeatPlanRequest};
use crate::forecast::scenario;

/// A cap on a program's total seats in the planned year.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatLimit {
    pub program_id: i64,
    #[schema(minimum = 0, maximum = 100000)]
    pub max_seats: i32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2027, "from": 2031, "to": 2036, "budget": 100, "step": 5, "limits": [{"program_id": 7, "max_seats": 75}]}))]
pub struct SeatPlanBody {
    /// The academic year the simulation starts from; default the one in progress.
    #[serde(default)]
    #[schema(minimum = 2000, maximum = 2100)]
    pub as_of: Option<i32>,
    /// The intake year the seats are for; after `as_of`.
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// The years whose unmet demand counts: `from..=to`, at most 30 apart.
    #[schema(minimum = 2000, maximum = 2100)]
    pub from: i32,
    #[schema(minimum = 2000, maximum = 2100)]
    pub to: i32,
    /// Seats to give: 1 to 100000.
    #[schema(minimum = 1, maximum = 100000)]
    pub budget: i32,
    /// Seats given at a time: 1 to 10000, default 5.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10000)]
    pub step: Option<i32>,
    /// Parameters (and bounds) to plan with instead of the stored ones.
    #[serde(default)]
    pub parameters: Option<ParametersBody>,
    /// Seats laid over the stored data before planning, as in a scenario.
    #[serde(default)]
    pub intakes: Vec<ScenarioIntake>,
    /// The candidates; default every program.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub program_ids: Option<Vec<i64>>,
    /// Caps on programs' total seats in `year`.
    #[serde(default)]
    pub limits: Vec<SeatLimit>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanStepView {
    pub program_id: i64,
    /// The program's total seats in the year after this step.
    pub seats: i32,
    /// The unmet demand after this step, in person-years.
    #[serde(serialize_with = "two_decimals")]
    pub objective: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedProgram {
    pub program_id: i64,
    pub title: String,
    pub institution_id: i64,
    pub institution_name: String,
    pub seats_before: i32,
    pub seats_after: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatPlanResponse {
    pub as_of: i32,
    pub year: i32,
    pub from: i32,
    pub to: i32,
    pub budget: i32,
    pub step: i32,
    /// Seats given.
    pub allocated: i32,
    /// Seats not given: less than a step left, no candidate within its limit,
    /// or no step that cuts the unmet demand by more than 0.005.
    pub unallocated: i32,
    /// The unmet demand over `from..=to` (the sum of positive gaps) before and after.
    #[serde(serialize_with = "two_decimals")]
    pub objective_before: f64,
    #[serde(serialize_with = "two_decimals")]
    pub objective_after: f64,
    pub steps: Vec<PlanStepView>,
    /// The programs that got seats, by id.
    pub programs: Vec<PlannedProgram>,
    /// The programs of statistical groups (`aggregate` institutions) left
    /// out of the candidates because the body named none.
    pub left_out_aggregates: Vec<i64>,
    /// The forecast after the plan, each row with its gap before the plan.
    pub rows: Vec<Row>,
}

/// A checked plan request.
struct Checked {
    as_of: i32,
    span: Span,
    request: SeatPlanRequest,
}

fn check(body: &SeatPlanBody) -> AppResult<Checked> {
    let as_of = as_of(body.as_of)?;
    let span = Span::parse(as_of, Some(body.from), Some(body.to))?;
    let step = body.step.unwrap_or(5);
    let mut errors = Vec::new();
    match year_between(body.year, 2000, 2100) {
        Err(message) => errors.push(FieldError::new("year", message)),
        Ok(year) if year <= as_of => errors.push(FieldError::new(
            "year",
            format!("must be after as_of ({as_of}): seats of the past cannot change"),
        )),
        Ok(_) => {}
    }
    if !(1..=100_000).contains(&body.budget) {
        errors.push(FieldError::new("budget", "must be 1 to 100000 seats"));
    }
    if !(1..=10_000).contains(&step) {
        errors.push(FieldError::new("step", "must be 1 to 10000 seats"));
    }
    let mut limits = HashMap::new();
    for (i, limit) in body.limits.iter().enumerate() {
        if !(0..=100_000).contains(&limit.max_seats) {
            errors.push(FieldError::new(
                format!("limits[{i}].max_seats"),
                "must be 0 to 100000",
            ));
        }
        if limits.insert(limit.program_id, limit.max_seats).is_some() {
            errors.push(FieldError::new(
                format!("limits[{i}].program_id"),
                "this program is limited twice",
            ));
        }
    }
    AppError::unless_empty(errors)?;
    let mut candidates: Vec<i64> = body.program_ids.clone().unwrap_or_default();
    candidates.sort_unstable();
    candidates.dedup();
    Ok(Checked {
        as_of,
        span,
        request: SeatPlanRequest {
            year: body.year,
            budget: body.budget,
            step,
            candidates,
            limits,
        },
    })
}

/// 422 naming every program id the body gives that the data does not have.
fn check_programs(basis: &Basis, body: &SeatPlanBody) -> AppResult<()> {
    let known: HashSet<i64> = basis.inputs.programs.iter().map(|p| p.id).collect();
    let mut errors = Vec::new();
    for (i, id) in body.program_ids.iter().flatten().enumerate() {
        if !known.contains(id) {
            errors.push(FieldError::new(
                format!("program_ids[{i}]"),
                format!("no program has the id {id}"),
            ));
        }
    }
    for (i, limit) in body.limits.iter().enumerate() {
        if !known.contains(&limit.program_id) {
            errors.push(FieldError::new(
                format!("limits[{i}].program_id"),
                format!("no program has the id {}", limit.program_id),
            ));
        }
    }
    if body.program_ids.as_ref().is_some_and(Vec::is_empty) {
        errors.push(FieldError::new(
            "program_ids",
            "must name at least one program, or be left out for every program",
        ));
    }
    AppError::unless_empty(errors)
}

/// Plans where `budget` more seats in `year` cut the unmet demand of
/// `from..=to` most, by the greedy of docs/forecast.md (analysts and admins).
pub async fn plan_seats(
    ctx: &Context,
    user: &AuthUser,
    body: SeatPlanBody,
) -> AppResult<SeatPlanResponse> {
    authorize(user, Action::RunScenarios)?;
    let checked = check(&body)?;
    let stored_basis = load(ctx).await?;
    let start = apply_scenario(&stored_basis, body.parameters.as_ref(), &body.intakes)?;
    check_programs(&start, &body)?;
    let (names, institutions, aggregates) = ctx
        .run(|conn| {
            let names = stored::names(conn)?;
            let ids: Vec<i64> = names.programs.values().map(|(id, _)| *id).collect();
            let institutions = organizations::names(conn, &ids)?;
            let aggregates: HashSet<i64> =
                organizations::aggregate_ids(conn)?.into_iter().collect();
            Ok((names, institutions, aggregates))
        })
        .await?;
    let Checked {
        as_of,
        span,
        mut request,
    } = checked;
    // Unless the body names the candidates, the programs of statistical
    // groups (`aggregate` institutions) are none: capped at no seats.
    let mut left_out: Vec<i64> = Vec::new();
    if body.program_ids.is_none() {
        for (program_id, (institution_id, _)) in &names.programs {
            if aggregates.contains(institution_id) && !request.limits.contains_key(program_id) {
                request.limits.insert(*program_id, 0);
                left_out.push(*program_id);
            }
        }
    }
    left_out.sort_unstable();
    let window = Window {
        as_of,
        from: span.from,
        to: span.to,
    };
    // The planner is CPU work for up to seconds: off the async executor.
    let (plan, rows) = tokio::task::spawn_blocking(move || {
        let plan = planner::plan(&start.inputs, &start.parameters, window, &request);
        let after = scenario::apply(&start.inputs, &plan.changes);
        let mut rows = engine::run(&after, &start.parameters, &start.bounds, window).rows;
        with_gap_before(&mut rows, &start, window);
        (plan, rows)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("the planner failed: {e}")))?;
    let programs = plan
        .programs
        .iter()
        .map(|(program_id, before, after)| {
            let (institution_id, title) =
                names.programs.get(program_id).cloned().unwrap_or_default();
            PlannedProgram {
                program_id: *program_id,
                title,
                institution_id,
                institution_name: institutions
                    .get(&institution_id)
                    .cloned()
                    .unwrap_or_default(),
                seats_before: *before,
                seats_after: *after,
            }
        })
        .collect();
    Ok(SeatPlanResponse {
        as_of,
        year: body.year,
        from: span.from,
        to: span.to,
        budget: body.budget,
        step: body.step.unwrap_or(5),
        allocated: plan.allocated,
        unallocated: plan.unallocated,
        objective_before: plan.objective_before,
        objective_after: plan.objective_after,
        steps: plan
            .steps
            .iter()
            .map(|s| PlanStepView {
                program_id: s.program_id,
                seats: s.seats,
                objective: s.objective,
            })
            .collect(),
        programs,
        left_out_aggregates: left_out,
        rows,
    })
}

//! The greedy of the model, computed incrementally: the same steps as the
//! naive planner, without a whole forecast per candidate.

use super::request::{Greedy, SeatPlan, SeatPlanRequest, candidates, seats_for};
use super::state::State;
use crate::forecast::engine::{Prepared, Window};
use crate::forecast::model::{Inputs, Parameters};

/// The greedy of the model, computed incrementally: the same steps as `plan_naive`.
pub fn plan(
    inputs: &Inputs,
    parameters: &Parameters,
    window: Window,
    request: &SeatPlanRequest,
) -> SeatPlan {
    let prepared = Prepared::new(inputs, window);
    let mut state = State::new(&prepared, parameters, inputs.clone());
    let candidates = candidates(inputs, request);
    let objective_before = state.objective;
    let mut greedy = Greedy::new(request);
    let step = f64::from(request.step);
    while greedy.has_budget() {
        let mut evaluated = Vec::with_capacity(candidates.len());
        for &k in &candidates {
            let seats = seats_for(&state.inputs.programs[k], request.year);
            if !greedy.within_limit(&state.inputs.programs[k], seats.seats) {
                continue;
            }
            let years = state.carried_years(k, request.year);
            evaluated.push((k, state.evaluate(k, &years, step)));
        }
        let Some((k, _)) = Greedy::choose(&evaluated, state.objective) else {
            break;
        };
        let before = state.take(k, request.year, request.step);
        let objective = state.objective;
        greedy.record(k, &state.inputs.programs[k], before, objective);
    }
    let objective_after = state.objective;
    greedy.finish(&state.inputs, objective_before, objective_after)
}

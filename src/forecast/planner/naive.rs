//! The greedy exactly as the model states it, one whole forecast per
//! candidate and step: slow, and the oracle the fast planner is tested against.

use super::request::{Greedy, SeatPlan, SeatPlanRequest, add_seats, candidates, seats_for};
use crate::forecast::engine::{LeavingShares, Prepared, Scaling, Window, unmet};
use crate::forecast::model::{Inputs, Parameters};
use crate::forecast::scenario::{IntakeChange, apply};

/// The greedy exactly as the model states it: one whole forecast per
/// candidate and step. The oracle of `plan`.
pub fn plan_naive(
    inputs: &Inputs,
    parameters: &Parameters,
    window: Window,
    request: &SeatPlanRequest,
) -> SeatPlan {
    let objective = |inputs: &Inputs| {
        let prepared = Prepared::new(inputs, window);
        let flow = prepared.flow(LeavingShares::of(parameters));
        unmet(
            &prepared.supply(&flow, Scaling::of(parameters)),
            &prepared.demand(),
        )
    };
    let candidates = candidates(inputs, request);
    let mut current = inputs.clone();
    let objective_before = objective(&current);
    let mut now = objective_before;
    let mut greedy = Greedy::new(request);
    while greedy.has_budget() {
        let mut evaluated = Vec::new();
        for &k in &candidates {
            let program = &current.programs[k];
            let seats = seats_for(program, request.year);
            if !greedy.within_limit(program, seats.seats) {
                continue;
            }
            let change = IntakeChange {
                program_id: program.id,
                year: request.year,
                seats: seats.seats + request.step,
                targeted_seats: seats.targeted,
            };
            evaluated.push((k, objective(&apply(&current, &[change]))));
        }
        let Some((k, best)) = Greedy::choose(&evaluated, now) else {
            break;
        };
        let before = add_seats(&mut current, k, request.year, request.step);
        now = best;
        greedy.record(k, &current.programs[k], before, now);
    }
    greedy.finish(&current, objective_before, now)
}

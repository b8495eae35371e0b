//! What a plan is asked for and what it answers, and the greedy bookkeeping
//! both planners share: the budget, the candidates within their limits,
//! the choice among them (lowest program id on ties).

use std::collections::{BTreeMap, HashMap};

use crate::forecast::model::{Inputs, ProgramInput, Seats};
use crate::forecast::scenario::IntakeChange;

/// A greedy step's objective must fall by more than this for the step to be taken.
pub const MIN_GAIN: f64 = 0.005;
/// Objectives within this of the best tie; the lowest program id wins.
pub const TIE: f64 = 1e-9;

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatPlanRequest {
    /// The intake year the seats are for (after `as_of`).
    pub year: i32,
    /// Seats to give, at least 1.
    pub budget: i32,
    /// Seats given at a time, at least 1.
    pub step: i32,
    /// The candidates' program ids; empty means every program.
    pub candidates: Vec<i64>,
    /// A cap on a program's total seats in `year`.
    pub limits: HashMap<i64, i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    pub program_id: i64,
    /// The program's total seats in the year after the step.
    pub seats: i32,
    /// The unmet demand after the step.
    pub objective: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeatPlan {
    pub objective_before: f64,
    pub objective_after: f64,
    pub allocated: i32,
    pub unallocated: i32,
    pub steps: Vec<PlanStep>,
    /// `(program_id, seats before, seats after)` of each program that got seats, by id.
    pub programs: Vec<(i64, i32, i32)>,
    /// The plan as scenario intakes: lay them over the inputs to see its forecast.
    pub changes: Vec<IntakeChange>,
}

/// A program's seats in `year` as the planner adds to them: its record's, or 0 and 0.
pub(super) fn seats_for(program: &ProgramInput, year: i32) -> Seats {
    program.seats_in(year).unwrap_or(Seats {
        seats: 0,
        targeted: 0,
    })
}

/// The candidates' indices, by ascending program id.
pub(super) fn candidates(inputs: &Inputs, request: &SeatPlanRequest) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..inputs.programs.len())
        .filter(|k| {
            request.candidates.is_empty() || request.candidates.contains(&inputs.programs[*k].id)
        })
        .collect();
    indices.sort_by_key(|k| inputs.programs[*k].id);
    indices
}

/// The greedy bookkeeping both planners share: budget, steps, the choice among candidates.
pub(super) struct Greedy<'r> {
    request: &'r SeatPlanRequest,
    remaining: i32,
    steps: Vec<PlanStep>,
    /// Seats before the plan, by program index.
    before: BTreeMap<usize, i32>,
}

impl<'r> Greedy<'r> {
    pub(super) fn new(request: &'r SeatPlanRequest) -> Self {
        Self {
            request,
            remaining: request.budget,
            steps: Vec::new(),
            before: BTreeMap::new(),
        }
    }

    pub(super) fn has_budget(&self) -> bool {
        self.request.step >= 1 && self.remaining >= self.request.step
    }

    /// Whether a program with `seats` may take another step.
    pub(super) fn within_limit(&self, program: &ProgramInput, seats: i32) -> bool {
        self.request
            .limits
            .get(&program.id)
            .is_none_or(|max| seats + self.request.step <= *max)
    }

    /// The candidate to take from `(index, objective)` in ascending id order:
    /// the lowest id within `TIE` of the smallest objective, if it gains enough.
    pub(super) fn choose(evaluated: &[(usize, f64)], now: f64) -> Option<(usize, f64)> {
        let best = evaluated
            .iter()
            .map(|(_, objective)| *objective)
            .fold(f64::INFINITY, f64::min);
        if !best.is_finite() || now - best <= MIN_GAIN {
            return None;
        }
        evaluated
            .iter()
            .find(|(_, objective)| *objective <= best + TIE)
            .copied()
    }

    pub(super) fn record(
        &mut self,
        k: usize,
        program: &ProgramInput,
        seats_before: i32,
        objective: f64,
    ) {
        self.before.entry(k).or_insert(seats_before);
        self.remaining -= self.request.step;
        self.steps.push(PlanStep {
            program_id: program.id,
            seats: seats_before + self.request.step,
            objective,
        });
    }

    pub(super) fn finish(
        self,
        inputs_after: &Inputs,
        objective_before: f64,
        objective_after: f64,
    ) -> SeatPlan {
        let year = self.request.year;
        let mut programs = Vec::new();
        let mut changes = Vec::new();
        for (k, before) in &self.before {
            let program = &inputs_after.programs[*k];
            let after = seats_for(program, year);
            programs.push((program.id, *before, after.seats));
            changes.push(IntakeChange {
                program_id: program.id,
                year,
                seats: after.seats,
                targeted_seats: after.targeted,
            });
        }
        programs.sort_by_key(|(id, _, _)| *id);
        changes.sort_by_key(|change| change.program_id);
        let allocated = self.request.budget - self.remaining;
        SeatPlan {
            objective_before,
            objective_after,
            allocated,
            unallocated: self.remaining,
            steps: self.steps,
            programs,
            changes,
        }
    }
}

pub(super) fn add_seats(inputs: &mut Inputs, k: usize, year: i32, step: i32) -> i32 {
    let program = &mut inputs.programs[k];
    let seats = seats_for(program, year);
    program.intakes.insert(
        year,
        Seats {
            seats: seats.seats + step,
            targeted: seats.targeted,
        },
    );
    seats.seats
}

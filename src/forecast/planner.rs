//! The seat planner (docs/forecast.md, step 8): given a budget of seats for
//! one intake year, where do they cut the unmet demand most?
//!
//! `plan` is the greedy of the model, made fast: a step of seats for one
//! program changes only the distribution of its entry grade in the years its
//! seats carry into, the cohorts of those distributions, and the cells they
//! graduate into. Each distribution is kept as per-program rates, so a
//! candidate's effect is a few additions per program instead of a forecast.
//! `plan_naive` runs one whole forecast per candidate and step; the tests
//! hold the two to the same steps.

use std::collections::{BTreeMap, HashMap};

use super::engine::{Prepared, Scaling, Window, unmet};
use super::model::{Inputs, Parameters, ProgramInput, Seats};
use super::scenario::{IntakeChange, apply};

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
fn seats_for(program: &ProgramInput, year: i32) -> Seats {
    program.seats_in(year).unwrap_or(Seats {
        seats: 0,
        targeted: 0,
    })
}

/// The candidates' indices, by ascending program id.
fn candidates(inputs: &Inputs, request: &SeatPlanRequest) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..inputs.programs.len())
        .filter(|k| {
            request.candidates.is_empty() || request.candidates.contains(&inputs.programs[*k].id)
        })
        .collect();
    indices.sort_by_key(|k| inputs.programs[*k].id);
    indices
}

/// The greedy bookkeeping both planners share: budget, steps, the choice among candidates.
struct Greedy<'r> {
    request: &'r SeatPlanRequest,
    remaining: i32,
    steps: Vec<PlanStep>,
    /// Seats before the plan, by program index.
    before: BTreeMap<usize, i32>,
}

impl<'r> Greedy<'r> {
    fn new(request: &'r SeatPlanRequest) -> Self {
        Self {
            request,
            remaining: request.budget,
            steps: Vec::new(),
            before: BTreeMap::new(),
        }
    }

    fn has_budget(&self) -> bool {
        self.request.step >= 1 && self.remaining >= self.request.step
    }

    /// Whether a program with `seats` may take another step.
    fn within_limit(&self, program: &ProgramInput, seats: i32) -> bool {
        self.request
            .limits
            .get(&program.id)
            .is_none_or(|max| seats + self.request.step <= *max)
    }

    /// The candidate to take from `(index, objective)` in ascending id order:
    /// the lowest id within `TIE` of the smallest objective, if it gains enough.
    fn choose(evaluated: &[(usize, f64)], now: f64) -> Option<(usize, f64)> {
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

    fn record(&mut self, k: usize, program: &ProgramInput, seats_before: i32, objective: f64) {
        self.before.entry(k).or_insert(seats_before);
        self.remaining -= self.request.step;
        self.steps.push(PlanStep {
            program_id: program.id,
            seats: seats_before + self.request.step,
            objective,
        });
    }

    fn finish(
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

fn add_seats(inputs: &mut Inputs, k: usize, year: i32, step: i32) -> i32 {
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
        let flow = prepared.flow(
            parameters.after_grade_9_share,
            parameters.after_grade_11_share,
        );
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

/// One target's leavers in one (exit year, entry grade).
#[derive(Debug, Clone)]
struct SliceTarget {
    weight: f64,
    /// The eligible programs it matches.
    matching: Vec<usize>,
    /// Their seats.
    seats: f64,
}

/// The distribution of one (exit year, entry grade), as rates: program j's
/// applicants are `seats_j * (rate_j + pool / all_seats)`.
#[derive(Debug, Clone)]
struct Slice {
    year: i32,
    grade: i32,
    /// Seats of each program in the year (0 when not eligible), by index.
    seats: Vec<f64>,
    eligible: Vec<usize>,
    all_seats: f64,
    pool: f64,
    /// The leavers interested in something some program of this grade trains.
    targets: Vec<SliceTarget>,
    /// Leavers interested in nothing a program of this grade trains.
    unmatched: f64,
    rate: Vec<f64>,
    /// For each program index, the targets (indices into `targets`) it could take.
    targets_of: Vec<Vec<u32>>,
}

/// The planner's whole state: the inputs as planned so far, each
/// distribution, each modelled cohort's retained graduates, the supply.
struct State<'p> {
    prepared: &'p Prepared<'p>,
    parameters: Parameters,
    scaling: Scaling,
    inputs: Inputs,
    /// By (year - first simulated year) * 2 + (grade == 11).
    slices: Vec<Slice>,
    first_year: i32,
    /// Retained graduates of each modelled cohort, by program index and start year offset.
    retained: Vec<Vec<f64>>,
    supply: Vec<f64>,
    demand: Vec<f64>,
    objective: f64,
    /// Scratch for evaluations, by program index and by cell.
    rate_change: Vec<f64>,
    touched_programs: Vec<usize>,
    supply_change: Vec<f64>,
    touched_cells: Vec<usize>,
}

impl<'p> State<'p> {
    fn new(prepared: &'p Prepared<'p>, parameters: &Parameters, inputs: Inputs) -> Self {
        let window = prepared.window;
        let programs = inputs.programs.len();
        let first_year = window.as_of + 1;
        let years = usize::try_from(window.to - window.as_of).unwrap_or(0);
        let mut state = Self {
            prepared,
            parameters: *parameters,
            scaling: Scaling::of(parameters),
            inputs,
            slices: Vec::with_capacity(years * 2),
            first_year,
            retained: vec![vec![0.0; years]; programs],
            supply: vec![0.0; prepared.grid.cells()],
            demand: prepared.demand(),
            objective: 0.0,
            rate_change: vec![0.0; programs],
            touched_programs: Vec::new(),
            supply_change: vec![0.0; prepared.grid.cells()],
            touched_cells: Vec::new(),
        };
        for offset in 0..years {
            let year = first_year + offset as i32;
            for grade in [9, 11] {
                let slice = state.slice_skeleton(year, grade);
                state.slices.push(slice);
            }
        }
        for index in 0..state.slices.len() {
            state.distribute(index);
        }
        state.supply = state.supply_from_scratch();
        state.objective = unmet(&state.supply, &state.demand);
        state
    }

    fn slice_index(&self, year: i32, grade: i32) -> Option<usize> {
        let offset = usize::try_from(year - self.first_year).ok()?;
        let index = offset * 2 + usize::from(grade == 11);
        (index < self.slices.len()).then_some(index)
    }

    /// The leavers of a slice and who could take them; the seats come later.
    fn slice_skeleton(&self, year: i32, grade: i32) -> Slice {
        let leavers = self.prepared.paths.leavers(
            year,
            grade,
            self.parameters.after_grade_9_share,
            self.parameters.after_grade_11_share,
        );
        let programs = self.inputs.programs.len();
        let mut targets = Vec::new();
        let mut targets_of: Vec<Vec<u32>> = vec![Vec::new(); programs];
        let mut unmatched = 0.0;
        for (target, weight) in leavers {
            let able: Vec<usize> = self
                .prepared
                .reach
                .candidates(target)
                .iter()
                .copied()
                .filter(|k| self.inputs.programs[*k].entry_grade == grade)
                .collect();
            if able.is_empty() {
                unmatched += weight;
                continue;
            }
            let index = u32::try_from(targets.len()).unwrap_or(u32::MAX);
            for k in able {
                targets_of[k].push(index);
            }
            targets.push(SliceTarget {
                weight,
                matching: Vec::new(),
                seats: 0.0,
            });
        }
        Slice {
            year,
            grade,
            seats: vec![0.0; programs],
            eligible: Vec::new(),
            all_seats: 0.0,
            pool: 0.0,
            targets,
            unmatched,
            rate: vec![0.0; programs],
            targets_of,
        }
    }

    /// Steps 2 and 3 for one slice from the current seats: its rates, and
    /// the retained graduates of its cohorts.
    fn distribute(&mut self, index: usize) {
        let (year, grade) = (self.slices[index].year, self.slices[index].grade);
        let slice = &mut self.slices[index];
        slice.eligible.clear();
        slice.all_seats = 0.0;
        for (k, program) in self.inputs.programs.iter().enumerate() {
            let seats = if program.entry_grade == grade {
                program
                    .seats_in(year)
                    .map_or(0.0, |s| f64::from(s.seats.max(0)))
            } else {
                0.0
            };
            slice.seats[k] = seats;
            if seats > 0.0 {
                slice.eligible.push(k);
                slice.all_seats += seats;
            }
        }
        slice.rate.iter_mut().for_each(|rate| *rate = 0.0);
        slice.pool = slice.unmatched;
        for t in &mut slice.targets {
            t.matching.clear();
            t.seats = 0.0;
        }
        for (k, targets) in slice.targets_of.iter().enumerate() {
            if slice.seats[k] > 0.0 {
                for &ti in targets {
                    let t = &mut slice.targets[ti as usize];
                    t.matching.push(k);
                    t.seats += slice.seats[k];
                }
            }
        }
        for t in &slice.targets {
            if t.matching.is_empty() {
                slice.pool += t.weight;
            } else {
                for &k in &t.matching {
                    slice.rate[k] += t.weight / t.seats;
                }
            }
        }
        let pool_rate = pool_rate(slice.pool, slice.all_seats);
        let offset = (year - self.first_year) as usize;
        for (k, program) in self.inputs.programs.iter().enumerate() {
            if program.entry_grade != grade {
                continue;
            }
            let applicants = slice.seats[k] * (slice.rate[k] + pool_rate);
            self.retained[k][offset] = retained_of(program, year, applicants, &self.scaling);
        }
    }

    fn supply_from_scratch(&self) -> Vec<f64> {
        let mut supply = vec![0.0; self.prepared.grid.cells()];
        let window = self.prepared.window;
        // Cohorts known only from enrollment records do not depend on seats.
        let fixed = self.prepared.supply(
            &super::engine::Flow {
                cohorts: self
                    .prepared
                    .flow(
                        self.parameters.after_grade_9_share,
                        self.parameters.after_grade_11_share,
                    )
                    .cohorts
                    .into_iter()
                    .filter(|c| c.start_year <= window.as_of)
                    .collect(),
                unplaced: BTreeMap::new(),
            },
            self.scaling,
        );
        for (cell, value) in fixed.iter().enumerate() {
            supply[cell] += value;
        }
        for (k, by_year) in self.retained.iter().enumerate() {
            for (offset, retained) in by_year.iter().enumerate() {
                if *retained != 0.0 {
                    let start_year = self.first_year + offset as i32;
                    cells_of(self.prepared, &self.inputs, k, start_year, |cell, share| {
                        supply[cell] += share * retained;
                    });
                }
            }
        }
        supply
    }

    /// The years a step for program `k` in `year` changes: from `year` to
    /// the program's next intake record, within the simulation.
    fn carried_years(&self, k: usize, year: i32) -> Vec<i32> {
        let next = self.inputs.programs[k]
            .intakes
            .range((year + 1)..)
            .next()
            .map_or(i32::MAX, |(y, _)| *y);
        (year..next.min(self.prepared.window.to + 1))
            .filter(|y| *y > self.prepared.window.as_of)
            .collect()
    }

    /// The objective with `step` more seats for program `k` in every year of `years`.
    fn evaluate(&mut self, k: usize, years: &[i32], step: f64) -> f64 {
        let grade = self.inputs.programs[k].entry_grade;
        for &year in years {
            let Some(index) = self.slice_index(year, grade) else {
                continue;
            };
            self.change_slice(index, k, step);
        }
        let mut objective = self.objective;
        for &cell in &self.touched_cells {
            let before = self.supply[cell];
            let after = before + self.supply_change[cell];
            objective +=
                (self.demand[cell] - after).max(0.0) - (self.demand[cell] - before).max(0.0);
            self.supply_change[cell] = 0.0;
        }
        self.touched_cells.clear();
        objective
    }

    /// Adds to the supply change what `step` more seats for `k` in one slice do.
    fn change_slice(&mut self, index: usize, k: usize, step: f64) {
        let slice = &self.slices[index];
        let was_eligible = slice.seats[k] > 0.0;
        let mut pool = slice.pool;
        for &ti in &slice.targets_of[k] {
            let t = &slice.targets[ti as usize];
            let seats = t.seats + step;
            if t.matching.is_empty() {
                pool -= t.weight;
            } else {
                for &j in &t.matching {
                    if self.rate_change[j] == 0.0 {
                        self.touched_programs.push(j);
                    }
                    self.rate_change[j] += t.weight / seats - t.weight / t.seats;
                }
            }
            if !was_eligible || t.matching.is_empty() {
                if self.rate_change[k] == 0.0 {
                    self.touched_programs.push(k);
                }
                self.rate_change[k] += t.weight / seats;
            }
        }
        let pool_rate = pool_rate(pool, slice.all_seats + step);
        let offset = (slice.year - self.first_year) as usize;
        let year = slice.year;
        let newcomer = (!was_eligible).then_some(k);
        for j in slice.eligible.iter().copied().chain(newcomer) {
            let program = &self.inputs.programs[j];
            let seats = slice.seats[j] + if j == k { step } else { 0.0 };
            let applicants = seats * (slice.rate[j] + self.rate_change[j] + pool_rate);
            let retained = retained_with_seats(program, year, applicants, seats, &self.scaling);
            let change = retained - self.retained[j][offset];
            if change != 0.0 {
                let touched = &mut self.touched_cells;
                let supply_change = &mut self.supply_change;
                cells_of(self.prepared, &self.inputs, j, year, |cell, share| {
                    if supply_change[cell] == 0.0 {
                        touched.push(cell);
                    }
                    supply_change[cell] += share * change;
                });
            }
        }
        for j in self.touched_programs.drain(..) {
            self.rate_change[j] = 0.0;
        }
    }

    /// Takes the step: the program's seats in `year` grow by `step` and every
    /// changed distribution, cohort and cell is brought up to date.
    fn take(&mut self, k: usize, year: i32, step: i32) -> i32 {
        let years = self.carried_years(k, year);
        let before = add_seats(&mut self.inputs, k, year, step);
        let grade = self.inputs.programs[k].entry_grade;
        for year in years {
            let Some(index) = self.slice_index(year, grade) else {
                continue;
            };
            let offset = (year - self.first_year) as usize;
            let old: Vec<(usize, f64)> = (0..self.inputs.programs.len())
                .map(|j| (j, self.retained[j][offset]))
                .collect();
            self.distribute(index);
            for (j, old) in old {
                let change = self.retained[j][offset] - old;
                if change != 0.0 {
                    let supply = &mut self.supply;
                    cells_of(self.prepared, &self.inputs, j, year, |cell, share| {
                        supply[cell] += share * change
                    });
                }
            }
        }
        self.objective = unmet(&self.supply, &self.demand);
        before
    }
}

/// Calls `visit(cell, share)` for each cell the cohort of program `k`
/// starting in `start_year` graduates into, within the window.
fn cells_of(
    prepared: &Prepared<'_>,
    inputs: &Inputs,
    k: usize,
    start_year: i32,
    mut visit: impl FnMut(usize, f64),
) {
    let grid = &prepared.grid;
    let graduation = start_year + inputs.programs[k].study_years();
    if graduation < grid.from || graduation > grid.to {
        return;
    }
    let column = (graduation - grid.from) as usize;
    let years = grid.years();
    for (row, share) in &prepared.supplies[k] {
        visit(row * years + column, *share);
    }
}

fn pool_rate(pool: f64, all_seats: f64) -> f64 {
    if all_seats > 0.0 {
        pool / all_seats
    } else {
        0.0
    }
}

/// Step 3 and 4 for one modelled cohort: retained graduates from its applicants.
fn retained_of(program: &ProgramInput, year: i32, applicants: f64, scaling: &Scaling) -> f64 {
    let seats = program
        .seats_in(year)
        .map_or(0.0, |s| f64::from(s.seats.max(0)));
    retained_with_seats(program, year, applicants, seats, scaling)
}

fn retained_with_seats(
    program: &ProgramInput,
    year: i32,
    applicants: f64,
    seats: f64,
    scaling: &Scaling,
) -> f64 {
    let intake = match program.enrollments.get(&year) {
        Some(students) => f64::from(*students),
        None => applicants.min(seats),
    };
    if intake <= 0.0 {
        return 0.0;
    }
    let targeted = f64::from(program.seats_in(year).map_or(0, |s| s.targeted)).min(intake);
    scaling.retained_parts(program, intake, targeted)
}

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

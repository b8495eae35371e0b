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
    /// The entries (eligible programs) it matches.
    matching: Vec<u32>,
    /// Their seats.
    seats: f64,
}

/// An eligible program of a slice, with what its cohort needs precomputed:
/// its applicants are `seats * (rate + pool / all_seats)`, its retained
/// graduates `c_rt * targeted + c_r * (intake - targeted)`.
#[derive(Debug, Clone)]
struct Entry {
    program: usize,
    seats: f64,
    rate: f64,
    targeted_seats: f64,
    c_rt: f64,
    c_r: f64,
    /// An actual enrollment fixes the intake: the distribution does not change it.
    fixed: bool,
    retained: f64,
    /// The cells its cohort graduates into, with the program's shares.
    cells: Vec<(usize, f64)>,
}

impl Entry {
    fn retained(&self, applicants: f64, seats: f64) -> f64 {
        let intake = applicants.min(seats);
        if intake <= 0.0 {
            return 0.0;
        }
        let targeted = self.targeted_seats.min(intake);
        self.c_rt * targeted + self.c_r * (intake - targeted)
    }
}

/// The distribution of one (exit year, entry grade), as rates.
#[derive(Debug, Clone)]
struct Slice {
    year: i32,
    grade: i32,
    entries: Vec<Entry>,
    /// Each program's entry, or `u32::MAX` when it is not eligible.
    entry_of: Vec<u32>,
    all_seats: f64,
    pool: f64,
    /// The leavers interested in something some program of this grade trains.
    targets: Vec<SliceTarget>,
    /// Leavers interested in nothing a program of this grade trains.
    unmatched: f64,
    /// For each program index, the targets (indices into `targets`) it could take.
    targets_of: Vec<Vec<u32>>,
}

const NOT_ELIGIBLE: u32 = u32::MAX;

/// The planner's whole state: the inputs as planned so far, each
/// distribution with its cohorts, the supply.
struct State<'p> {
    prepared: &'p Prepared<'p>,
    parameters: Parameters,
    scaling: Scaling,
    inputs: Inputs,
    /// By (year - first simulated year) * 2 + (grade == 11).
    slices: Vec<Slice>,
    first_year: i32,
    supply: Vec<f64>,
    demand: Vec<f64>,
    objective: f64,
    /// Scratch for evaluations: rate changes by entry, supply changes by cell.
    rate_change: Vec<f64>,
    touched_entries: Vec<u32>,
    supply_change: Vec<f64>,
    touched_cells: Vec<usize>,
}

impl<'p> State<'p> {
    fn new(prepared: &'p Prepared<'p>, parameters: &Parameters, inputs: Inputs) -> Self {
        let window = prepared.window;
        let first_year = window.as_of + 1;
        let years = usize::try_from(window.to - window.as_of).unwrap_or(0);
        let cells = prepared.grid.cells();
        let mut state = Self {
            prepared,
            parameters: *parameters,
            scaling: Scaling::of(parameters),
            inputs,
            slices: Vec::with_capacity(years * 2),
            first_year,
            supply: vec![0.0; cells],
            demand: prepared.demand(),
            objective: 0.0,
            rate_change: Vec::new(),
            touched_entries: Vec::new(),
            supply_change: vec![0.0; cells],
            touched_cells: Vec::new(),
        };
        // Cohorts with an actual enrollment (and all that started by as_of) do not depend on seats.
        let flow = prepared.flow(
            parameters.after_grade_9_share,
            parameters.after_grade_11_share,
        );
        for cohort in flow.cohorts.iter().filter(|c| c.actual) {
            let program = &state.inputs.programs[cohort.program];
            let retained = state.scaling.retained(program, cohort);
            cells_of(
                prepared,
                &state.inputs,
                cohort.program,
                cohort.start_year,
                |cell, share| {
                    state.supply[cell] += share * retained;
                },
            );
        }
        for offset in 0..years {
            let year = first_year + offset as i32;
            for grade in [9, 11] {
                let slice = state.slice_skeleton(year, grade);
                state.slices.push(slice);
            }
        }
        for index in 0..state.slices.len() {
            state.distribute(index);
            state.add_slice_supply(index, 1.0);
        }
        let widest = state
            .slices
            .iter()
            .map(|s| s.entries.len())
            .max()
            .unwrap_or(0);
        state.rate_change = vec![0.0; widest + 1];
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
            entries: Vec::new(),
            entry_of: vec![NOT_ELIGIBLE; programs],
            all_seats: 0.0,
            pool: 0.0,
            targets,
            unmatched,
            targets_of,
        }
    }

    /// An entry for program `k` in `year` with `seats`, its rate to be filled in.
    fn entry(&self, k: usize, year: i32, seats: f64) -> Entry {
        let program = &self.inputs.programs[k];
        let completion = program.completion(self.scaling.annual_dropout_rate);
        let mut cells = Vec::new();
        cells_of(self.prepared, &self.inputs, k, year, |cell, share| {
            cells.push((cell, share));
        });
        Entry {
            program: k,
            seats,
            rate: 0.0,
            targeted_seats: f64::from(program.seats_in(year).map_or(0, |s| s.targeted)),
            c_rt: completion * self.scaling.targeted_retention_rate,
            c_r: completion * self.scaling.retention_rate,
            fixed: program.enrollments.contains_key(&year),
            retained: 0.0,
            cells,
        }
    }

    /// Steps 2 and 3 for one slice from the current seats: its entries,
    /// their rates, and the retained graduates of their cohorts.
    fn distribute(&mut self, index: usize) {
        let (year, grade) = (self.slices[index].year, self.slices[index].grade);
        let mut entries = Vec::new();
        for (k, program) in self.inputs.programs.iter().enumerate() {
            if program.entry_grade != grade {
                continue;
            }
            let seats = program.seats_in(year).map_or(0, |s| s.seats.max(0));
            if seats > 0 {
                entries.push(self.entry(k, year, f64::from(seats)));
            }
        }
        let slice = &mut self.slices[index];
        slice.entry_of.iter_mut().for_each(|e| *e = NOT_ELIGIBLE);
        slice.all_seats = 0.0;
        for (e, entry) in entries.iter().enumerate() {
            slice.entry_of[entry.program] = e as u32;
            slice.all_seats += entry.seats;
        }
        slice.pool = slice.unmatched;
        for t in &mut slice.targets {
            t.matching.clear();
            t.seats = 0.0;
        }
        for (e, entry) in entries.iter().enumerate() {
            for &ti in &slice.targets_of[entry.program] {
                let t = &mut slice.targets[ti as usize];
                t.matching.push(e as u32);
                t.seats += entry.seats;
            }
        }
        for t in &slice.targets {
            if t.matching.is_empty() {
                slice.pool += t.weight;
            } else {
                for &e in &t.matching {
                    entries[e as usize].rate += t.weight / t.seats;
                }
            }
        }
        let pool_rate = pool_rate(slice.pool, slice.all_seats);
        for entry in &mut entries {
            entry.retained = if entry.fixed {
                0.0
            } else {
                entry.retained(entry.seats * (entry.rate + pool_rate), entry.seats)
            };
        }
        slice.entries = entries;
    }

    /// Adds (`sign` 1) or takes away (-1) the supply of a slice's modelled cohorts.
    fn add_slice_supply(&mut self, index: usize, sign: f64) {
        for entry in &self.slices[index].entries {
            for (cell, share) in &entry.cells {
                self.supply[*cell] += sign * share * entry.retained;
            }
        }
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
            if let Some(index) = self.slice_index(year, grade) {
                self.change_slice(index, k, step);
            }
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
        let own = slice.entry_of[k];
        // A program that is not eligible yet joins with a rate of its own.
        let mut newcomer_rate = 0.0;
        let mut pool = slice.pool;
        for &ti in &slice.targets_of[k] {
            let t = &slice.targets[ti as usize];
            let seats = t.seats + step;
            if t.matching.is_empty() {
                pool -= t.weight;
                newcomer_rate += t.weight / seats;
                continue;
            }
            let change = t.weight / seats - t.weight / t.seats;
            for &e in &t.matching {
                if self.rate_change[e as usize] == 0.0 {
                    self.touched_entries.push(e);
                }
                self.rate_change[e as usize] += change;
            }
            if own == NOT_ELIGIBLE {
                newcomer_rate += t.weight / seats;
            }
        }
        let pool_rate = pool_rate(pool, slice.all_seats + step);
        let touched = &mut self.touched_cells;
        let supply_change = &mut self.supply_change;
        let mut add = |entry: &Entry, retained: f64| {
            let change = retained - entry.retained;
            if change != 0.0 {
                for (cell, share) in &entry.cells {
                    if supply_change[*cell] == 0.0 {
                        touched.push(*cell);
                    }
                    supply_change[*cell] += share * change;
                }
            }
        };
        for (e, entry) in slice.entries.iter().enumerate() {
            if entry.fixed {
                continue;
            }
            let seats = if e as u32 == own {
                entry.seats + step
            } else {
                entry.seats
            };
            let applicants = seats * (entry.rate + self.rate_change[e] + pool_rate);
            add(entry, entry.retained(applicants, seats));
        }
        if own == NOT_ELIGIBLE {
            let year = slice.year;
            let entry = self.entry(k, year, step);
            if !entry.fixed {
                let applicants = step * (newcomer_rate + pool_rate);
                let retained = entry.retained(applicants, step);
                let touched = &mut self.touched_cells;
                let supply_change = &mut self.supply_change;
                for (cell, share) in &entry.cells {
                    if supply_change[*cell] == 0.0 {
                        touched.push(*cell);
                    }
                    supply_change[*cell] += share * retained;
                }
            }
        }
        for e in self.touched_entries.drain(..) {
            self.rate_change[e as usize] = 0.0;
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
            self.add_slice_supply(index, -1.0);
            self.distribute(index);
            self.add_slice_supply(index, 1.0);
            let width = self.slices[index].entries.len() + 1;
            if self.rate_change.len() < width {
                self.rate_change.resize(width, 0.0);
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

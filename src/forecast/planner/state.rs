//! The fast planner's state: each (exit year, entry grade) distribution
//! kept as rates with its cohorts, so that adding seats to one program
//! changes only the slices and cells it touches.

use super::request::add_seats;
use crate::forecast::engine::{LeavingShares, Prepared, Scaling, unmet};
use crate::forecast::model::{Inputs, Parameters};

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
pub(super) struct State<'p> {
    prepared: &'p Prepared<'p>,
    parameters: Parameters,
    scaling: Scaling,
    pub(super) inputs: Inputs,
    /// By (year - first simulated year) * 2 + (grade == 11).
    slices: Vec<Slice>,
    first_year: i32,
    supply: Vec<f64>,
    demand: Vec<f64>,
    pub(super) objective: f64,
    /// Scratch for evaluations: rate changes by entry, supply changes by cell.
    rate_change: Vec<f64>,
    touched_entries: Vec<u32>,
    supply_change: Vec<f64>,
    touched_cells: Vec<usize>,
}

impl<'p> State<'p> {
    pub(super) fn new(prepared: &'p Prepared<'p>, parameters: &Parameters, inputs: Inputs) -> Self {
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
        let flow = prepared.flow(LeavingShares::of(parameters));
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
        let leavers = self
            .prepared
            .paths
            .leavers(year, grade, LeavingShares::of(&self.parameters));
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
    pub(super) fn carried_years(&self, k: usize, year: i32) -> Vec<i32> {
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
    pub(super) fn evaluate(&mut self, k: usize, years: &[i32], step: f64) -> f64 {
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
    pub(super) fn take(&mut self, k: usize, year: i32, step: i32) -> i32 {
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

//! The cohort-flow model of docs/forecast.md, step by step, on aggregates; no HTTP, no SQL.
//!
//! One simulation runs from the academic year in progress (`as_of`); `from`
//! and `to` only choose which years' rows come out, so a cell has the same
//! value in every window that contains it. Of the five parameters only the
//! two school-leaving shares change who applies where (steps 1 to 3, a
//! `Flow`); completion and retention scale each cohort's graduates linearly,
//! so the 33 runs of the low and high variants need five flows, not 33.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::model::{
    Bounds, Cohort, Forecast, Inputs, Parameters, ProgramInput, Row, Seats, Target, Unplaced,
};

/// Which years the simulation starts from and which rows it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The academic year in progress: the simulation starts here.
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
}

/// Step 1: the exit years and weights a pupil recorded in `grade` as of
/// `academic_year` contributes: `(entry grade, exit year, weight)`.
pub fn contributions(
    grade: i32,
    academic_year: i32,
    parameters: &Parameters,
) -> Vec<(i32, i32, f64)> {
    let exit_year = |completed: i32| academic_year + (completed - grade) + 1;
    let p9 = parameters.after_grade_9_share;
    let p11 = parameters.after_grade_11_share;
    if grade <= 9 {
        vec![(9, exit_year(9), p9), (11, exit_year(11), (1.0 - p9) * p11)]
    } else {
        vec![(11, exit_year(11), p11)]
    }
}

/// Which programs an interest can reach: by profession and by cluster.
pub(crate) struct Reach {
    by_profession: HashMap<i64, Vec<usize>>,
    by_cluster: HashMap<i64, Vec<usize>>,
}

impl Reach {
    fn new(inputs: &Inputs) -> Self {
        let mut by_profession: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut by_cluster: HashMap<i64, Vec<usize>> = HashMap::new();
        for (k, program) in inputs.programs.iter().enumerate() {
            let mut clusters = HashSet::new();
            for (profession_id, _) in &program.professions {
                by_profession.entry(*profession_id).or_default().push(k);
                if let Some(profession) = inputs.professions.get(profession_id) {
                    clusters.insert(profession.cluster_id);
                }
            }
            for cluster_id in clusters {
                by_cluster.entry(cluster_id).or_default().push(k);
            }
        }
        Self {
            by_profession,
            by_cluster,
        }
    }

    /// The programs (by index, ascending) that train for what `target` names.
    pub(crate) fn candidates(&self, target: Target) -> &[usize] {
        let found = match target {
            Target::Profession(id) => self.by_profession.get(&id),
            Target::Cluster(id) => self.by_cluster.get(&id),
            Target::Open => None,
        };
        found.map_or(&[], Vec::as_slice)
    }
}

pub(crate) type ByTarget = BTreeMap<Target, f64>;

/// Step 1 before the shares: pupils per exit year and target on each path.
/// With the shares, leavers of (E, 9) are `p9 * after_9[E]` and leavers of
/// (E, 11) are `(1 - p9) * p11 * on_to_11[E] + p11 * from_10[E]`.
#[derive(Debug, Default)]
pub(crate) struct Paths {
    after_9: BTreeMap<i32, ByTarget>,
    on_to_11: BTreeMap<i32, ByTarget>,
    from_10: BTreeMap<i32, ByTarget>,
}

impl Paths {
    fn new(inputs: &Inputs, window: Window) -> Self {
        let mut paths = Paths::default();
        let simulated = |year: i32| year > window.as_of && year <= window.to;
        let mut add = |grade: i32, academic_year: i32, target: Target, pupils: f64| {
            let exit_year = |completed: i32| academic_year + (completed - grade) + 1;
            let put = |map: &mut BTreeMap<i32, ByTarget>, year: i32| {
                if simulated(year) {
                    *map.entry(year).or_default().entry(target).or_default() += pupils;
                }
            };
            if grade <= 9 {
                put(&mut paths.after_9, exit_year(9));
                put(&mut paths.on_to_11, exit_year(11));
            } else {
                put(&mut paths.from_10, exit_year(11));
            }
        };
        for mass in &inputs.interests {
            add(mass.grade, mass.academic_year, mass.target, mass.pupils);
        }
        for count in &inputs.younger {
            // Only cohorts still below grade 5 now: older ones are pupil records by now.
            if count.grade + (window.as_of - count.academic_year) <= 4 {
                add(count.grade, count.academic_year, Target::Open, count.pupils);
            }
        }
        paths
    }

    /// Exit years with any leavers.
    pub(crate) fn years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .after_9
            .keys()
            .chain(self.on_to_11.keys())
            .chain(self.from_10.keys())
            .copied()
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    /// The leavers of exit year `year` and entry grade `grade` by target.
    pub(crate) fn leavers(&self, year: i32, grade: i32, p9: f64, p11: f64) -> ByTarget {
        let mut leavers = ByTarget::new();
        let mut add = |map: &BTreeMap<i32, ByTarget>, weight: f64| {
            if weight <= 0.0 {
                return;
            }
            for (target, pupils) in map.get(&year).into_iter().flatten() {
                *leavers.entry(*target).or_default() += weight * pupils;
            }
        };
        if grade == 9 {
            add(&self.after_9, p9);
        } else {
            add(&self.on_to_11, (1.0 - p9) * p11);
            add(&self.from_10, p11);
        }
        leavers
    }
}

/// Steps 1 to 3 for one pair of school-leaving shares: who applied where,
/// the cohorts that started, and who found no regional place.
#[derive(Debug, Clone)]
pub struct Flow {
    pub cohorts: Vec<FlowCohort>,
    /// Per (exit year, entry grade), for simulated years only.
    pub unplaced: BTreeMap<(i32, i32), f64>,
}

/// A cohort as the flow knows it: before completion and retention.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowCohort {
    /// The program's index in `Inputs::programs`.
    pub program: usize,
    pub start_year: i32,
    pub applicants: Option<f64>,
    pub seats: i32,
    pub seats_from_year: Option<i32>,
    pub intake: f64,
    pub actual: bool,
    pub targeted: f64,
    pub graduation_year: i32,
}

/// Completion and retention: the parameters that scale a cohort's graduates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    pub annual_dropout_rate: f64,
    pub retention_rate: f64,
    pub targeted_retention_rate: f64,
}

impl Scaling {
    pub fn of(parameters: &Parameters) -> Self {
        Self {
            annual_dropout_rate: parameters.annual_dropout_rate,
            retention_rate: parameters.retention_rate,
            targeted_retention_rate: parameters.targeted_retention_rate,
        }
    }

    /// Step 4: the graduates of a cohort who stay in the region and the profession.
    pub fn retained(&self, program: &ProgramInput, cohort: &FlowCohort) -> f64 {
        self.retained_parts(program, cohort.intake, cohort.targeted)
    }

    /// The same from a cohort's intake and its targeted part.
    pub fn retained_parts(&self, program: &ProgramInput, intake: f64, targeted: f64) -> f64 {
        program.completion(self.annual_dropout_rate)
            * (targeted * self.targeted_retention_rate + (intake - targeted) * self.retention_rate)
    }
}

/// The rows' professions in order (by code, then id) and the years shown.
#[derive(Debug, Clone)]
pub struct Grid {
    pub professions: Vec<i64>,
    position: HashMap<i64, usize>,
    pub from: i32,
    pub to: i32,
}

impl Grid {
    /// Every profession some program trains or some demand record names.
    fn new(inputs: &Inputs, from: i32, to: i32) -> Self {
        let mut ids: HashSet<i64> = inputs
            .programs
            .iter()
            .flat_map(|p| p.professions.iter())
            .filter(|(_, share)| *share > 0.0)
            .map(|(id, _)| *id)
            .collect();
        ids.extend(inputs.demand.keys().map(|(id, _)| *id));
        let code = |id: &i64| {
            inputs
                .professions
                .get(id)
                .map_or(String::new(), |p| p.code.clone())
        };
        let mut professions: Vec<i64> = ids.into_iter().collect();
        professions.sort_by_key(|id| (code(id), *id));
        let position = professions
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        Self {
            professions,
            position,
            from,
            to,
        }
    }

    pub fn years(&self) -> usize {
        usize::try_from(self.to - self.from + 1).unwrap_or(0)
    }

    pub fn cells(&self) -> usize {
        self.professions.len() * self.years()
    }

    /// The cell of (profession, year), if it is in the grid.
    pub fn cell(&self, profession_id: i64, year: i32) -> Option<usize> {
        if year < self.from || year > self.to {
            return None;
        }
        let row = *self.position.get(&profession_id)?;
        Some(row * self.years() + usize::try_from(year - self.from).ok()?)
    }
}

/// The inputs made ready for many runs: indexes built once, leavers summed once.
pub struct Prepared<'a> {
    pub inputs: &'a Inputs,
    pub window: Window,
    pub(crate) reach: Reach,
    pub(crate) paths: Paths,
    pub grid: Grid,
    /// For each program, the grid rows it supplies and its share of each.
    pub(crate) supplies: Vec<Vec<(usize, f64)>>,
}

impl<'a> Prepared<'a> {
    pub fn new(inputs: &'a Inputs, window: Window) -> Self {
        let grid = Grid::new(inputs, window.from, window.to);
        let supplies = inputs
            .programs
            .iter()
            .map(|program| {
                program
                    .professions
                    .iter()
                    .filter_map(|(id, share)| grid.position.get(id).map(|row| (*row, *share)))
                    .collect()
            })
            .collect();
        Self {
            inputs,
            window,
            reach: Reach::new(inputs),
            paths: Paths::new(inputs, window),
            grid,
            supplies,
        }
    }

    /// Steps 1 to 3 with the school-leaving shares `p9` and `p11`.
    pub fn flow(&self, p9: f64, p11: f64) -> Flow {
        let mut applicants: HashMap<(usize, i32), f64> = HashMap::new();
        let mut unplaced: BTreeMap<(i32, i32), f64> = BTreeMap::new();
        for year in self.paths.years() {
            for grade in [9, 11] {
                let leavers = self.paths.leavers(year, grade, p9, p11);
                if leavers.is_empty() {
                    continue;
                }
                let pool = self.distribute(year, grade, &leavers, &mut applicants);
                if pool > 0.0 {
                    *unplaced.entry((year, grade)).or_default() += pool;
                }
            }
        }
        let cohorts = self.intakes(&applicants, &mut unplaced);
        Flow { cohorts, unplaced }
    }

    /// Step 2 for one exit year and entry grade: adds each eligible
    /// program's applicants; returns the pool that found no eligible program.
    fn distribute(
        &self,
        year: i32,
        grade: i32,
        leavers: &ByTarget,
        applicants: &mut HashMap<(usize, i32), f64>,
    ) -> f64 {
        let eligible: Vec<(usize, f64)> = self
            .inputs
            .programs
            .iter()
            .enumerate()
            .filter(|(_, program)| program.entry_grade == grade)
            .filter_map(|(k, program)| {
                program
                    .seats_in(year)
                    .filter(|seats| seats.seats > 0)
                    .map(|seats| (k, f64::from(seats.seats)))
            })
            .collect();
        let seats_of: HashMap<usize, f64> = eligible.iter().copied().collect();
        let mut pool = 0.0;
        for (&target, &weight) in leavers {
            let matching: Vec<(usize, f64)> = self
                .reach
                .candidates(target)
                .iter()
                .filter_map(|k| seats_of.get(k).map(|seats| (*k, *seats)))
                .collect();
            if matching.is_empty() {
                pool += weight;
            } else {
                split_by_seats(weight, &matching, year, applicants);
            }
        }
        if eligible.is_empty() {
            pool
        } else {
            split_by_seats(pool, &eligible, year, applicants);
            0.0
        }
    }

    /// Step 3: every cohort that graduates in the window, modelled from
    /// applicants (start years after `as_of`) or taken from an enrollment record.
    fn intakes(
        &self,
        applicants: &HashMap<(usize, i32), f64>,
        unplaced: &mut BTreeMap<(i32, i32), f64>,
    ) -> Vec<FlowCohort> {
        let Window { as_of, from, to } = self.window;
        let mut cohorts = Vec::new();
        for (k, program) in self.inputs.programs.iter().enumerate() {
            let years = program.study_years();
            let mut start_years: Vec<i32> = ((as_of + 1)..=to).collect();
            start_years.extend(program.enrollments.keys().copied().filter(|y| *y <= as_of));
            start_years.sort_unstable();
            for start_year in start_years {
                let record = program.seats_record(start_year);
                let seats = record.map_or(
                    Seats {
                        seats: 0,
                        targeted: 0,
                    },
                    |(_, seats)| seats,
                );
                let modelled = (start_year > as_of)
                    .then(|| applicants.get(&(k, start_year)).copied().unwrap_or(0.0));
                if let Some(applied) = modelled
                    && seats.seats > 0
                {
                    let over = applied - f64::from(seats.seats);
                    if over > 0.0 {
                        *unplaced
                            .entry((start_year, program.entry_grade))
                            .or_default() += over;
                    }
                }
                let actual = program.enrollments.get(&start_year).copied();
                let intake = match (actual, modelled) {
                    (Some(students), _) => f64::from(students),
                    (None, Some(applied)) => applied.min(f64::from(seats.seats.max(0))),
                    (None, None) => 0.0,
                };
                let graduation_year = start_year + years;
                if intake <= 0.0 || graduation_year < from || graduation_year > to {
                    continue;
                }
                cohorts.push(FlowCohort {
                    program: k,
                    start_year,
                    applicants: modelled,
                    seats: seats.seats,
                    seats_from_year: record.map(|(year, _)| year),
                    intake,
                    actual: actual.is_some(),
                    targeted: f64::from(seats.targeted).min(intake),
                    graduation_year,
                });
            }
        }
        cohorts
    }

    /// Step 4: supply per grid cell from a flow's cohorts with one scaling.
    pub fn supply(&self, flow: &Flow, scaling: Scaling) -> Vec<f64> {
        let mut supply = vec![0.0; self.grid.cells()];
        for cohort in &flow.cohorts {
            let program = &self.inputs.programs[cohort.program];
            let retained = scaling.retained(program, cohort);
            self.add_cohort(&mut supply, cohort, retained);
        }
        supply
    }

    fn add_cohort(&self, supply: &mut [f64], cohort: &FlowCohort, retained: f64) {
        let years = self.grid.years();
        let Ok(column) = usize::try_from(cohort.graduation_year - self.grid.from) else {
            return;
        };
        if column >= years {
            return;
        }
        for (row, share) in &self.supplies[cohort.program] {
            supply[row * years + column] += share * retained;
        }
    }

    /// The supply of one cell with one flow and one scaling.
    pub fn cell_supply(&self, flow: &Flow, scaling: Scaling, profession_id: i64, year: i32) -> f64 {
        flow.cohorts
            .iter()
            .filter(|cohort| cohort.graduation_year == year)
            .map(|cohort| {
                let program = &self.inputs.programs[cohort.program];
                program.share_of(profession_id) * scaling.retained(program, cohort)
            })
            .sum()
    }

    /// Step 7: the smallest and largest supply of every cell over the 32
    /// corners of the bounds and the central run (`central`).
    pub fn variants(&self, bounds: &Bounds, central: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut low = central.to_vec();
        let mut high = central.to_vec();
        let [p9, p11, a, r, rt] = bounds.all();
        for p9 in [p9.low, p9.high] {
            for p11 in [p11.low, p11.high] {
                let flow = self.flow(p9, p11);
                for annual_dropout_rate in [a.low, a.high] {
                    for retention_rate in [r.low, r.high] {
                        for targeted_retention_rate in [rt.low, rt.high] {
                            let scaling = Scaling {
                                annual_dropout_rate,
                                retention_rate,
                                targeted_retention_rate,
                            };
                            let supply = self.supply(&flow, scaling);
                            for (i, value) in supply.into_iter().enumerate() {
                                low[i] = low[i].min(value);
                                high[i] = high[i].max(value);
                            }
                        }
                    }
                }
            }
        }
        (low, high)
    }

    /// Step 6: whether every cohort that could graduate into (profession, year) is known.
    pub fn complete(&self, profession_id: i64, year: i32) -> bool {
        let as_of = self.window.as_of;
        self.inputs
            .programs
            .iter()
            .filter(|program| program.share_of(profession_id) > 0.0)
            .all(|program| {
                let start = year - program.study_years();
                program.enrollments.contains_key(&start)
                    || program.closed_in(start)
                    || (start > as_of && self.cohort_known(start, program.entry_grade))
            })
    }

    /// Whether the leavers of (exit year, entry grade) are pupils kadry knows:
    /// old enough to be records, or counted as younger pupils.
    fn cohort_known(&self, exit_year: i32, entry_grade: i32) -> bool {
        let grade_now = entry_grade - (exit_year - 1 - self.window.as_of);
        if grade_now >= 5 {
            return true;
        }
        self.inputs.younger.iter().any(|count| {
            count.pupils > 0.0
                && count.grade == entry_grade - (exit_year - 1 - count.academic_year)
                && (1..=4).contains(&count.grade)
                && count.grade + (self.window.as_of - count.academic_year) <= 4
        })
    }

    /// Steps 5 and 6: every row of the grid.
    pub fn rows(&self, supply: &[f64], low: &[f64], high: &[f64]) -> Vec<Row> {
        let mut rows = Vec::with_capacity(self.grid.cells());
        for profession_id in &self.grid.professions {
            let profession = self.inputs.professions.get(profession_id);
            for year in self.grid.from..=self.grid.to {
                let Some(cell) = self.grid.cell(*profession_id, year) else {
                    continue;
                };
                let demand = self
                    .inputs
                    .demand
                    .get(&(*profession_id, year))
                    .copied()
                    .unwrap_or(0.0);
                rows.push(Row {
                    profession_id: *profession_id,
                    profession_code: profession.map_or(String::new(), |p| p.code.clone()),
                    profession_title: profession.map_or(String::new(), |p| p.title.clone()),
                    year,
                    demand,
                    supply: supply[cell],
                    gap: demand - supply[cell],
                    coverage: (demand != 0.0).then(|| supply[cell] / demand),
                    complete: self.complete(*profession_id, year),
                    supply_low: low[cell],
                    supply_high: high[cell],
                    gap_low: demand - high[cell],
                    gap_high: demand - low[cell],
                    gap_before: None,
                });
            }
        }
        rows
    }

    /// The cohorts of a flow with their completion and retained graduates.
    pub fn cohorts(&self, flow: &Flow, scaling: Scaling) -> Vec<Cohort> {
        flow.cohorts
            .iter()
            .map(|cohort| {
                let program = &self.inputs.programs[cohort.program];
                Cohort {
                    program_id: program.id,
                    start_year: cohort.start_year,
                    applicants: cohort.applicants,
                    seats: cohort.seats,
                    seats_from_year: cohort.seats_from_year,
                    intake: cohort.intake,
                    actual: cohort.actual,
                    targeted: cohort.targeted,
                    completion_rate: program.completion(scaling.annual_dropout_rate),
                    graduation_year: cohort.graduation_year,
                    retained: scaling.retained(program, cohort),
                }
            })
            .collect()
    }

    /// The whole forecast: the central run, its variants, completeness.
    pub fn forecast(&self, parameters: &Parameters, bounds: &Bounds) -> Forecast {
        let flow = self.flow(
            parameters.after_grade_9_share,
            parameters.after_grade_11_share,
        );
        let scaling = Scaling::of(parameters);
        let supply = self.supply(&flow, scaling);
        let (low, high) = self.variants(bounds, &supply);
        let Window { as_of, from, to } = self.window;
        Forecast {
            as_of,
            rows: self.rows(&supply, &low, &high),
            unplaced: flow
                .unplaced
                .iter()
                .filter(|((year, _), pupils)| (from..=to).contains(year) && **pupils > 1e-9)
                .map(|((year, entry_grade), pupils)| Unplaced {
                    year: *year,
                    entry_grade: *entry_grade,
                    pupils: *pupils,
                })
                .collect(),
            cohorts: self.cohorts(&flow, scaling),
        }
    }

    /// The explanation's sensitivity: the cell's supply with each parameter
    /// at its low and at its high bound, the others at their values.
    pub fn sensitivity(
        &self,
        parameters: &Parameters,
        bounds: &Bounds,
        profession_id: i64,
        year: i32,
    ) -> Vec<Sensitivity> {
        let central = self.flow(
            parameters.after_grade_9_share,
            parameters.after_grade_11_share,
        );
        let values = parameters.values();
        let at = |index: usize, value: f64| {
            let mut changed = values;
            changed[index] = value;
            let changed = Parameters::from_values(changed);
            let flow_changes = index < 2;
            let scaling = Scaling::of(&changed);
            if flow_changes {
                let flow = self.flow(changed.after_grade_9_share, changed.after_grade_11_share);
                self.cell_supply(&flow, scaling, profession_id, year)
            } else {
                self.cell_supply(&central, scaling, profession_id, year)
            }
        };
        bounds
            .all()
            .iter()
            .enumerate()
            .map(|(index, bound)| Sensitivity {
                parameter: super::model::PARAMETER_NAMES[index],
                low: bound.low,
                high: bound.high,
                supply_at_low: at(index, bound.low),
                supply_at_high: at(index, bound.high),
            })
            .collect()
    }
}

/// One bar of the tornado chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub parameter: &'static str,
    pub low: f64,
    pub high: f64,
    pub supply_at_low: f64,
    pub supply_at_high: f64,
}

fn split_by_seats(
    weight: f64,
    programs: &[(usize, f64)],
    year: i32,
    applicants: &mut HashMap<(usize, i32), f64>,
) {
    let seats: f64 = programs.iter().map(|(_, seats)| seats).sum();
    for (k, program_seats) in programs {
        *applicants.entry((*k, year)).or_default() += weight * program_seats / seats;
    }
}

/// Runs the forecast for the rows of `window`, with the variants of `bounds`.
pub fn run(inputs: &Inputs, parameters: &Parameters, bounds: &Bounds, window: Window) -> Forecast {
    Prepared::new(inputs, window).forecast(parameters, bounds)
}

impl Prepared<'_> {
    /// Demand per grid cell.
    pub fn demand(&self) -> Vec<f64> {
        let mut demand = vec![0.0; self.grid.cells()];
        for (&(profession_id, year), headcount) in &self.inputs.demand {
            if let Some(cell) = self.grid.cell(profession_id, year) {
                demand[cell] = *headcount;
            }
        }
        demand
    }
}

/// The unmet demand of a supply grid: the sum over cells of `max(0, demand - supply)`.
pub fn unmet(supply: &[f64], demand: &[f64]) -> f64 {
    supply
        .iter()
        .zip(demand)
        .map(|(supply, demand)| (demand - supply).max(0.0))
        .sum()
}

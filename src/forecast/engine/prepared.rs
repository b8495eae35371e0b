//! The inputs made ready for many runs: indexes built once, leavers summed
//! once; completeness (step 6) and the rows (step 5).

use super::grid::Grid;
use super::paths::Paths;
use super::reach::Reach;
pub use super::window::Window;
use crate::forecast::model::{Inputs, Row};

/// The inputs made ready for many runs: indexes built once, leavers summed once.
pub struct Prepared<'a> {
    pub inputs: &'a Inputs,
    pub window: Window,
    pub(crate) reach: Reach,
    pub(crate) paths: Paths,
    pub grid: Grid,
    /// For each program, the grid rows it supplies and its share of each.
    pub(crate) supplies: Vec<Vec<(usize, f64)>>,
    /// The latest year of demand per profession (step 5).
    pub demand_until: std::collections::HashMap<i64, i32>,
    /// Step 2 on every path with a weight of 1, made at the first flow.
    pub(crate) unit: std::sync::OnceLock<super::unit::UnitDistribution>,
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
            demand_until: inputs.demand_until(),
            unit: std::sync::OnceLock::new(),
        }
    }
}

impl Prepared<'_> {
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
    /// old enough to be records, or counted by a school's counts of grades 1 to 4.
    fn cohort_known(&self, exit_year: i32, entry_grade: i32) -> bool {
        let grade_now = entry_grade - (exit_year - 1 - self.window.as_of);
        grade_now >= 5 || self.paths.counted(exit_year, entry_grade)
    }

    /// Step 5: whether the demand of (profession, year) is known: the year
    /// is at most the latest year of any demand posted for the profession.
    pub fn demand_known(&self, profession_id: i64, year: i32) -> bool {
        self.demand_until
            .get(&profession_id)
            .is_some_and(|until| year <= *until)
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
                    demand_known: self.demand_known(*profession_id, year),
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

//! A whole forecast: the central run, its variants over the corners,
//! completeness, the rows and the cohorts behind them.

use super::flow::Flow;
use super::paths::LeavingShares;
use super::prepared::{Prepared, Window};
use super::supply::Scaling;
use crate::forecast::model::{Bounds, Cohort, DemandUntil, Forecast, Inputs, Parameters, Unplaced};

impl Prepared<'_> {
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
        let flow = self.flow(LeavingShares::of(parameters));
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
            demand_until: self.demand_until_rows(),
        }
    }
}

impl Prepared<'_> {
    /// `demand_until` for every profession of the rows, in the rows' order.
    pub fn demand_until_rows(&self) -> Vec<DemandUntil> {
        self.grid
            .professions
            .iter()
            .map(|profession_id| DemandUntil {
                profession_id: *profession_id,
                year: self.demand_until.get(profession_id).copied(),
            })
            .collect()
    }
}

/// Runs the forecast for the rows of `window`, with the variants of `bounds`.
pub fn run(inputs: &Inputs, parameters: &Parameters, bounds: &Bounds, window: Window) -> Forecast {
    Prepared::new(inputs, window).forecast(parameters, bounds)
}

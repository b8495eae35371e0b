//! Step 4 and the variants of step 7: completion and retention scale each
//! cohort's graduates linearly (`Scaling`), so supply per cell, its low and
//! high over the corners, and a cell's sensitivity reuse a few flows.

use super::flow::{Flow, FlowCohort};
use super::paths::LeavingShares;
use super::prepared::Prepared;
use crate::forecast::model::{
    Bound, Bounds, FLOW_PARAMETERS, PARAMETER_NAMES, Parameters, ProgramInput,
};

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

impl Prepared<'_> {
    /// Step 4: supply per grid cell from a flow's cohorts with one scaling.
    pub fn supply(&self, flow: &Flow, scaling: Scaling) -> Vec<f64> {
        self.supply_parts(flow, scaling.annual_dropout_rate)
            .retained(scaling)
    }

    /// Step 4 before retention, per grid cell: a flow's completing
    /// graduates from targeted seats and from ordinary ones (each cohort's
    /// completion times its profession shares). Supply is linear in the two
    /// retention rates, so one set of parts serves every scaling with the
    /// same dropout rate.
    pub(crate) fn supply_parts(&self, flow: &Flow, annual_dropout_rate: f64) -> SupplyParts {
        let cells = self.grid.cells();
        let mut parts = SupplyParts {
            targeted: vec![0.0; cells],
            ordinary: vec![0.0; cells],
        };
        let years = self.grid.years();
        for cohort in &flow.cohorts {
            let Ok(column) = usize::try_from(cohort.graduation_year - self.grid.from) else {
                continue;
            };
            if column >= years {
                continue;
            }
            let program = &self.inputs.programs[cohort.program];
            let completion = program.completion(annual_dropout_rate);
            let targeted = completion * cohort.targeted;
            let ordinary = completion * (cohort.intake - cohort.targeted);
            for (row, share) in &self.supplies[cohort.program] {
                let cell = row * years + column;
                parts.targeted[cell] += share * targeted;
                parts.ordinary[cell] += share * ordinary;
            }
        }
        parts
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

    /// Step 7: the smallest and largest supply of every cell over the 64
    /// corners of the bounds and the central run (`central`): eight flows
    /// (p9, s10, p11), each with eight scalings.
    pub fn variants(&self, bounds: &Bounds, central: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut low = central.to_vec();
        let mut high = central.to_vec();
        let [p9, s10, p11, a, r, rt] = bounds.all();
        let ends = |bound: Bound| [bound.low, bound.high];
        for p9 in ends(p9) {
            for s10 in ends(s10) {
                for p11 in ends(p11) {
                    let flow = self.flow(LeavingShares::new(p9, s10, p11));
                    for annual_dropout_rate in ends(a) {
                        let parts = self.supply_parts(&flow, annual_dropout_rate);
                        for retention_rate in ends(r) {
                            for targeted_retention_rate in ends(rt) {
                                parts.extend(
                                    retention_rate,
                                    targeted_retention_rate,
                                    &mut low,
                                    &mut high,
                                );
                            }
                        }
                    }
                }
            }
        }
        (low, high)
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
        let central = self.flow(LeavingShares::of(parameters));
        let values = parameters.values();
        let at = |index: usize, value: f64| {
            let mut changed = values;
            changed[index] = value;
            let changed = Parameters::from_values(changed);
            let scaling = Scaling::of(&changed);
            if FLOW_PARAMETERS.contains(&index) {
                let flow = self.flow(LeavingShares::of(&changed));
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
                parameter: PARAMETER_NAMES[index],
                low: bound.low,
                high: bound.high,
                supply_at_low: at(index, bound.low),
                supply_at_high: at(index, bound.high),
            })
            .collect()
    }
}

/// A flow's completing graduates per cell, from targeted and from ordinary seats.
#[derive(Debug, Clone)]
pub(crate) struct SupplyParts {
    targeted: Vec<f64>,
    ordinary: Vec<f64>,
}

impl SupplyParts {
    /// Supply per cell with these retention rates: `rt × targeted + r × ordinary`.
    fn retained(&self, scaling: Scaling) -> Vec<f64> {
        self.targeted
            .iter()
            .zip(&self.ordinary)
            .map(|(t, o)| {
                supply_of(
                    *t,
                    *o,
                    scaling.retention_rate,
                    scaling.targeted_retention_rate,
                )
            })
            .collect()
    }

    /// Widens `low` and `high` to the supply with these retention rates.
    fn extend(&self, r: f64, rt: f64, low: &mut [f64], high: &mut [f64]) {
        for (i, (t, o)) in self.targeted.iter().zip(&self.ordinary).enumerate() {
            let value = supply_of(*t, *o, r, rt);
            low[i] = low[i].min(value);
            high[i] = high[i].max(value);
        }
    }
}

/// One cell's supply from its parts: the same expression wherever it is
/// computed, so that a variant at the central values equals the central run.
fn supply_of(targeted: f64, ordinary: f64, r: f64, rt: f64) -> f64 {
    targeted * rt + ordinary * r
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

//! Steps 2 and 3 for one set of school-leaving shares: who applied where,
//! the cohorts that started (modelled, or from enrollment records), and who
//! found no regional place.

use std::collections::{BTreeMap, HashMap};

use super::paths::{ByTarget, LeavingShares};
use super::prepared::{Prepared, Window};
use super::unit::UnitDistribution;
use crate::forecast::model::Seats;

/// Steps 1 to 3 for one set of school-leaving shares: who applied where,
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

impl Prepared<'_> {
    /// Step 2 on every path with a weight of 1, once.
    fn unit(&self) -> &UnitDistribution {
        self.unit.get_or_init(|| {
            let mut unit = UnitDistribution::default();
            for (path, (grade, leavers)) in self.paths.paths().into_iter().enumerate() {
                for (&year, by_target) in leavers {
                    let pool = self.distribute(year, grade, by_target, &mut unit.applicants[path]);
                    if pool > 0.0 {
                        *unit.pools[path].entry((year, grade)).or_default() += pool;
                    }
                }
            }
            unit
        })
    }

    /// Steps 1 to 3 with the school-leaving shares.
    pub fn flow(&self, shares: LeavingShares) -> Flow {
        let unit = self.unit();
        let mut applicants: HashMap<(usize, i32), f64> = HashMap::new();
        let mut unplaced: BTreeMap<(i32, i32), f64> = BTreeMap::new();
        for (path, weight) in shares.weights().into_iter().enumerate() {
            if weight <= 0.0 {
                continue;
            }
            for (key, applied) in &unit.applicants[path] {
                *applicants.entry(*key).or_default() += weight * applied;
            }
            for (key, pool) in &unit.pools[path] {
                *unplaced.entry(*key).or_default() += weight * pool;
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

//! Step 1: the exit years and weights of school leavers, and the pupils
//! per exit year and interest target on each path through school, summed
//! before the shares so that one sum serves every run.

use std::collections::BTreeMap;

use super::window::Window;
use crate::forecast::model::{Inputs, Parameters, Target};

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
    pub(super) fn new(inputs: &Inputs, window: Window) -> Self {
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

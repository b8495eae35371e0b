//! Step 1: the exit years and weights of school leavers, and the pupils
//! per exit year and interest target on each path through school, summed
//! before the shares so that one sum serves every run.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::window::Window;
use crate::forecast::model::{Inputs, Parameters, Target, staying_share};

/// The three shares that decide who leaves school when and for what:
/// p9, s10 (as a run uses it: at most `1 - p9`) and p11.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeavingShares {
    pub p9: f64,
    pub s10: f64,
    pub p11: f64,
}

impl LeavingShares {
    pub fn of(parameters: &Parameters) -> Self {
        Self::new(
            parameters.after_grade_9_share,
            parameters.continue_to_grade_10_share,
            parameters.after_grade_11_share,
        )
    }

    /// The weight of each path of `Paths::paths`: p9, s10 × p11, p11.
    pub fn weights(&self) -> [f64; 3] {
        [self.p9, self.s10 * self.p11, self.p11]
    }

    /// The shares with `s10` taken as `1 - p9` where `p9 + s10` exceeds 1.
    pub fn new(p9: f64, s10: f64, p11: f64) -> Self {
        Self {
            p9,
            s10: staying_share(p9, s10),
            p11,
        }
    }
}

/// Step 1: the exit years and weights a pupil recorded in `grade` as of
/// `academic_year` contributes: `(entry grade, exit year, weight)`.
pub fn contributions(
    grade: i32,
    academic_year: i32,
    parameters: &Parameters,
) -> Vec<(i32, i32, f64)> {
    let exit_year = |completed: i32| academic_year + (completed - grade) + 1;
    let shares = LeavingShares::of(parameters);
    if grade <= 9 {
        vec![
            (9, exit_year(9), shares.p9),
            (11, exit_year(11), shares.s10 * shares.p11),
        ]
    } else {
        vec![(11, exit_year(11), shares.p11)]
    }
}

/// Step 1's cohort rule for school counts: the pupils of each count that no
/// pupil record of the same school and cohort stands for, as
/// `(grade, academic_year, pupils)` of the count's year. A cohort is the
/// pupils in grade `h_now` during `as_of`; counts of cohorts past grade 11
/// have left school.
pub fn open_counts(inputs: &Inputs, as_of: i32) -> Vec<(i32, i32, f64)> {
    let mut records: HashMap<(i64, i32), i64> = HashMap::new();
    for record in &inputs.records {
        let grade_now = record.grade + (as_of - record.academic_year);
        *records.entry((record.school_id, grade_now)).or_default() += record.pupils;
    }
    inputs
        .counts
        .iter()
        .filter_map(|count| {
            let grade_now = count.grade + (as_of - count.academic_year);
            if grade_now > 11 || !(1..=11).contains(&count.grade) {
                return None;
            }
            let recorded = records
                .get(&(count.school_id, grade_now))
                .copied()
                .unwrap_or(0);
            (count.pupils > recorded).then(|| {
                (
                    count.grade,
                    count.academic_year,
                    (count.pupils - recorded) as f64,
                )
            })
        })
        .collect()
}

pub(crate) type ByTarget = BTreeMap<Target, f64>;

/// Step 1 before the shares: pupils per exit year and target on each path.
/// With the shares, leavers of (E, 9) are `p9 * after_9[E]` and leavers of
/// (E, 11) are `s10 * p11 * on_to_11[E] + p11 * from_10[E]`.
#[derive(Debug, Default)]
pub(crate) struct Paths {
    after_9: BTreeMap<i32, ByTarget>,
    on_to_11: BTreeMap<i32, ByTarget>,
    from_10: BTreeMap<i32, ByTarget>,
    /// Leaver cohorts (exit year, entry grade) that step 6 calls counted:
    /// some school's count of grades 1 to 4 stands for them in step 1.
    counted: HashSet<(i32, i32)>,
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
        let mut counted = HashSet::new();
        for (grade, academic_year, pupils) in open_counts(inputs, window.as_of) {
            add(grade, academic_year, Target::Open, pupils);
            if (1..=4).contains(&grade) {
                counted.insert((academic_year + (9 - grade) + 1, 9));
                counted.insert((academic_year + (11 - grade) + 1, 11));
            }
        }
        paths.counted = counted;
        paths
    }

    /// Whether a school count of grades 1 to 4 stands for the leavers of
    /// (exit year, entry grade).
    pub(crate) fn counted(&self, exit_year: i32, entry_grade: i32) -> bool {
        self.counted.contains(&(exit_year, entry_grade))
    }

    /// The three paths with their entry grade, in the order of
    /// `LeavingShares::weights`: after grade 9, staying on to grade 11,
    /// from grade 10 or 11.
    pub(crate) fn paths(&self) -> [(i32, &BTreeMap<i32, ByTarget>); 3] {
        [
            (9, &self.after_9),
            (11, &self.on_to_11),
            (11, &self.from_10),
        ]
    }

    /// The leavers of exit year `year` and entry grade `grade` by target.
    pub(crate) fn leavers(&self, year: i32, grade: i32, shares: LeavingShares) -> ByTarget {
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
            add(&self.after_9, shares.p9);
        } else {
            add(&self.on_to_11, shares.s10 * shares.p11);
            add(&self.from_10, shares.p11);
        }
        leavers
    }
}

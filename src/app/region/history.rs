//! The demo region's past, made from stated "true" rates that differ by
//! year: every school's counts of grades 1 to 11 (a cohort simulation whose
//! latest year is the pupils the schools register), and for every program
//! the enrollments, graduations and graduates' destinations of the years
//! before `as_of`. The stored parameters are the rates' recent averages, so
//! that the forecast continues the history it was made from. All invented;
//! README says which figures.

use std::collections::BTreeMap;

use super::{Loaded, Scale};
use crate::db::outcomes::{self, Destination, Graduation};
use crate::db::{DbConnection, forecast as stored, programs};
use crate::forecast::engine::{LeavingShares, Prepared, Window};
use crate::forecast::model::{Bound, Bounds, Parameters};
use crate::rng::Rng;

/// The first academic year the simulation starts from (cohorts before it
/// are drawn as they were then).
const SIMULATED_YEARS: i32 = 11;

/// Academic years of stored counts: `as_of - 6 ..= as_of`.
pub(super) const STORED_COUNT_YEARS: i32 = 6;

/// Start years with enrollment records: `as_of - 9 ..= as_of`.
const ENROLLMENT_YEARS: i32 = 9;

/// One year's "true" rates of the demo's history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrueRates {
    pub p9: f64,
    pub s10: f64,
    pub p11: f64,
    pub a: f64,
    pub r: f64,
    pub rt: f64,
}

/// A smooth wave of period 8 years, in [-1, 1].
fn wave(year: i32, phase: i32) -> f64 {
    const STEPS: [f64; 8] = [0.0, 0.6, 1.0, 0.6, 0.0, -0.6, -1.0, -0.6];
    STEPS[(year + phase).rem_euclid(8) as usize]
}

/// The demo's true rates of calendar year `year` (p9, s10: of the leavers
/// of that year; a: of study years ending then; r, rt: of that year's
/// graduates). Invented around the region's estimates, each drifting by
/// its own few points.
pub fn true_rates(year: i32) -> TrueRates {
    TrueRates {
        p9: 0.37 + 0.012 * wave(year, 0),
        s10: 0.60 + 0.010 * wave(year, 3),
        p11: 0.70 + 0.020 * wave(year, 5),
        a: 0.07 + 0.005 * wave(year, 2),
        r: 0.60 + 0.020 * wave(year, 6),
        rt: 0.95 + 0.012 * wave(year, 1),
    }
}

/// The stored parameters of the demo: its true rates' averages, rounded;
/// the bounds a few points either side.
pub fn demo_parameters() -> (Parameters, Bounds) {
    let parameters = Parameters {
        after_grade_9_share: 0.37,
        continue_to_grade_10_share: 0.60,
        after_grade_11_share: 0.70,
        annual_dropout_rate: 0.07,
        retention_rate: 0.60,
        targeted_retention_rate: 0.95,
    };
    let bound = |low, high| Bound { low, high };
    let bounds = Bounds {
        after_grade_9_share: bound(0.32, 0.42),
        continue_to_grade_10_share: bound(0.55, 0.65),
        after_grade_11_share: bound(0.62, 0.78),
        annual_dropout_rate: bound(0.05, 0.09),
        retention_rate: bound(0.52, 0.68),
        targeted_retention_rate: bound(0.90, 1.00),
    };
    (parameters, bounds)
}

/// A school's pupils per (academic year, grade), grades 1 to 11, for
/// `as_of - SIMULATED_YEARS ..= as_of`: each cohort starts grade 1 at a size
/// that grows slowly with the birth years (about 14,000 a grade in 5-9 and
/// 15,000 in 1-4 at the region's scale), moves up a grade a year, and keeps
/// the true s10 of its year when it completes grade 9. Scaled so that grades
/// 5 to 11 of `as_of` hold exactly `pupils`.
pub(super) fn school_counts(rng: &mut Rng, as_of: i32, pupils: usize) -> BTreeMap<(i32, i32), i64> {
    let first = as_of - SIMULATED_YEARS;
    // Cohorts by the academic year they are in grade 1.
    let mut start: BTreeMap<i32, f64> = BTreeMap::new();
    for entry in (first - 10)..=as_of {
        let growth = 1.009_f64.powi(entry - (as_of - 8));
        start.insert(entry, growth * (0.95 + 0.1 * rng.unit()));
    }
    let size = |year: i32, grade: i32| -> f64 {
        let entry = year - grade + 1;
        let mut n = start.get(&entry).copied().unwrap_or(1.0);
        if grade >= 10 {
            // Completed grade 9 in academic year entry + 8, left in calendar entry + 9.
            n *= true_rates(entry + 9).s10;
        }
        if grade == 11 {
            n *= 0.98;
        }
        n
    };
    let raw_now: f64 = (5..=11).map(|grade| size(as_of, grade)).sum();
    let scale = pupils as f64 / raw_now;
    let mut counts = BTreeMap::new();
    for year in first..=as_of {
        for grade in 1..=11 {
            counts.insert((year, grade), (size(year, grade) * scale).round() as i64);
        }
    }
    // Rounding: grade 5 of as_of takes the difference, so the records add up.
    let now: i64 = (5..=11).map(|grade| counts[&(as_of, grade)]).sum();
    if let Some(fifth) = counts.get_mut(&(as_of, 5)) {
        *fifth = (*fifth + pupils as i64 - now).max(0);
    }
    counts
}

/// The whole region's pupils of grades 9 and 11 per academic year, summed
/// over the schools: who left school in the years before `as_of`.
#[derive(Debug, Clone, Default)]
pub(super) struct RegionCounts {
    pub grade_9: BTreeMap<i32, f64>,
    pub grade_11: BTreeMap<i32, f64>,
}

impl RegionCounts {
    pub(super) fn add(&mut self, counts: &BTreeMap<(i32, i32), i64>) {
        for (&(year, grade), &n) in counts {
            let map = match grade {
                9 => &mut self.grade_9,
                11 => &mut self.grade_11,
                _ => continue,
            };
            *map.entry(year).or_default() += n as f64;
        }
    }

    /// School leavers of calendar year `year` who enter a program after `grade`.
    fn entering(&self, year: i32, grade: i32) -> f64 {
        let rates = true_rates(year);
        let (counts, share) = if grade == 9 {
            (&self.grade_9, rates.p9)
        } else {
            (&self.grade_11, rates.p11)
        };
        counts.get(&(year - 1)).copied().unwrap_or(0.0) * share
    }
}

/// Enrollments of the start years `as_of - 9 ..= as_of`, graduations up to
/// `as_of` and destinations up to `as_of - 1`, for every program: the
/// leavers of each year (true rates, region counts) split over the programs
/// as the model splits next year's leavers (by interest and seats), within
/// each program's seats, with a few percent of noise.
pub(super) fn load_outcomes(
    conn: &mut DbConnection,
    scale: &Scale,
    region: &RegionCounts,
    rng: &mut Rng,
    loaded: &mut Loaded,
) -> anyhow::Result<()> {
    let as_of = scale.academic_year;
    let (parameters, bounds) = demo_parameters();
    stored::set_parameters(conn, &parameters, &bounds)?;
    let inputs = stored::load_inputs_in_transaction(conn)?;
    let prepared = Prepared::new(
        &inputs,
        Window {
            as_of,
            from: as_of + 1,
            to: as_of + 8,
        },
    );
    let flow = prepared.flow(LeavingShares::of(&parameters));
    let next = as_of + 1;
    let mut applied: BTreeMap<usize, f64> = BTreeMap::new();
    for cohort in flow.cohorts.iter().filter(|c| c.start_year == next) {
        *applied.entry(cohort.program).or_default() += cohort.applicants.unwrap_or(0.0);
    }
    let mut per_grade: BTreeMap<i32, f64> = BTreeMap::new();
    for (k, applicants) in &applied {
        *per_grade
            .entry(inputs.programs[*k].entry_grade)
            .or_default() += applicants;
    }
    for (k, program) in inputs.programs.iter().enumerate() {
        let total = per_grade.get(&program.entry_grade).copied().unwrap_or(0.0);
        let share = if total > 0.0 {
            applied.get(&k).copied().unwrap_or(0.0) / total
        } else {
            0.0
        };
        for start_year in (as_of - ENROLLMENT_YEARS)..=as_of {
            let Some(seats) = program.seats_in(start_year) else {
                continue;
            };
            let wanted = share
                * region.entering(start_year, program.entry_grade)
                * (0.96 + 0.08 * rng.unit());
            let students = wanted.min(f64::from(seats.seats)).round() as i32;
            programs::put_enrollment(
                conn,
                program.id,
                &programs::Enrollment {
                    start_year,
                    students,
                },
            )?;
            let years = program.study_years();
            let graduation_year = start_year + years;
            if graduation_year > as_of {
                continue;
            }
            let completion = program.completion_rate.unwrap_or_else(|| {
                (0..years)
                    .map(|i| 1.0 - true_rates(start_year + i + 1).a)
                    .product()
            });
            let graduates =
                ((f64::from(students) * completion * (0.98 + 0.04 * rng.unit())).round() as i32)
                    .min(students);
            let targeted = ((f64::from(seats.targeted.min(students)) * completion).round() as i32)
                .min(graduates);
            let graduation = Graduation {
                year: graduation_year,
                graduates,
                targeted_graduates: targeted,
            };
            outcomes::put_graduation(conn, program.id, &graduation)?;
            loaded.graduations += 1;
            if graduation_year < as_of {
                let destination = destination(rng, &graduation);
                outcomes::put_destination(conn, program.id, &destination)?;
                loaded.destinations += 1;
            }
        }
    }
    Ok(())
}

/// Where a year's graduates went: the true retention rates for work in the
/// profession, 5 to 10 % unknown, the rest spread over the other categories.
fn destination(rng: &mut Rng, graduation: &Graduation) -> Destination {
    let rates = true_rates(graduation.year);
    let graduates = f64::from(graduation.graduates);
    let targeted = f64::from(graduation.targeted_graduates);
    let in_profession_targeted = (targeted * rates.rt).round() as i32;
    let in_profession = in_profession_targeted + ((graduates - targeted) * rates.r).round() as i32;
    let unknown = ((graduates * (0.05 + 0.05 * rng.unit())).round() as i32)
        .min(graduation.graduates - in_profession)
        .max(0);
    let rest = (graduation.graduates - in_profession - unknown).max(0);
    let employed_other = rest * 35 / 100;
    let continued_study = rest * 25 / 100;
    let military_service = rest * 25 / 100;
    Destination {
        graduation_year: graduation.year,
        employed_in_profession: in_profession,
        employed_in_profession_targeted: in_profession_targeted,
        employed_other,
        continued_study,
        military_service,
        left_region: rest - employed_other - continued_study - military_service,
        unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_true_rates_differ_by_year_and_keep_p9_and_s10_within_1() {
        let years: Vec<TrueRates> = (2010..2030).map(true_rates).collect();
        assert!(years.iter().all(|r| r.p9 + r.s10 <= 1.0));
        assert!(years.windows(2).any(|w| w[0].p9 != w[1].p9));
        assert!(years.windows(2).any(|w| w[0].r != w[1].r));
        let (parameters, bounds) = demo_parameters();
        assert!(parameters.shares_add_up());
        for (value, bound) in parameters.values().into_iter().zip(bounds.all()) {
            assert!(bound.low <= value && value <= bound.high);
        }
        // Each stored value is the average of its true rates over eight years.
        let mean =
            |f: fn(&TrueRates) -> f64| (2018..2026).map(|y| f(&true_rates(y))).sum::<f64>() / 8.0;
        assert!((mean(|r| r.p9) - parameters.after_grade_9_share).abs() < 1e-9);
        assert!((mean(|r| r.s10) - parameters.continue_to_grade_10_share).abs() < 1e-9);
    }

    #[test]
    fn a_schools_counts_follow_its_cohorts_and_add_up_to_its_pupils() {
        let mut rng = Rng::new(3);
        let counts = school_counts(&mut rng, 2026, 850);
        let now: i64 = (5..=11).map(|g| counts[&(2026, g)]).sum();
        assert_eq!(now, 850);
        // A cohort keeps its size up to grade 9 (grade 6 of 2026 was grade 3 of 2023).
        assert_eq!(counts[&(2026, 6)], counts[&(2023, 3)]);
        // About 60 % go on to grade 10.
        let ratio = counts[&(2026, 10)] as f64 / counts[&(2025, 9)] as f64;
        assert!((0.55..0.65).contains(&ratio), "{ratio}");
        // Grades 5-9 about 136 and 10-11 about 82 for 850 pupils.
        assert!((120..=150).contains(&counts[&(2026, 7)]));
        assert!((70..=95).contains(&counts[&(2026, 11)]));
    }

    #[test]
    fn a_destination_never_accounts_for_more_than_the_graduates() {
        let mut rng = Rng::new(5);
        for graduates in [0, 1, 7, 25, 140] {
            for targeted in [0, graduates / 3, graduates] {
                let graduation = Graduation {
                    year: 2024,
                    graduates,
                    targeted_graduates: targeted,
                };
                let d = destination(&mut rng, &graduation);
                assert!(
                    crate::app::outcomes::destination_errors(&d, Some(&graduation)).is_empty(),
                    "{d:?}"
                );
            }
        }
    }
}

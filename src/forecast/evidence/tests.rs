//! Steps 10 and 11 on small worlds whose numbers can be checked by hand.

use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::forecast::model::{Bounds, Parameters, Profession, ProgramInput, Seats};

fn program(
    id: i64,
    entry_grade: i32,
    duration_months: i32,
    intakes: &[(i32, i32)],
    enrollments: &[(i32, i32)],
) -> ProgramRecords {
    ProgramRecords {
        program: ProgramInput {
            id,
            entry_grade,
            duration_months,
            completion_rate: None,
            professions: vec![(1, 1.0)],
            intakes: intakes
                .iter()
                .map(|(year, seats)| {
                    (
                        *year,
                        Seats {
                            seats: *seats,
                            targeted: 0,
                        },
                    )
                })
                .collect(),
            enrollments: enrollments.iter().copied().collect(),
        },
        title: format!("program {id}"),
        institution_name: "college".into(),
        graduations: BTreeMap::new(),
        destinations: BTreeMap::new(),
    }
}

/// A school's counts: `(academic_year, grade, pupils)`.
fn school(counts: &[(i32, i32, i64)]) -> SchoolYears {
    let mut years = SchoolYears::new();
    for (year, grade, pupils) in counts {
        years.entry(*year).or_insert([0; 11])[(*grade - 1) as usize] = *pupils;
    }
    years
}

fn calibration(records: &Records, as_of: i32, window: i32) -> Calibration {
    calibrate(
        records,
        CountsRead::Exact,
        (&Parameters::default(), &Bounds::default()),
        as_of,
        window,
    )
}

fn parameter<'a>(calibration: &'a Calibration, name: &str) -> &'a ParameterEvidence {
    calibration
        .parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn one_programs_missing_enrollment_record_makes_the_entry_year_invalid() {
    // Two programs after grade 9 with seats every year; the second has no record for 2024.
    let records = Records {
        counts: HashMap::from([(1, school(&[(2022, 9, 100), (2023, 9, 200), (2024, 9, 100)]))]),
        programs: vec![
            program(
                1,
                9,
                24,
                &[(2020, 50)],
                &[(2023, 20), (2024, 40), (2025, 30)],
            ),
            program(2, 9, 24, &[(2020, 50)], &[(2023, 10), (2025, 30)]),
        ],
    };
    let c = calibration(&records, 2025, 3);
    let p9 = parameter(&c, "after_grade_9_share");
    let years: Vec<(i32, i64, i64, bool, Option<WhyNot>)> = p9
        .years
        .iter()
        .map(|y| (y.year, y.numerator, y.denominator, y.valid, y.why_not))
        .collect();
    assert_eq!(
        years,
        [
            (2023, 30, 100, true, None),
            (2024, 40, 200, false, Some(WhyNot::MissingEnrollments)),
            (2025, 60, 100, true, None),
        ]
    );
    // Pooled over the valid years: (30 + 60) / (100 + 100); low and high the years' 0.3 and 0.6.
    assert!(close(p9.estimate.unwrap(), 0.45));
    assert!(close(p9.low.unwrap(), 0.3) && close(p9.high.unwrap(), 0.6));
    assert!(!p9.enough, "two valid years are not enough");
    // A closed program (no seats) needs no record: with the second closed, 2024 counts.
    let mut closed = records.clone();
    closed.programs[1].program.intakes = BTreeMap::from([(
        2020,
        Seats {
            seats: 0,
            targeted: 0,
        },
    )]);
    let c = calibration(&closed, 2025, 3);
    let p9 = parameter(&c, "after_grade_9_share");
    assert!(p9.years.iter().all(|y| y.valid));
    assert!(p9.enough);
}

#[test]
fn a_school_without_counts_of_the_year_before_makes_the_entry_year_invalid() {
    let records = Records {
        counts: HashMap::from([
            (1, school(&[(2023, 11, 50), (2024, 11, 60)])),
            (2, school(&[(2024, 11, 40)])),
        ]),
        programs: vec![program(1, 11, 36, &[(2020, 90)], &[(2024, 35), (2025, 70)])],
    };
    let c = calibration(&records, 2025, 2);
    let p11 = parameter(&c, "after_grade_11_share");
    assert_eq!(p11.years[0].why_not, Some(WhyNot::MissingCounts));
    assert_eq!(
        (p11.years[1].numerator, p11.years[1].denominator),
        (70, 100)
    );
    assert!(p11.years[1].valid);
}

#[test]
fn a_school_with_counts_of_one_of_the_two_years_is_left_out_of_s10() {
    let records = Records {
        counts: HashMap::from([
            (1, school(&[(2024, 9, 100), (2025, 10, 60)])),
            // Only 2025: left out of 2025's s10, numerator and denominator alike.
            (2, school(&[(2025, 10, 500)])),
            // Only 2024: left out too.
            (3, school(&[(2024, 9, 700)])),
        ]),
        programs: vec![],
    };
    let c = calibration(&records, 2025, 1);
    let s10 = parameter(&c, "continue_to_grade_10_share");
    assert_eq!(
        (s10.years[0].numerator, s10.years[0].denominator),
        (60, 100)
    );
    assert!(close(s10.estimate.unwrap(), 0.6));
    // A year no school has both years of is no evidence.
    let c = calibration(&records, 2023, 1);
    let s10 = parameter(&c, "continue_to_grade_10_share");
    assert_eq!(s10.years[0].why_not, Some(WhyNot::NoRecords));
    assert_eq!(s10.estimate, None);
}

#[test]
fn dropout_pools_programs_of_different_durations_by_their_mean_years_of_study() {
    // A 2-year program: 100 started 2023, 81 graduated 2025 (completion 0.81 = 0.9²).
    // A 4-year program: 100 started 2021, 60 graduated 2025.
    let mut short = program(1, 9, 22, &[(2020, 100)], &[(2023, 100)]);
    short.graduations.insert(
        2025,
        Graduated {
            graduates: 81,
            targeted: 0,
        },
    );
    let mut long = program(2, 9, 46, &[(2020, 100)], &[(2021, 100)]);
    long.graduations.insert(
        2025,
        Graduated {
            graduates: 60,
            targeted: 0,
        },
    );
    // A graduation record without its cohort's enrollment is left out.
    let mut orphan = program(3, 9, 12, &[(2020, 100)], &[]);
    orphan.graduations.insert(
        2025,
        Graduated {
            graduates: 999,
            targeted: 0,
        },
    );
    let records = Records {
        counts: HashMap::new(),
        programs: vec![short, long, orphan],
    };
    let c = calibration(&records, 2025, 1);
    let a = parameter(&c, "annual_dropout_rate");
    let year = &a.years[0];
    assert_eq!((year.numerator, year.denominator), (141, 200));
    // C = 141 / 200 = 0.705 over D = (2 * 100 + 4 * 100) / 200 = 3 years: a = 1 - 0.705^(1/3).
    let expected = 1.0 - 0.705_f64.powf(1.0 / 3.0);
    assert!(close(year.ratio.unwrap(), expected));
    assert!(close(a.estimate.unwrap(), expected));
    assert!((expected - 0.1100).abs() < 1e-4, "{expected}");
}

#[test]
fn unknown_destinations_count_as_not_retained_and_their_share_is_given() {
    let mut college = program(1, 9, 34, &[(2020, 100)], &[]);
    college.graduations.insert(
        2024,
        Graduated {
            graduates: 100,
            targeted: 20,
        },
    );
    college.destinations.insert(
        2024,
        Destined {
            employed_in_profession: 58,
            employed_in_profession_targeted: 18,
            unknown: 25,
        },
    );
    let records = Records {
        counts: HashMap::new(),
        programs: vec![college],
    };
    // Destinations end a year before as_of: graduation year 2024 is in the window of 2025.
    let c = calibration(&records, 2025, 1);
    let r = parameter(&c, "retention_rate");
    assert_eq!(r.years[0].year, 2024);
    assert_eq!((r.years[0].numerator, r.years[0].denominator), (40, 80));
    assert!(close(r.years[0].unknown_share.unwrap(), 0.25));
    let rt = parameter(&c, "targeted_retention_rate");
    assert_eq!((rt.years[0].numerator, rt.years[0].denominator), (18, 20));
    assert!(close(rt.estimate.unwrap(), 0.9));
}

#[test]
fn fewer_than_three_valid_years_are_reported_but_never_applied() {
    let records = Records {
        counts: HashMap::from([(1, school(&[(2023, 9, 100), (2024, 9, 100)]))]),
        programs: vec![program(1, 9, 24, &[(2020, 90)], &[(2024, 50), (2025, 55)])],
    };
    let c = calibration(&records, 2025, 5);
    let p9 = parameter(&c, "after_grade_9_share");
    assert_eq!(p9.valid_years(), 2);
    assert!(close(p9.estimate.unwrap(), 0.525));
    assert!(!p9.enough);
    let current = (Parameters::default(), Bounds::default());
    let (parameters, bounds, names) = applied(&c, (&current.0, &current.1));
    assert_eq!(parameters, current.0);
    assert_eq!(bounds, current.1);
    assert!(names.is_empty());
    // With a third valid year it is applied, rounded to four decimals, with the years' range.
    let mut more = records.clone();
    more.counts
        .get_mut(&1)
        .unwrap()
        .insert(2022, [0, 0, 0, 0, 0, 0, 0, 0, 300, 0, 0]);
    more.programs[0].program.enrollments.insert(2023, 100);
    let c = calibration(&more, 2025, 3);
    let (parameters, bounds, names) = applied(&c, (&current.0, &current.1));
    assert_eq!(names, ["after_grade_9_share"]);
    // (100 + 50 + 55) / (300 + 100 + 100) = 0.41; years 1/3, 0.5, 0.55.
    assert_eq!(parameters.after_grade_9_share, 0.41);
    assert_eq!(bounds.after_grade_9_share.low, 0.3333);
    assert_eq!(bounds.after_grade_9_share.high, 0.55);
    assert_eq!(
        parameters.after_grade_11_share,
        current.0.after_grade_11_share
    );
}

#[test]
fn a_programs_completion_is_shrunk_toward_the_regions() {
    let mut small = program(1, 9, 34, &[(2020, 25)], &[(2021, 20), (2022, 10)]);
    for (year, graduates) in [(2024, 10), (2025, 5)] {
        small.graduations.insert(
            year,
            Graduated {
                graduates,
                targeted: 0,
            },
        );
    }
    let none = program(2, 9, 34, &[(2020, 25)], &[]);
    let records = Records {
        counts: HashMap::new(),
        programs: vec![small, none],
    };
    let c = calibration(&records, 2025, 5);
    let completion = &c.programs[0];
    assert_eq!(
        (
            completion.cohorts,
            completion.enrolled,
            completion.graduated
        ),
        (2, 30, 15)
    );
    assert!(close(completion.observed.unwrap(), 0.5));
    // The dropout estimate from these same records: C = 15 / 30 over 3 years.
    let a = 1.0 - 0.5_f64.powf(1.0 / 3.0);
    assert!(close(
        parameter(&c, "annual_dropout_rate").estimate.unwrap(),
        a
    ));
    // c0 = (1 - a)^3 = 0.5, so (15 + 30 * 0.5) / (30 + 30) = 0.5.
    assert!(close(completion.proposed.unwrap(), 0.5));
    assert_eq!(c.programs[1].cohorts, 0);
    assert_eq!(c.programs[1].proposed, None);
    // Without a valid year of dropout (a cohort of 0 students) the stored
    // rate (0.07) gives c0 = 0.93³, and the proposal is c0 itself.
    let mut empty = records.clone();
    empty.programs[0].program.enrollments = BTreeMap::from([(2022, 0)]);
    empty.programs[0].graduations.remove(&2024);
    empty.programs[0]
        .graduations
        .get_mut(&2025)
        .unwrap()
        .graduates = 0;
    let c = calibration(&empty, 2025, 5);
    assert_eq!(parameter(&c, "annual_dropout_rate").estimate, None);
    assert_eq!(c.programs[0].cohorts, 1);
    assert!(close(c.programs[0].proposed.unwrap(), 0.93_f64.powi(3)));
    assert_eq!(c.programs[1].proposed, None);
}

fn professions() -> HashMap<i64, Profession> {
    HashMap::from([(
        1,
        Profession {
            code: "P1".into(),
            title: "P1".into(),
            cluster_id: 1,
        },
    )])
}

#[test]
fn an_origin_with_too_little_evidence_runs_on_the_defaults_and_says_so() {
    let records = Records {
        counts: HashMap::from([(1, school(&[(2023, 9, 100)]))]),
        programs: vec![program(1, 9, 24, &[(2020, 90)], &[(2023, 50), (2024, 60)])],
    };
    let backtest = backtest(
        &records,
        &professions(),
        CountsRead::Exact,
        2025,
        2024..=2024,
        5,
    );
    assert_eq!(backtest.origins.len(), 1);
    assert_eq!(backtest.origins[0].parameters, Parameters::default());
    assert!(backtest.origins[0].calibrated.is_empty());
}

#[test]
fn the_backtest_scores_the_model_and_the_naive_forecast_on_the_same_pairs() {
    // One school: 200 pupils in grade 9 in academic year 2023, leaving in 2024.
    // p9 0.65 (default) sends 130 to the one program with 100 seats: intake 100 in 2024.
    let with_history = program(
        1,
        9,
        24,
        &[(2020, 100)],
        &[(2022, 70), (2023, 80), (2024, 90)],
    );
    // No enrollment record up to the origin: no naive forecast, left out of both.
    let without = program(2, 9, 24, &[(2020, 100)], &[(2024, 40)]);
    let records = Records {
        counts: HashMap::from([(1, school(&[(2023, 9, 200)]))]),
        programs: vec![with_history, without],
    };
    let backtest = backtest(
        &records,
        &professions(),
        CountsRead::Exact,
        2024,
        2023..=2023,
        5,
    );
    let enrollment = &backtest.stages[0];
    assert_eq!(enrollment.stage, Stage::Enrollment);
    assert_eq!(enrollment.overall.pairs, 1);
    assert_eq!(enrollment.overall.actual, 90);
    // Both programs share the 130 applicants by seats (65 each, no cut): the model says 65.
    assert!(close(enrollment.overall.wape.unwrap(), 25.0 / 90.0));
    assert!(close(enrollment.overall.bias.unwrap(), -25.0 / 90.0));
    // The naive forecast: 2023's 80.
    assert!(close(enrollment.overall.naive_wape.unwrap(), 10.0 / 90.0));
    assert_eq!(enrollment.leads.len(), 1);
    assert_eq!(enrollment.leads[0].lead, 1);
    // No graduation or destination records: no pairs, no rates.
    assert_eq!(backtest.stages[1].overall.pairs, 0);
    assert_eq!(backtest.stages[1].overall.wape, None);
}

#[test]
fn the_world_of_an_origin_holds_only_what_was_known_then() {
    let records = Records {
        counts: HashMap::from([(1, school(&[(2022, 9, 100), (2023, 9, 120), (2025, 9, 140)]))]),
        programs: vec![program(
            1,
            9,
            24,
            &[(2020, 100), (2024, 200)],
            &[(2023, 80), (2024, 90)],
        )],
    };
    let world = world_of(&records, &professions(), 2023);
    assert_eq!(world.counts.len(), 1);
    assert_eq!(
        (world.counts[0].academic_year, world.counts[0].pupils),
        (2023, 120)
    );
    assert_eq!(world.programs[0].intakes.len(), 1);
    assert_eq!(world.programs[0].enrollments, BTreeMap::from([(2023, 80)]));
    assert!(world.interests.is_empty() && world.records.is_empty());
}

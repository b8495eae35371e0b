//! The engine against the model of docs/forecast.md: the worked example, one test per rule, and properties.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::engine::{Prepared, Window};
use super::model::{
    Bound, Bounds, InterestMass, Profession, ProgramInput, SchoolCount, SchoolRecords, Seats,
    Target, complete_until,
};
use super::scenario::{IntakeChange, apply};
use super::*;

/// The academic year the hand-made worlds are recorded in.
const AS_OF: i32 = 2025;

/// The central forecast of `from..=to` with the simulation starting in 2025.
fn run(inputs: &Inputs, parameters: &Parameters, from: i32, to: i32) -> Forecast {
    run_as_of(inputs, parameters, AS_OF, from, to)
}

fn run_as_of(inputs: &Inputs, parameters: &Parameters, as_of: i32, from: i32, to: i32) -> Forecast {
    engine::run(
        inputs,
        parameters,
        &Bounds::exact(parameters),
        Window { as_of, from, to },
    )
}

const GLASS: i64 = 1;
const MACHINES: i64 = 2;
const P1: i64 = 1;
const P2: i64 = 2;

fn professions() -> HashMap<i64, Profession> {
    HashMap::from([
        (
            P1,
            Profession {
                code: "P1".into(),
                title: "Glass-forming machine operator".into(),
                cluster_id: GLASS,
            },
        ),
        (
            P2,
            Profession {
                code: "P2".into(),
                title: "CNC machine operator".into(),
                cluster_id: MACHINES,
            },
        ),
    ])
}

fn program(
    id: i64,
    professions: &[(i64, f64)],
    entry_grade: i32,
    months: i32,
    completion: Option<f64>,
) -> ProgramInput {
    ProgramInput {
        id,
        entry_grade,
        duration_months: months,
        completion_rate: completion,
        professions: professions.to_vec(),
        intakes: BTreeMap::new(),
        enrollments: BTreeMap::new(),
    }
}

fn with_intake(mut program: ProgramInput, year: i32, seats: i32, targeted: i32) -> ProgramInput {
    program.intakes.insert(year, Seats { seats, targeted });
    program
}

fn mass(grade: i32, academic_year: i32, target: Target, pupils: f64) -> InterestMass {
    InterestMass {
        grade,
        academic_year,
        target,
        pupils,
    }
}

fn worked_example() -> (Inputs, Parameters) {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 34, Some(0.85)), 2026, 25, 5);
    let b = with_intake(program(20, &[(P2, 1.0)], 9, 46, Some(0.85)), 2026, 20, 0);
    let inputs = Inputs {
        interests: vec![
            mass(9, 2025, Target::Cluster(GLASS), 20.0),
            mass(9, 2025, Target::Profession(P2), 10.0),
            mass(9, 2025, Target::Open, 10.0),
        ],
        programs: vec![a, b],
        professions: professions(),
        demand: HashMap::from([((P1, 2029), 20.0)]),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 0.6,
        continue_to_grade_10_share: 0.4,
        ..Parameters::default()
    };
    (inputs, parameters)
}

/// A school's count of `pupils` in `grade` during `academic_year`.
fn count(school_id: i64, grade: i32, academic_year: i32, pupils: i64) -> SchoolCount {
    SchoolCount {
        school_id,
        grade,
        academic_year,
        pupils,
    }
}

/// A school's `pupils` records in `grade` as of `academic_year`.
fn records(school_id: i64, grade: i32, academic_year: i32, pupils: i64) -> SchoolRecords {
    SchoolRecords {
        school_id,
        grade,
        academic_year,
        pupils,
    }
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

fn supply(forecast: &Forecast, profession_id: i64, year: i32) -> f64 {
    forecast
        .rows
        .iter()
        .find(|row| row.profession_id == profession_id && row.year == year)
        .map_or(0.0, |row| row.supply)
}

fn intake(forecast: &Forecast, program_id: i64, start_year: i32) -> f64 {
    forecast
        .cohorts
        .iter()
        .find(|c| c.program_id == program_id && c.start_year == start_year)
        .map_or(0.0, |c| c.intake)
}

fn row(forecast: &Forecast, profession_id: i64, year: i32) -> &model::Row {
    forecast
        .rows
        .iter()
        .find(|row| row.profession_id == profession_id && row.year == year)
        .expect("a row of the full grid")
}

#[test]
fn the_worked_example_gives_its_numbers() {
    let (inputs, parameters) = worked_example();
    let forecast = run(&inputs, &parameters, 2026, 2030);
    // The full grid: P1 and P2, 2026 to 2030, by code then year.
    assert_eq!(forecast.rows.len(), 10);
    let order: Vec<(&str, i32)> = forecast
        .rows
        .iter()
        .map(|r| (r.profession_code.as_str(), r.year))
        .collect();
    assert_eq!(order[0], ("P1", 2026));
    assert_eq!(order[9], ("P2", 2030));
    let p1 = row(&forecast, P1, 2029);
    assert_eq!(p1.profession_title, "Glass-forming machine operator");
    close(p1.demand, 20.0);
    close(
        p1.supply,
        0.85 * (5.0 * 0.95 + (12.0 + 6.0 * 25.0 / 45.0 - 5.0) * 0.6),
    );
    assert_eq!(model::round2(p1.supply), 9.31);
    assert_eq!(model::round2(p1.gap), 10.69);
    assert_eq!(p1.coverage.map(model::round2), Some(0.47));
    let p2 = row(&forecast, P2, 2030);
    close(p2.demand, 0.0);
    assert_eq!(model::round2(p2.supply), 4.42);
    assert_eq!(model::round2(p2.gap), -4.42);
    assert_eq!(p2.coverage, None);
    let zero: Vec<&model::Row> = forecast
        .rows
        .iter()
        .filter(|r| {
            !((r.profession_id, r.year) == (P1, 2029) || (r.profession_id, r.year) == (P2, 2030))
        })
        .collect();
    assert_eq!(zero.len(), 8);
    assert!(
        zero.iter()
            .all(|r| r.supply == 0.0 && r.demand == 0.0 && r.coverage.is_none())
    );
    assert_eq!(forecast.unplaced.len(), 1);
    assert_eq!(
        (forecast.unplaced[0].year, forecast.unplaced[0].entry_grade),
        (2028, 11)
    );
    close(forecast.unplaced[0].pupils, 11.2);
    // Applicants as the example says: A 15.3333, B 8.6667.
    close(intake(&forecast, 10, 2026), 12.0 + 6.0 * 25.0 / 45.0);
    close(intake(&forecast, 20, 2026), 6.0 + 6.0 * 20.0 / 45.0);
    // Every row is complete, so the forecast knows its whole window.
    assert!(forecast.rows.iter().all(|r| r.complete));
    assert_eq!(complete_until(&forecast.rows, 2026, 2030), Some(2030));
}

#[test]
fn seats_carry_forward_to_years_without_an_intake_record() {
    // Only a 2026 intake record; the leavers come in 2027.
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2026, 30, 0);
    let inputs = Inputs {
        interests: vec![mass(8, 2025, Target::Open, 10.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2030);
    close(intake(&forecast, 10, 2027), 6.5);
    close(supply(&forecast, P1, 2028), 6.5 * 0.6);
    // Before its first intake record the program has no seats.
    let late = with_intake(program(11, &[(P1, 1.0)], 9, 10, Some(1.0)), 2028, 30, 0);
    let inputs = Inputs {
        programs: vec![late],
        ..inputs
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2030);
    assert!(forecast.cohorts.is_empty());
    close(
        forecast
            .unplaced
            .iter()
            .find(|u| u.year == 2027 && u.entry_grade == 9)
            .unwrap()
            .pupils,
        6.5,
    );
}

#[test]
fn the_open_pool_is_split_by_seats_across_every_eligible_program() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2026, 30, 0);
    let b = with_intake(program(20, &[(P2, 1.0)], 9, 10, Some(1.0)), 2026, 10, 0);
    // A grade-11 program is not eligible for grade-9 leavers.
    let c = with_intake(program(30, &[(P2, 1.0)], 11, 10, Some(1.0)), 2026, 100, 0);
    let inputs = Inputs {
        interests: vec![
            mass(9, 2025, Target::Open, 20.0),
            mass(9, 2025, Target::Profession(99), 4.0),
        ],
        programs: vec![a, b, c],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2027);
    // 24 in the pool (an interest nothing trains for joins it), 3:1 by seats.
    close(intake(&forecast, 10, 2026), 18.0);
    close(intake(&forecast, 20, 2026), 6.0);
    close(intake(&forecast, 30, 2026), 0.0);
}

#[test]
fn oversubscribed_programs_take_their_seats_and_the_rest_is_unplaced() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2026, 10, 0);
    let b = with_intake(program(20, &[(P2, 1.0)], 9, 10, Some(1.0)), 2026, 30, 0);
    let inputs = Inputs {
        interests: vec![
            mass(9, 2025, Target::Profession(P1), 25.0),
            mass(9, 2025, Target::Profession(P2), 5.0),
        ],
        programs: vec![a, b],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2027);
    close(intake(&forecast, 10, 2026), 10.0);
    close(intake(&forecast, 20, 2026), 5.0);
    assert_eq!(forecast.unplaced.len(), 1);
    assert_eq!(
        (forecast.unplaced[0].year, forecast.unplaced[0].entry_grade),
        (2026, 9)
    );
    close(forecast.unplaced[0].pupils, 15.0);
}

#[test]
fn actual_enrollments_replace_the_model_and_bring_in_earlier_cohorts() {
    let mut a = with_intake(program(10, &[(P1, 1.0)], 9, 34, Some(0.5)), 2020, 25, 0);
    a.enrollments.insert(2026, 17);
    a.enrollments.insert(2024, 20);
    a.enrollments.insert(2020, 99); // graduated in 2023, before the range
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 100.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2030);
    let cohort = forecast
        .cohorts
        .iter()
        .find(|c| c.start_year == 2026)
        .unwrap();
    assert!(cohort.actual);
    close(cohort.intake, 17.0);
    close(cohort.applicants.unwrap(), 65.0);
    close(supply(&forecast, P1, 2029), 0.5 * 17.0 * 0.6);
    // The 2024 cohort started before the pupils' data and still graduates in range.
    let earlier = forecast
        .cohorts
        .iter()
        .find(|c| c.start_year == 2024)
        .unwrap();
    assert_eq!(earlier.applicants, None);
    close(supply(&forecast, P1, 2027), 0.5 * 20.0 * 0.6);
    assert!(forecast.cohorts.iter().all(|c| c.start_year != 2020));
    // Oversubscription is still reported against the seats: 65 applied for 25.
    close(forecast.unplaced[0].pupils, 40.0);
}

#[test]
fn targeted_seats_are_retained_at_their_own_rate_and_never_exceed_the_intake() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2026, 20, 15);
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 10.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2027);
    let cohort = &forecast.cohorts[0];
    close(cohort.intake, 10.0);
    close(cohort.targeted, 10.0);
    close(supply(&forecast, P1, 2027), 10.0 * 0.95);
    // Targeted seats carry forward with the seats.
    let forecast = run(
        &Inputs {
            interests: vec![mass(8, 2025, Target::Open, 10.0)],
            ..inputs.clone()
        },
        &parameters,
        2026,
        2028,
    );
    close(forecast.cohorts[0].targeted, 10.0);
}

#[test]
fn without_its_own_rate_a_program_completes_at_the_dropout_derived_rate() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 34, None), 2026, 50, 0);
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 10.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        annual_dropout_rate: 0.1,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2030);
    close(forecast.cohorts[0].completion_rate, 0.9f64.powi(3));
    close(supply(&forecast, P1, 2029), 10.0 * 0.729 * 0.6);
    // 46 months are 4 study years; 10 months are 1.
    assert_eq!(program(1, &[], 9, 46, None).study_years(), 4);
    assert_eq!(program(1, &[], 11, 10, None).study_years(), 1);
}

#[test]
fn pupils_recorded_in_an_earlier_academic_year_are_moved_on() {
    // Grade 7 in 2023 is grade 9 in 2025 and leaves in 2026.
    let contributions = engine::contributions(7, 2023, &Parameters::default());
    assert_eq!(contributions.len(), 2);
    assert_eq!((contributions[0].0, contributions[0].1), (9, 2026));
    assert_eq!((contributions[1].0, contributions[1].1), (11, 2028));
    close(contributions[1].2, 0.35 * 0.7);
    let grade_10 = engine::contributions(10, 2025, &Parameters::default());
    assert_eq!(grade_10, vec![(11, 2027, 0.7)]);
}

#[test]
fn an_exit_year_before_as_of_counts_for_nothing_but_the_later_path_still_counts() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2020, 100, 0);
    let b = with_intake(program(20, &[(P2, 1.0)], 11, 10, Some(1.0)), 2020, 100, 0);
    let inputs = Inputs {
        // Grade 9 in 2024: left after grade 9 in 2025 (not after 2025), leaves after grade 11 in 2027.
        interests: vec![mass(9, 2024, Target::Open, 100.0)],
        programs: vec![a, b],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2030);
    assert!(forecast.cohorts.iter().all(|c| c.program_id == 20));
    close(intake(&forecast, 20, 2027), 100.0 * 0.35 * 0.7);
}

#[test]
fn a_program_training_several_professions_supplies_each_by_its_share() {
    let a = with_intake(
        program(10, &[(P1, 0.25), (P2, 0.75)], 9, 10, Some(1.0)),
        2026,
        100,
        0,
    );
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 40.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        retention_rate: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2027);
    close(supply(&forecast, P1, 2027), 10.0);
    close(supply(&forecast, P2, 2027), 30.0);
}

#[test]
fn cluster_and_profession_interests_mix() {
    // A trains P1 (Glass); B trains P2 (Machines); C trains P1 and P2.
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2026, 10, 0);
    let b = with_intake(program(20, &[(P2, 1.0)], 9, 10, Some(1.0)), 2026, 10, 0);
    let c = with_intake(
        program(30, &[(P1, 0.5), (P2, 0.5)], 9, 10, Some(1.0)),
        2026,
        30,
        0,
    );
    let inputs = Inputs {
        interests: vec![
            mass(9, 2025, Target::Cluster(GLASS), 4.0), // A and C: 1 + 3
            mass(9, 2025, Target::Profession(P2), 8.0), // B and C: 2 + 6
            mass(9, 2025, Target::Cluster(MACHINES), 0.0),
        ],
        programs: vec![a, b, c],
        professions: professions(),
        demand: HashMap::new(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2027);
    close(intake(&forecast, 10, 2026), 1.0);
    close(intake(&forecast, 20, 2026), 2.0);
    close(intake(&forecast, 30, 2026), 9.0);
}

#[test]
fn a_scenario_without_changes_is_the_stored_forecast_and_with_changes_differs() {
    let (inputs, parameters) = worked_example();
    let stored = run(&inputs, &parameters, 2026, 2030);
    assert_eq!(run(&apply(&inputs, &[]), &parameters, 2026, 2030), stored);
    let more = [IntakeChange {
        program_id: 10,
        year: 2026,
        seats: 25,
        targeted_seats: 15,
    }];
    let changed = run(&apply(&inputs, &more), &parameters, 2026, 2030);
    assert!(supply(&changed, P1, 2029) > supply(&stored, P1, 2029));
    assert_eq!(
        scenario::unknown_programs(
            &inputs,
            &[IntakeChange {
                program_id: 77,
                ..more[0]
            }]
        ),
        vec![0]
    );
}

fn arbitrary_world() -> impl Strategy<Value = (Inputs, Parameters)> {
    let program = (
        prop::sample::select(vec![9, 11]),
        1..=60i32,
        prop::option::of(0.0..=1.0f64),
        prop::collection::vec((1i64..=4, 0.1..1.0f64), 1..=2),
        prop::collection::btree_map(2024..=2032i32, (0..=60i32, 0..=60i32), 0..=3),
        prop::collection::btree_map(2022..=2030i32, 0..=80i32, 0..=2),
    );
    let interest = (
        5..=11i32,
        2023..=2026i32,
        prop_oneof![
            (1i64..=4).prop_map(Target::Profession),
            (1i64..=2).prop_map(Target::Cluster),
            Just(Target::Open)
        ],
        0.0..200.0f64,
    );
    let parameters = (
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
    );
    (
        prop::collection::vec(program, 0..=6),
        prop::collection::vec(interest, 0..=12),
        prop::collection::vec((1i64..=4, 2025..=2035i32, 1.0..100.0f64), 0..=6),
        parameters,
    )
        .prop_map(|(programs, interests, demand, (p9, p11, a, r, rt))| {
            let programs = programs
                .into_iter()
                .enumerate()
                .map(
                    |(i, (entry_grade, months, completion, professions, intakes, enrollments))| {
                        let total: f64 = professions.iter().map(|(_, s)| s).sum();
                        let mut shares: Vec<(i64, f64)> = Vec::new();
                        for (id, share) in professions {
                            if !shares.iter().any(|(p, _)| *p == id) {
                                shares.push((id, share / total));
                            }
                        }
                        ProgramInput {
                            id: i as i64 + 1,
                            entry_grade,
                            duration_months: months,
                            completion_rate: completion,
                            professions: shares,
                            intakes: intakes
                                .into_iter()
                                .map(|(year, (seats, targeted))| {
                                    (
                                        year,
                                        Seats {
                                            seats,
                                            targeted: targeted.min(seats),
                                        },
                                    )
                                })
                                .collect(),
                            enrollments,
                        }
                    },
                )
                .collect();
            let professions = (1..=4)
                .map(|id| {
                    (
                        id,
                        Profession {
                            code: format!("P{id}"),
                            title: format!("Profession {id}"),
                            cluster_id: 1 + id % 2,
                        },
                    )
                })
                .collect();
            let inputs = Inputs {
                interests: interests
                    .into_iter()
                    .map(|(grade, academic_year, target, pupils)| InterestMass {
                        grade,
                        academic_year,
                        target,
                        pupils,
                    })
                    .collect(),
                programs,
                professions,
                demand: demand.into_iter().map(|(p, y, h)| ((p, y), h)).collect(),
                ..Inputs::default()
            };
            let parameters = Parameters {
                after_grade_9_share: p9,
                continue_to_grade_10_share: 1.0 - p9,
                after_grade_11_share: p11,
                annual_dropout_rate: a,
                retention_rate: r,
                targeted_retention_rate: rt,
            };
            (inputs, parameters)
        })
}

#[test]
fn a_cell_has_the_same_value_in_every_window_that_contains_it() {
    let (inputs, parameters) = worked_example();
    let reference = run(&inputs, &parameters, 2026, 2030);
    for (from, to) in [(2029, 2035), (2020, 2029), (2029, 2029), (2027, 2056)] {
        let forecast = run(&inputs, &parameters, from, to);
        assert_eq!(row(&forecast, P1, 2029), row(&reference, P1, 2029));
    }
    // Leavers of 2026 feed the 2029 cell even when the window starts later.
    let late = run(&inputs, &parameters, 2028, 2030);
    assert_eq!(model::round2(row(&late, P1, 2029).supply), 9.31);
    // Before the simulation starts, only recorded enrollments give supply.
    let early = run(&inputs, &parameters, 2020, 2025);
    assert!(early.rows.iter().all(|r| r.supply == 0.0));
    assert!(early.unplaced.is_empty());
}

#[test]
fn younger_counts_enter_the_open_pool_until_their_cohort_has_records() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 12, Some(1.0)), 2026, 1000, 0);
    let inputs = Inputs {
        // Three schools' latest recorded years: 2024 for two, 2025 for the other.
        counts: vec![
            // Grade 3 in 2024 is grade 4 in 2025: counted; leaves after grade 9 in 2031.
            count(1, 3, 2024, 30),
            // Grade 4 in 2024 is grade 5 in 2025, where school 1 has 20 records of it:
            // the records stand for it, the count adds nothing.
            count(1, 4, 2024, 20),
            // Grade 2 in 2025 leaves after grade 9 in 2033.
            count(2, 2, 2025, 10),
        ],
        records: vec![records(1, 5, 2025, 20)],
        programs: vec![a],
        professions: professions(),
        ..Inputs::default()
    };
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        continue_to_grade_10_share: 0.0,
        retention_rate: 1.0,
        ..Parameters::default()
    };
    let forecast = run(&inputs, &parameters, 2026, 2040);
    close(intake(&forecast, 10, 2030), 0.0);
    close(intake(&forecast, 10, 2031), 30.0);
    close(intake(&forecast, 10, 2033), 10.0);
    close(row(&forecast, P1, 2032).supply, 30.0);
    close(row(&forecast, P1, 2034).supply, 10.0);
    // With p9 below 1, the share s10 stays on and reaches grade 11 as the
    // open pool there (no program: unplaced).
    let parameters = Parameters {
        after_grade_9_share: 0.5,
        continue_to_grade_10_share: 0.4,
        ..parameters
    };
    let forecast = run(&inputs, &parameters, 2026, 2040);
    let unplaced_2033 = forecast
        .unplaced
        .iter()
        .find(|u| (u.year, u.entry_grade) == (2033, 11))
        .expect("grade-3 counts of 2024 leave after grade 11 in 2033");
    close(unplaced_2033.pupils, 30.0 * 0.4 * 0.7);
}

/// One program entered after grade 9 and one after grade 11, each with
/// room for everyone, both completing and retaining everyone.
fn two_entries() -> Vec<ProgramInput> {
    vec![
        with_intake(
            program(10, &[(P1, 1.0)], 9, 12, Some(1.0)),
            2026,
            100_000,
            0,
        ),
        with_intake(
            program(20, &[(P2, 1.0)], 11, 12, Some(1.0)),
            2026,
            100_000,
            0,
        ),
    ]
}

fn everyone_stays() -> Parameters {
    Parameters {
        after_grade_9_share: 0.6,
        continue_to_grade_10_share: 0.3,
        after_grade_11_share: 0.5,
        retention_rate: 1.0,
        ..Parameters::default()
    }
}

#[test]
fn counts_stand_only_for_the_pupils_a_school_has_not_registered() {
    // School 1 has registered 35 of its 61 pupils of grade 9 (with their
    // interests, here all in the cluster Glass), and none of its 40 in grade 10.
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Cluster(GLASS), 35.0)],
        records: vec![records(1, 9, 2025, 35)],
        counts: vec![count(1, 9, 2025, 61), count(1, 10, 2025, 40)],
        programs: two_entries(),
        professions: professions(),
        ..Inputs::default()
    };
    let p = everyone_stays();
    let forecast = run(&inputs, &p, 2026, 2030);
    // After grade 9 in 2026: 35 registered and 26 from the count, times p9.
    close(intake(&forecast, 10, 2026), 61.0 * 0.6);
    // After grade 11: grade 10 now leaves in 2027 (p11), grade 9 in 2028 (s10 * p11).
    close(intake(&forecast, 20, 2027), 40.0 * 0.5);
    close(intake(&forecast, 20, 2028), 61.0 * 0.3 * 0.5);
    // The 26 not registered are the open pool; the program trains P1 in Glass,
    // so here everything reaches program 10 either way: check the pool's size
    // by taking the program away from the glass interest.
    let mut elsewhere = inputs.clone();
    elsewhere.interests = vec![mass(9, 2025, Target::Profession(P2), 35.0)];
    let forecast = run(&elsewhere, &p, 2026, 2030);
    // P2 is trained only after grade 11: the 35 interested go to the pool
    // too (no matching program after grade 9), so still 61 * p9.
    close(intake(&forecast, 10, 2026), 61.0 * 0.6);
    // More records than the count: the records stand, the count adds nothing.
    let mut more = inputs.clone();
    more.records = vec![records(1, 9, 2025, 70)];
    more.interests = vec![mass(9, 2025, Target::Open, 70.0)];
    let forecast = run(&more, &p, 2026, 2030);
    close(intake(&forecast, 10, 2026), 70.0 * 0.6);
}

#[test]
fn a_school_with_counts_only_is_forecast_from_its_statistics() {
    // No pupil records at all: grades 1 to 11 of the school statistics of 2025.
    let counts: Vec<SchoolCount> = (1..=11).map(|grade| count(7, grade, 2025, 100)).collect();
    let inputs = Inputs {
        counts,
        programs: two_entries(),
        professions: professions(),
        ..Inputs::default()
    };
    let p = everyone_stays();
    let forecast = run(&inputs, &p, 2026, 2040);
    // Grade 9 leaves after grade 9 in 2026; grade 8 in 2027.
    close(intake(&forecast, 10, 2026), 60.0);
    close(intake(&forecast, 10, 2027), 60.0);
    // After grade 11 in 2026: grade 11 (p11) ; 2027: grade 10 (p11);
    // 2028: grade 9 (s10 * p11).
    close(intake(&forecast, 20, 2026), 50.0);
    close(intake(&forecast, 20, 2027), 50.0);
    close(intake(&forecast, 20, 2028), 100.0 * 0.3 * 0.5);
    // Grade 1 in 2025 leaves after grade 9 in 2034.
    close(intake(&forecast, 10, 2034), 60.0);
    // Grades 1 to 4 are counted, so the cohorts of 2031 to 2034 are known.
    assert!(row(&forecast, P1, 2035).complete);
    assert!(!row(&forecast, P1, 2036).complete);
    // A count of a cohort that has left school (grade 11 of 2023) adds nothing.
    let old = Inputs {
        counts: vec![count(7, 11, 2023, 100)],
        ..inputs.clone()
    };
    let forecast = run(&old, &p, 2026, 2040);
    assert!(forecast.cohorts.is_empty());
}

#[test]
fn counts_of_a_year_after_as_of_are_placed_by_their_own_year() {
    // The statistics of 2026 read with as_of 2025: grade 9 of 2026 is grade 8 now.
    let inputs = Inputs {
        counts: vec![count(3, 9, 2026, 50), count(3, 1, 2026, 10)],
        // 20 records of that cohort, registered in 2025 in grade 8.
        records: vec![records(3, 8, 2025, 20)],
        interests: vec![mass(8, 2025, Target::Open, 20.0)],
        programs: two_entries(),
        professions: professions(),
        ..Inputs::default()
    };
    let p = everyone_stays();
    let forecast = run(&inputs, &p, 2026, 2040);
    // Leaves after grade 9 in 2027: 20 records and 30 more from the count.
    close(intake(&forecast, 10, 2027), 50.0 * 0.6);
    close(intake(&forecast, 10, 2026), 0.0);
    // Grade 1 of 2026 is not at school in 2025 (grade 0): still counted, and
    // leaves after grade 9 in 2035.
    close(intake(&forecast, 10, 2035), 10.0 * 0.6);
}

#[test]
fn demand_is_known_up_to_the_latest_year_posted() {
    let (inputs, parameters) = worked_example();
    let forecast = run(&inputs, &parameters, 2026, 2031);
    // P1 has demand posted for 2029 only: known up to 2029, not after.
    assert!(row(&forecast, P1, 2026).demand_known);
    assert!(row(&forecast, P1, 2029).demand_known);
    assert!(!row(&forecast, P1, 2030).demand_known);
    // P2 has none: no year is known, and its negative gap is no surplus.
    assert!(
        forecast
            .rows
            .iter()
            .filter(|r| r.profession_id == P2)
            .all(|r| !r.demand_known)
    );
    assert_eq!(
        forecast.demand_until,
        vec![
            model::DemandUntil {
                profession_id: P1,
                year: Some(2029)
            },
            model::DemandUntil {
                profession_id: P2,
                year: None
            },
        ]
    );
}

#[test]
fn p9_and_s10_that_add_up_to_more_than_1_run_as_s10_is_1_minus_p9() {
    let (inputs, _) = worked_example();
    let over = Parameters {
        after_grade_9_share: 0.7,
        continue_to_grade_10_share: 0.45,
        ..Parameters::default()
    };
    assert!(!over.shares_add_up());
    let exact = Parameters {
        continue_to_grade_10_share: 0.3,
        ..over
    };
    assert_eq!(
        run(&inputs, &over, 2026, 2030),
        run(&inputs, &exact, 2026, 2030)
    );
}

#[test]
fn a_past_cohort_without_an_enrollment_record_makes_its_rows_incomplete() {
    // Three study years; seats since 2020, an actual enrollment for 2023 only.
    let mut a = with_intake(program(10, &[(P1, 1.0)], 9, 34, Some(1.0)), 2020, 25, 0);
    a.enrollments.insert(2023, 20);
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 10.0)],
        programs: vec![a],
        professions: professions(),
        // P2 is demanded but trained by no program: its supply is known to be zero.
        demand: HashMap::from([((P2, 2030), 5.0)]),
        ..Inputs::default()
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2035);
    let complete = |year| row(&forecast, P1, year).complete;
    // Started 2023, recorded: complete. 2024 and 2025 started with carried-forward
    // seats and no record of what happened: incomplete.
    assert!(complete(2026));
    assert!(!complete(2027));
    assert!(!complete(2028));
    // Started 2026 to 2030: leavers in grades 5 to 9 now, registered.
    assert!((2029..=2033).all(complete));
    // Started 2031: in grade 4 now, neither registered nor counted.
    assert!(!complete(2034));
    assert!(
        forecast
            .rows
            .iter()
            .filter(|r| r.profession_id == P2)
            .all(|r| r.complete)
    );
    assert_eq!(complete_until(&forecast.rows, 2026, 2035), Some(2026));
    assert_eq!(complete_until(&forecast.rows, 2027, 2035), None);
    // A count of that grade-4 cohort makes 2034 known.
    let counted = Inputs {
        counts: vec![count(1, 4, 2025, 12)],
        ..inputs
    };
    let forecast = run(&counted, &Parameters::default(), 2026, 2035);
    assert!(row(&forecast, P1, 2034).complete);
    assert!(!row(&forecast, P1, 2035).complete);
}

/// The definition of the variants: min and max of the cell over the 64
/// corners and the central run, each a full central forecast (a corner that
/// breaks `p9 + s10 <= 1` runs as the engine runs it, with `s10 = 1 - p9`).
fn brute_force_variants(
    inputs: &Inputs,
    parameters: &Parameters,
    bounds: &Bounds,
    window: Window,
) -> Vec<(f64, f64)> {
    let central = engine::run(inputs, parameters, &Bounds::exact(parameters), window);
    let mut extremes: Vec<(f64, f64)> = central.rows.iter().map(|r| (r.supply, r.supply)).collect();
    let all = bounds.all();
    for corner in 0..64u32 {
        let values: [f64; 6] = std::array::from_fn(|i| {
            if corner & (1 << i) == 0 {
                all[i].low
            } else {
                all[i].high
            }
        });
        let parameters = Parameters::from_values(values);
        let run = engine::run(inputs, &parameters, &Bounds::exact(&parameters), window);
        for (extreme, row) in extremes.iter_mut().zip(&run.rows) {
            extreme.0 = extreme.0.min(row.supply);
            extreme.1 = extreme.1.max(row.supply);
        }
    }
    extremes
}

#[test]
fn low_and_high_are_the_extremes_over_the_corners_when_seats_cap_intakes() {
    // 40 leave after grade 9 and only 10 seats: every p9 in its bounds fills them.
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, None), 2026, 10, 4);
    let inputs = Inputs {
        interests: vec![mass(9, 2025, Target::Open, 40.0)],
        programs: vec![a],
        professions: professions(),
        demand: HashMap::from([((P1, 2027), 10.0)]),
        ..Inputs::default()
    };
    let parameters = Parameters::default();
    let bounds = Bounds::default();
    let window = Window {
        as_of: AS_OF,
        from: 2026,
        to: 2028,
    };
    let forecast = engine::run(&inputs, &parameters, &bounds, window);
    let cell = row(&forecast, P1, 2027);
    close(cell.supply, 0.93 * (4.0 * 0.95 + 6.0 * 0.6));
    close(cell.supply_low, 0.91 * (4.0 * 0.90 + 6.0 * 0.5));
    close(cell.supply_high, 0.95 * (4.0 * 1.0 + 6.0 * 0.7));
    close(cell.gap_low, 10.0 - cell.supply_high);
    close(cell.gap_high, 10.0 - cell.supply_low);
    for (row, (low, high)) in
        forecast
            .rows
            .iter()
            .zip(brute_force_variants(&inputs, &parameters, &bounds, window))
    {
        close(row.supply_low, low);
        close(row.supply_high, high);
    }
}

#[test]
fn the_sensitivity_moves_one_parameter_at_a_time() {
    let (inputs, parameters) = worked_example();
    let bounds = Bounds::default();
    let window = Window {
        as_of: AS_OF,
        from: 2026,
        to: 2030,
    };
    let prepared = Prepared::new(&inputs, window);
    let bars = prepared.sensitivity(&parameters, &bounds, P1, 2029);
    let names: Vec<&str> = bars.iter().map(|b| b.parameter).collect();
    assert_eq!(names, model::PARAMETER_NAMES);
    // p9 at 0.55: Glass 11 to A, P2 5.5 to B, the pool 5.5 split 25:20.
    let applicants = 11.0 + 5.5 * 25.0 / 45.0;
    close(bars[0].low, 0.55);
    close(
        bars[0].supply_at_low,
        0.85 * (5.0 * 0.95 + (applicants - 5.0) * 0.6),
    );
    // Staying on for grade 10 and the grade-11 share feed no program here.
    close(bars[1].supply_at_low, bars[1].supply_at_high);
    close(bars[2].supply_at_low, bars[2].supply_at_high);
    // A's own completion rate is data: the dropout rate moves nothing.
    close(bars[3].supply_at_low, bars[3].supply_at_high);
    let intake = 12.0 + 6.0 * 25.0 / 45.0;
    close(
        bars[4].supply_at_low,
        0.85 * (5.0 * 0.95 + (intake - 5.0) * 0.5),
    );
    close(
        bars[4].supply_at_high,
        0.85 * (5.0 * 0.95 + (intake - 5.0) * 0.7),
    );
    close(
        bars[5].supply_at_high,
        0.85 * (5.0 * 1.0 + (intake - 5.0) * 0.6),
    );
}

#[test]
fn explanations_name_the_intake_record_a_carried_forward_seat_came_from() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2024, 30, 0);
    let inputs = Inputs {
        interests: vec![mass(8, 2025, Target::Open, 10.0)],
        programs: vec![a],
        professions: professions(),
        ..Inputs::default()
    };
    let forecast = run(&inputs, &Parameters::default(), 2026, 2030);
    let cohort = forecast
        .cohorts
        .iter()
        .find(|c| c.start_year == 2027)
        .expect("the 2027 cohort");
    assert_eq!(cohort.seats_from_year, Some(2024));
    let parts = explain::supply_parts(&inputs, &forecast, P1, 2028);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].seats_from_year, Some(2024));
}

/// Worlds where no seat binds and each profession is trained after one entry
/// grade only: there the supply is monotone in every parameter.
fn unbound_world() -> impl Strategy<Value = (Inputs, Parameters)> {
    arbitrary_world().prop_map(|(mut inputs, parameters)| {
        for program in &mut inputs.programs {
            let grade = program.entry_grade;
            let mut merged: Vec<(i64, f64)> = Vec::new();
            for (id, share) in &program.professions {
                let id = match (grade, *id <= 2) {
                    (9, true) => 1,
                    (9, false) => 3,
                    (_, true) => 2,
                    (_, false) => 4,
                };
                match merged.iter_mut().find(|(p, _)| *p == id) {
                    Some(entry) => entry.1 += share,
                    None => merged.push((id, *share)),
                }
            }
            program.professions = merged;
            for seats in program.intakes.values_mut() {
                if seats.seats > 0 {
                    seats.seats = 10_000_000;
                }
            }
        }
        (inputs, parameters)
    })
}

fn bounds_around(parameters: &Parameters, spread: [(f64, f64); 6]) -> Bounds {
    let values = parameters.values();
    Bounds::from_all(std::array::from_fn(|i| Bound {
        low: values[i] * (1.0 - spread[i].0),
        high: values[i] + (1.0 - values[i]) * spread[i].1,
    }))
}

proptest! {
    #[test]
    fn every_row_has_gap_equal_to_demand_minus_supply_on_the_full_grid((inputs, parameters) in arbitrary_world()) {
        let forecast = run(&inputs, &parameters, 2026, 2036);
        let professions: std::collections::HashSet<i64> = forecast.rows.iter().map(|r| r.profession_id).collect();
        prop_assert_eq!(forecast.rows.len(), professions.len() * 11);
        for row in &forecast.rows {
            prop_assert!((row.gap - (row.demand - row.supply)).abs() < 1e-9);
            prop_assert!(row.supply >= 0.0);
            prop_assert!(row.supply_low <= row.supply && row.supply <= row.supply_high);
        }
    }

    #[test]
    fn a_cell_does_not_depend_on_from_or_to(
        (inputs, parameters) in arbitrary_world(),
        as_of in 2024..=2027i32,
        first in 2018..=2034i32,
        lengths in (0..=12i32, 0..=12i32),
    ) {
        let bounds = bounds_around(&parameters, [(0.2, 0.2); 6]);
        let wide = engine::run(&inputs, &parameters, &bounds, Window { as_of, from: 2016, to: 2046 });
        let (from, to) = (first, first + lengths.0.max(lengths.1));
        let narrow = engine::run(&inputs, &parameters, &bounds, Window { as_of, from, to });
        for row in &narrow.rows {
            let same = wide
                .rows
                .iter()
                .find(|r| r.profession_id == row.profession_id && r.year == row.year)
                .expect("the wide window holds every narrow cell");
            prop_assert_eq!(row, same);
        }
    }

    #[test]
    fn bounds_at_the_values_give_one_supply((inputs, parameters) in arbitrary_world()) {
        let forecast = run(&inputs, &parameters, 2026, 2036);
        for row in &forecast.rows {
            prop_assert_eq!(row.supply_low, row.supply);
            prop_assert_eq!(row.supply_high, row.supply);
        }
    }

    #[test]
    fn the_variants_are_the_extremes_of_the_65_runs(
        (inputs, parameters) in arbitrary_world(),
        spread in prop::array::uniform6((0.0..=1.0f64, 0.0..=1.0f64)),
    ) {
        let bounds = bounds_around(&parameters, spread);
        let window = Window { as_of: AS_OF, from: 2026, to: 2034 };
        let forecast = engine::run(&inputs, &parameters, &bounds, window);
        for (row, (low, high)) in forecast.rows.iter().zip(brute_force_variants(&inputs, &parameters, &bounds, window)) {
            prop_assert!((row.supply_low - low).abs() < 1e-9, "{} vs {}", row.supply_low, low);
            prop_assert!((row.supply_high - high).abs() < 1e-9, "{} vs {}", row.supply_high, high);
        }
    }

    #[test]
    fn without_binding_seats_any_parameters_within_the_bounds_stay_within_low_and_high(
        (inputs, parameters) in unbound_world(),
        mut spread in prop::array::uniform6((0.0..=1.0f64, 0.0..=1.0f64)),
        point in prop::array::uniform6(0.0..=1.0f64),
        stay in 0.0..=1.0f64,
    ) {
        // Where bounds let p9 + s10 exceed 1, corners run with s10 = 1 - p9
        // and the model is not linear in p9 there: this holds for bounds that
        // keep p9 + s10 <= 1 throughout (p9 and s10 not above their values,
        // s10 at most 1 - p9), where it is multilinear.
        let parameters = Parameters {
            continue_to_grade_10_share: (1.0 - parameters.after_grade_9_share) * stay,
            ..parameters
        };
        spread[0].1 = 0.0;
        spread[1].1 = 0.0;
        let bounds = bounds_around(&parameters, spread);
        let window = Window { as_of: AS_OF, from: 2026, to: 2036 };
        let forecast = engine::run(&inputs, &parameters, &bounds, window);
        let all = bounds.all();
        let inside = Parameters::from_values(std::array::from_fn(|i| all[i].low + point[i] * (all[i].high - all[i].low)));
        let elsewhere = engine::run(&inputs, &inside, &Bounds::exact(&inside), window);
        for (row, other) in forecast.rows.iter().zip(&elsewhere.rows) {
            let slack = 1e-9 * (1.0 + row.supply_high.abs());
            prop_assert!(other.supply >= row.supply_low - slack && other.supply <= row.supply_high + slack,
                "{} {}: {} outside [{}, {}]", row.profession_code, row.year, other.supply, row.supply_low, row.supply_high);
        }
    }

    #[test]
    fn more_seats_never_lower_a_programs_intake(
        (inputs, parameters) in arbitrary_world(),
        pick in any::<prop::sample::Index>(),
        year in 2026..=2032i32,
        extra in 1..=50i32,
    ) {
        prop_assume!(!inputs.programs.is_empty());
        let program = &inputs.programs[pick.index(inputs.programs.len())];
        let before = program.seats_in(year).unwrap_or(Seats { seats: 0, targeted: 0 });
        let change = IntakeChange { program_id: program.id, year, seats: before.seats + extra, targeted_seats: before.targeted };
        let base = run(&inputs, &parameters, 2026, 2040);
        let raised = run(&apply(&inputs, &[change]), &parameters, 2026, 2040);
        prop_assert!(intake(&raised, program.id, year) + 1e-9 >= intake(&base, program.id, year));
    }

    #[test]
    fn modelled_intake_never_exceeds_the_leavers_weight(
        (mut inputs, parameters) in arbitrary_world(),
    ) {
        for program in &mut inputs.programs {
            program.enrollments.clear();
        }
        let (from, to) = (2026, 2034);
        let forecast = run(&inputs, &parameters, from, to);
        for year in from..=to {
            for entry_grade in [9, 11] {
                let leavers: f64 = inputs
                    .interests
                    .iter()
                    .flat_map(|m| engine::contributions(m.grade, m.academic_year, &parameters).into_iter().map(move |c| (c, m.pupils)))
                    .filter(|((grade, exit_year, _), _)| *grade == entry_grade && *exit_year == year)
                    .map(|((_, _, weight), pupils)| weight * pupils)
                    .sum();
                let intake: f64 = forecast
                    .cohorts
                    .iter()
                    .filter(|c| c.start_year == year)
                    .filter(|c| inputs.programs.iter().any(|p| p.id == c.program_id && p.entry_grade == entry_grade))
                    .map(|c| c.intake)
                    .sum();
                prop_assert!(intake <= leavers + 1e-6, "{year} {entry_grade}: {intake} > {leavers}");
            }
        }
    }

    /// Version 3's cohort rule gives version 2's numbers on version 2's
    /// worlds: s10 = 1 - p9 (the worlds' own), counts only of grades 1 to 4,
    /// and every cohort that is in grade 5 or above now registered with at
    /// least as many records as its count. Version 2 is the same engine fed
    /// only the counts its rule used (cohorts still below grade 5) and no
    /// records.
    #[test]
    fn version_3_equals_version_2_with_s10_at_1_minus_p9_and_counts_of_grades_1_to_4(
        (inputs, parameters) in arbitrary_world(),
        schools in prop::collection::btree_map(1..=6i64, 2021..=2026i32, 0..=6),
        counts in prop::collection::vec((1..=6i64, 1..=4i32, 0..=60i64, 0..=5i64), 0..=20),
        as_of in 2024..=2026i32,
    ) {
        prop_assert!((parameters.continue_to_grade_10_share - (1.0 - parameters.after_grade_9_share)).abs() < 1e-12);
        let mut seen = std::collections::HashSet::new();
        let counts: Vec<(SchoolCount, i64)> = counts
            .into_iter()
            .filter_map(|(school, grade, pupils, extra)| {
                let year = *schools.get(&school)?;
                seen.insert((school, grade)).then_some((count(school, grade, year, pupils), extra))
            })
            .collect();
        let now = |c: &SchoolCount| c.grade + (as_of - c.academic_year);
        let version_2 = Inputs {
            counts: counts.iter().map(|(c, _)| *c).filter(|c| now(c) <= 4).collect(),
            records: Vec::new(),
            ..inputs.clone()
        };
        let version_3 = Inputs {
            counts: counts.iter().map(|(c, _)| *c).collect(),
            records: counts
                .iter()
                .filter(|(c, _)| now(c) >= 5)
                .map(|(c, extra)| records(c.school_id, now(c), as_of, c.pupils + extra))
                .collect(),
            ..inputs
        };
        let window = Window { as_of, from: 2024, to: 2040 };
        let bounds = bounds_around(&parameters, [(0.1, 0.1); 6]);
        prop_assert_eq!(
            engine::run(&version_3, &parameters, &bounds, window),
            engine::run(&version_2, &parameters, &bounds, window)
        );
    }

    #[test]
    fn a_scenario_with_no_changes_equals_the_stored_forecast((inputs, parameters) in arbitrary_world()) {
        prop_assert_eq!(run(&apply(&inputs, &[]), &parameters, 2026, 2036), run(&inputs, &parameters, 2026, 2036));
    }
}

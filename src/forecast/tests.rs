//! The engine against FORECAST.md: the worked example, one test per rule, and properties.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::model::{InterestMass, Profession, ProgramInput, Seats, Target};
use super::scenario::{IntakeChange, apply};
use super::*;

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
                cluster_id: GLASS,
            },
        ),
        (
            P2,
            Profession {
                code: "P2".into(),
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
    };
    let parameters = Parameters {
        after_grade_9_share: 0.6,
        ..Parameters::default()
    };
    (inputs, parameters)
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

#[test]
fn the_worked_example_gives_its_numbers() {
    let (inputs, parameters) = worked_example();
    let forecast = run(&inputs, &parameters, 2026, 2030);
    assert_eq!(forecast.rows.len(), 2);
    let p1 = &forecast.rows[0];
    assert_eq!((p1.profession_code.as_str(), p1.year), ("P1", 2029));
    close(p1.demand, 20.0);
    close(
        p1.supply,
        0.85 * (5.0 * 0.95 + (12.0 + 6.0 * 25.0 / 45.0 - 5.0) * 0.6),
    );
    assert_eq!(model::round2(p1.supply), 9.31);
    assert_eq!(model::round2(p1.gap), 10.69);
    assert_eq!(p1.coverage.map(model::round2), Some(0.47));
    let p2 = &forecast.rows[1];
    assert_eq!((p2.profession_code.as_str(), p2.year), ("P2", 2030));
    close(p2.demand, 0.0);
    assert_eq!(model::round2(p2.supply), 4.42);
    assert_eq!(model::round2(p2.gap), -4.42);
    assert_eq!(p2.coverage, None);
    assert_eq!(forecast.unplaced.len(), 1);
    assert_eq!(
        (forecast.unplaced[0].year, forecast.unplaced[0].entry_grade),
        (2028, 11)
    );
    close(forecast.unplaced[0].pupils, 11.2);
    // Applicants as the example says: A 15.3333, B 8.6667.
    close(intake(&forecast, 10, 2026), 12.0 + 6.0 * 25.0 / 45.0);
    close(intake(&forecast, 20, 2026), 6.0 + 6.0 * 20.0 / 45.0);
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
fn an_exit_year_before_from_counts_for_nothing_but_the_later_path_still_counts() {
    let a = with_intake(program(10, &[(P1, 1.0)], 9, 10, Some(1.0)), 2020, 100, 0);
    let b = with_intake(program(20, &[(P2, 1.0)], 11, 10, Some(1.0)), 2020, 100, 0);
    let inputs = Inputs {
        // Grade 9 in 2024: leaves after grade 9 in 2025 (before from), after grade 11 in 2027.
        interests: vec![mass(9, 2024, Target::Open, 100.0)],
        programs: vec![a, b],
        professions: professions(),
        demand: HashMap::new(),
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
            };
            let parameters = Parameters {
                after_grade_9_share: p9,
                after_grade_11_share: p11,
                annual_dropout_rate: a,
                retention_rate: r,
                targeted_retention_rate: rt,
            };
            (inputs, parameters)
        })
}

proptest! {
    #[test]
    fn every_row_has_gap_equal_to_demand_minus_supply((inputs, parameters) in arbitrary_world()) {
        let forecast = run(&inputs, &parameters, 2026, 2036);
        for row in &forecast.rows {
            prop_assert!((row.gap - (row.demand - row.supply)).abs() < 1e-9);
            prop_assert!(row.supply >= 0.0);
            prop_assert!(row.demand != 0.0 || row.supply != 0.0);
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

    #[test]
    fn a_scenario_with_no_changes_equals_the_stored_forecast((inputs, parameters) in arbitrary_world()) {
        prop_assert_eq!(run(&apply(&inputs, &[]), &parameters, 2026, 2036), run(&inputs, &parameters, 2026, 2036));
    }
}

//! The fast seat planner against the naive greedy, step by step: hand-made
//! worlds for ties, caps, the early stop, carry-forward and scenarios; and
//! random small worlds.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::engine::Window;
use super::model::{Inputs, InterestMass, Parameters, Profession, ProgramInput, Seats, Target};
use super::planner::{SeatPlan, SeatPlanRequest, plan, plan_naive};
use super::scenario::{IntakeChange, apply};

const WINDOW: Window = Window {
    as_of: 2025,
    from: 2026,
    to: 2034,
};

fn professions() -> HashMap<i64, Profession> {
    (1..=3)
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
        .collect()
}

fn program(
    id: i64,
    profession: i64,
    entry_grade: i32,
    months: i32,
    intakes: &[(i32, i32, i32)],
) -> ProgramInput {
    ProgramInput {
        id,
        entry_grade,
        duration_months: months,
        completion_rate: Some(0.9),
        professions: vec![(profession, 1.0)],
        intakes: intakes
            .iter()
            .map(|(year, seats, targeted)| {
                (
                    *year,
                    Seats {
                        seats: *seats,
                        targeted: *targeted,
                    },
                )
            })
            .collect(),
        enrollments: BTreeMap::new(),
    }
}

fn request(year: i32, budget: i32, step: i32) -> SeatPlanRequest {
    SeatPlanRequest {
        year,
        budget,
        step,
        candidates: Vec::new(),
        limits: HashMap::new(),
    }
}

/// The two planners agree: the same steps (programs and seats), the same
/// early stop, objectives equal up to rounding of the sums' order.
fn assert_same(fast: &SeatPlan, naive: &SeatPlan) {
    let choices = |plan: &SeatPlan| {
        plan.steps
            .iter()
            .map(|s| (s.program_id, s.seats))
            .collect::<Vec<_>>()
    };
    assert_eq!(choices(fast), choices(naive));
    assert_eq!(
        (fast.allocated, fast.unallocated),
        (naive.allocated, naive.unallocated)
    );
    assert_eq!(fast.programs, naive.programs);
    assert_eq!(fast.changes, naive.changes);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-7 * (1.0 + a.abs());
    assert!(close(fast.objective_before, naive.objective_before));
    assert!(close(fast.objective_after, naive.objective_after));
    for (a, b) in fast.steps.iter().zip(&naive.steps) {
        assert!(
            close(a.objective, b.objective),
            "{} vs {}",
            a.objective,
            b.objective
        );
    }
}

fn both(inputs: &Inputs, parameters: &Parameters, request: &SeatPlanRequest) -> SeatPlan {
    let fast = plan(inputs, parameters, WINDOW, request);
    let naive = plan_naive(inputs, parameters, WINDOW, request);
    assert_same(&fast, &naive);
    fast
}

/// Two identical glass programs, one machines program, pupils who like glass
/// and pupils who like nothing; demand for glass workers.
fn glass_world() -> Inputs {
    Inputs {
        interests: vec![
            InterestMass {
                grade: 9,
                academic_year: 2025,
                target: Target::Profession(1),
                pupils: 40.0,
            },
            InterestMass {
                grade: 8,
                academic_year: 2025,
                target: Target::Open,
                pupils: 60.0,
            },
        ],
        programs: vec![
            program(2, 1, 9, 12, &[(2026, 10, 0)]),
            program(1, 1, 9, 12, &[(2026, 10, 0)]),
            program(3, 2, 9, 12, &[(2026, 30, 0)]),
        ],
        professions: professions(),
        demand: HashMap::from([((1, 2027), 60.0), ((1, 2028), 60.0)]),
        ..Inputs::default()
    }
}

#[test]
fn equal_candidates_tie_and_the_lowest_id_takes_the_seats() {
    let inputs = glass_world();
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let planned = both(&inputs, &parameters, &request(2026, 10, 5));
    // Programs 1 and 2 are the same; 1 wins the tie, then 2 (now smaller) gains more.
    assert_eq!(planned.steps[0].program_id, 1);
    assert_eq!(planned.steps[0].seats, 15);
    assert_eq!(planned.allocated, 10);
    assert!(planned.objective_after < planned.objective_before);
}

#[test]
fn limits_cap_the_total_seats_and_stop_the_plan_when_no_candidate_fits() {
    let inputs = glass_world();
    let parameters = Parameters {
        after_grade_9_share: 1.0,
        ..Parameters::default()
    };
    let mut capped = request(2026, 100, 5);
    capped.limits = HashMap::from([(1, 15), (2, 12), (3, 30)]);
    let planned = both(&inputs, &parameters, &capped);
    // Program 1 may grow by one step, 2 by none (12 < 10 + 5), 3 by none.
    assert_eq!(planned.programs, vec![(1, 10, 15)]);
    assert_eq!((planned.allocated, planned.unallocated), (5, 95));
    // Only some candidates.
    let mut only = request(2026, 20, 5);
    only.candidates = vec![2, 3];
    let planned = both(&inputs, &parameters, &only);
    assert!(planned.steps.iter().all(|s| s.program_id != 1));
}

#[test]
fn the_plan_stops_when_a_step_gains_too_little() {
    let mut inputs = glass_world();
    // Demand nobody could miss: every step gains nothing.
    inputs.demand = HashMap::from([((1, 2027), 1.0)]);
    let planned = both(&inputs, &Parameters::default(), &request(2026, 50, 5));
    assert!(planned.steps.is_empty());
    assert_eq!((planned.allocated, planned.unallocated), (0, 50));
    // A large budget runs until the gains fall to 0.005.
    let inputs = glass_world();
    let planned = both(&inputs, &Parameters::default(), &request(2026, 2000, 5));
    assert!(planned.unallocated > 0, "{planned:?}");
}

#[test]
fn seats_carry_forward_until_the_next_intake_record() {
    // Program 1 has seats from 2026; program 2 from 2026 and a record of its own in 2028.
    let inputs = Inputs {
        interests: vec![
            InterestMass {
                grade: 7,
                academic_year: 2025,
                target: Target::Profession(1),
                pupils: 300.0,
            },
            InterestMass {
                grade: 9,
                academic_year: 2025,
                target: Target::Open,
                pupils: 100.0,
            },
        ],
        programs: vec![
            program(1, 1, 9, 12, &[(2026, 20, 5)]),
            program(2, 1, 9, 24, &[(2026, 20, 0), (2028, 40, 0)]),
            program(3, 3, 11, 12, &[]),
        ],
        professions: professions(),
        demand: (2027..=2034).map(|year| ((1, year), 80.0)).collect(),
        ..Inputs::default()
    };
    let parameters = Parameters::default();
    let planned = both(&inputs, &parameters, &request(2026, 60, 5));
    assert!(!planned.steps.is_empty());
    // A program with no seats at all starts from 0 and 0.
    let mut only_new = request(2026, 10, 5);
    only_new.candidates = vec![3];
    both(&inputs, &parameters, &only_new);
    // Seats for a later year.
    both(&inputs, &parameters, &request(2029, 30, 5));
}

#[test]
fn a_plan_on_top_of_a_scenario() {
    let inputs = glass_world();
    let changes = [IntakeChange {
        program_id: 3,
        year: 2026,
        seats: 0,
        targeted_seats: 0,
    }];
    let scenario = apply(&inputs, &changes);
    let parameters = Parameters {
        after_grade_9_share: 0.8,
        retention_rate: 0.7,
        ..Parameters::default()
    };
    let planned = both(&scenario, &parameters, &request(2026, 30, 10));
    assert!(planned.allocated > 0);
}

fn small_world() -> impl Strategy<Value = (Inputs, Parameters, SeatPlanRequest)> {
    let generated_program = (
        prop::sample::select(vec![9, 11]),
        1..=40i32,
        prop::option::of(0.3..=1.0f64),
        1i64..=3,
        prop::collection::btree_map(2024..=2031i32, (0..=40i32, 0..=40i32), 0..=3),
        prop::collection::btree_map(2022..=2028i32, 0..=50i32, 0..=2),
    );
    let interest = (
        5..=11i32,
        2024..=2025i32,
        prop_oneof![
            (1i64..=3).prop_map(Target::Profession),
            (1i64..=2).prop_map(Target::Cluster),
            Just(Target::Open)
        ],
        0.0..150.0f64,
    );
    (
        prop::collection::vec(generated_program, 1..=5),
        prop::collection::vec(interest, 1..=8),
        prop::collection::vec((1i64..=3, 2027..=2034i32, 5.0..150.0f64), 1..=8),
        (
            0.2..=1.0f64,
            0.2..=1.0f64,
            0.0..=0.2f64,
            0.3..=1.0f64,
            0.5..=1.0f64,
        ),
        (2026..=2029i32, 1..=60i32, 1..=12i32),
        prop::collection::vec((1i64..=5, 0..=60i32), 0..=2),
        prop::option::of(prop::collection::vec(1i64..=5, 1..=3)),
    )
        .prop_map(
            |(
                programs,
                interests,
                demand,
                (p9, p11, a, r, rt),
                (year, budget, step),
                limits,
                only,
            )| {
                // A program short of seats for a profession in demand, so that most worlds plan something.
                let base = program(1, 1, 9, 12, &[(2025, 5, 1)]);
                let programs: Vec<ProgramInput> = std::iter::once(base)
                    .chain(programs.into_iter().enumerate().map(
                        |(i, (grade, months, completion, profession, intakes, enrollments))| {
                            ProgramInput {
                                id: i as i64 + 2,
                                entry_grade: grade,
                                duration_months: months,
                                completion_rate: completion,
                                professions: vec![(profession, 1.0)],
                                intakes: intakes
                                    .into_iter()
                                    .map(|(y, (seats, targeted))| {
                                        (
                                            y,
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
                    ))
                    .enumerate()
                    .map(|(i, program)| ProgramInput {
                        id: i as i64 + 1,
                        ..program
                    })
                    .collect();
                let count = programs.len() as i64;
                let inputs = Inputs {
                    interests: interests
                        .into_iter()
                        .map(|(grade, academic_year, target, pupils)| InterestMass {
                            grade,
                            academic_year,
                            target,
                            pupils,
                        })
                        .chain((5..=9).map(|grade| InterestMass {
                            grade,
                            academic_year: 2025,
                            target: Target::Open,
                            pupils: 60.0,
                        }))
                        .collect(),
                    programs,
                    professions: professions(),
                    demand: demand
                        .into_iter()
                        .map(|(p, y, h)| ((p, y), h.round()))
                        .chain((2027..=2034).map(|year| ((1, year), 40.0)))
                        .collect(),
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
                let request = SeatPlanRequest {
                    year,
                    budget,
                    step,
                    candidates: only
                        .map(|ids| ids.into_iter().filter(|id| *id <= count).collect())
                        .unwrap_or_default(),
                    limits: limits.into_iter().filter(|(id, _)| *id <= count).collect(),
                };
                (inputs, parameters, request)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_fast_planner_takes_the_naive_greedys_steps((inputs, parameters, request) in small_world()) {
        let fast = plan(&inputs, &parameters, WINDOW, &request);
        let naive = plan_naive(&inputs, &parameters, WINDOW, &request);
        assert_same(&fast, &naive);
    }
}

//! Step 11: the model run again from what was known at each origin, scored
//! against what happened, beside the naive forecast "the latest record
//! stays", on the same pairs.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::calibration::calibrated_parameters;
use super::records::{CountsRead, Records, SchoolYears, four_decimals_or_null};
use crate::forecast::engine::{LeavingShares, Prepared, Scaling, Window};
use crate::forecast::model::{Inputs, Parameters, Profession, ProgramInput, SchoolCount};

/// What is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Students who started a program in a year.
    Enrollment,
    /// Graduates of a program in a calendar year.
    Graduates,
    /// A year's graduates working in their profession in the region a year later.
    Retained,
}

pub const STAGES: [Stage; 3] = [Stage::Enrollment, Stage::Graduates, Stage::Retained];

/// The model's and the naive forecast's errors over some pairs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Score {
    pub pairs: i64,
    /// The sum of the actual values.
    pub actual: i64,
    /// `sum |predicted - actual| / sum actual`; `null` where that sum is 0.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub wape: Option<f64>,
    /// `sum (predicted - actual) / sum actual`.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub bias: Option<f64>,
    /// The naive forecast's WAPE on the same pairs.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub naive_wape: Option<f64>,
}

/// A stage's score at one lead (years after the origin).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeadScore {
    pub lead: i32,
    pub pairs: i64,
    pub actual: i64,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub wape: Option<f64>,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub bias: Option<f64>,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub naive_wape: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StageScores {
    pub stage: Stage,
    /// Every lead together.
    pub overall: Score,
    pub leads: Vec<LeadScore>,
}

/// An origin and the parameters its forecast ran with.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Origin {
    pub origin: i32,
    pub parameters: Parameters,
    /// The parameters calibrated as of the origin; the others are the model's defaults.
    pub calibrated: Vec<String>,
}

/// Step 11's answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Backtest {
    pub as_of: i32,
    pub window: i32,
    pub counts: CountsRead,
    pub origins: Vec<Origin>,
    pub stages: Vec<StageScores>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    pairs: i64,
    actual: i64,
    error: f64,
    absolute: f64,
    naive_absolute: f64,
}

impl Sums {
    fn add(&mut self, predicted: f64, actual: i64, naive: i64) {
        self.pairs += 1;
        self.actual += actual;
        self.error += predicted - actual as f64;
        self.absolute += (predicted - actual as f64).abs();
        self.naive_absolute += (naive - actual).abs() as f64;
    }

    fn merge(&mut self, other: &Sums) {
        self.pairs += other.pairs;
        self.actual += other.actual;
        self.error += other.error;
        self.absolute += other.absolute;
        self.naive_absolute += other.naive_absolute;
    }

    fn score(&self) -> Score {
        let of = |sum: f64| (self.actual != 0).then(|| sum / self.actual as f64);
        Score {
            pairs: self.pairs,
            actual: self.actual,
            wape: of(self.absolute),
            bias: of(self.error),
            naive_wape: of(self.naive_absolute),
        }
    }
}

/// The world as known in `origin`: each school's latest counts of a year up
/// to then (without interests), intakes and enrollments of years up to then.
pub fn world_of(records: &Records, professions: &HashMap<i64, Profession>, origin: i32) -> Inputs {
    let mut schools: Vec<(&i64, &SchoolYears)> = records.counts.iter().collect();
    schools.sort_by_key(|(id, _)| **id);
    let mut counts = Vec::new();
    for (school_id, years) in schools {
        let Some((academic_year, grades)) = years.range(..=origin).next_back() else {
            continue;
        };
        for (i, pupils) in grades.iter().enumerate() {
            if *pupils > 0 {
                counts.push(SchoolCount {
                    school_id: *school_id,
                    grade: i as i32 + 1,
                    academic_year: *academic_year,
                    pupils: *pupils,
                });
            }
        }
    }
    Inputs {
        counts,
        programs: records
            .programs
            .iter()
            .map(|p| ProgramInput {
                intakes: p
                    .program
                    .intakes
                    .range(..=origin)
                    .map(|(y, s)| (*y, *s))
                    .collect(),
                enrollments: p
                    .program
                    .enrollments
                    .range(..=origin)
                    .map(|(y, n)| (*y, *n))
                    .collect(),
                ..p.program.clone()
            })
            .collect(),
        professions: professions.clone(),
        ..Inputs::default()
    }
}

/// One origin's predictions per program index: by start year the intake,
/// by graduation year the graduates and the retained graduates.
struct Predicted {
    intake: HashMap<(usize, i32), f64>,
    graduates: HashMap<(usize, i32), f64>,
    retained: HashMap<(usize, i32), f64>,
}

fn predict(world: &Inputs, parameters: &Parameters, origin: i32, as_of: i32) -> Predicted {
    let longest = world
        .programs
        .iter()
        .map(ProgramInput::study_years)
        .max()
        .unwrap_or(1);
    let window = Window {
        as_of: origin,
        from: origin + 1,
        to: as_of + longest,
    };
    let prepared = Prepared::new(world, window);
    let flow = prepared.flow(LeavingShares::of(parameters));
    let scaling = Scaling::of(parameters);
    let mut predicted = Predicted {
        intake: HashMap::new(),
        graduates: HashMap::new(),
        retained: HashMap::new(),
    };
    for cohort in &flow.cohorts {
        let program = &world.programs[cohort.program];
        let key = (cohort.program, cohort.graduation_year);
        predicted
            .intake
            .insert((cohort.program, cohort.start_year), cohort.intake);
        predicted.graduates.insert(
            key,
            program.completion(parameters.annual_dropout_rate) * cohort.intake,
        );
        predicted
            .retained
            .insert(key, scaling.retained(program, cohort));
    }
    predicted
}

/// Step 11: origins `first..=last` (each before `as_of`), parameters
/// calibrated as of each over `window` years.
pub fn backtest(
    records: &Records,
    professions: &HashMap<i64, Profession>,
    counts: CountsRead,
    as_of: i32,
    origins: std::ops::RangeInclusive<i32>,
    window: i32,
) -> Backtest {
    let mut sums: BTreeMap<(Stage, i32), Sums> = BTreeMap::new();
    let mut answered = Vec::new();
    for origin in origins {
        let (parameters, calibrated) = calibrated_parameters(records, origin, window);
        let world = world_of(records, professions, origin);
        let predicted = predict(&world, &parameters, origin, as_of);
        for (k, program) in records.programs.iter().enumerate() {
            let enrollments = &program.program.enrollments;
            if let Some((_, naive)) = enrollments.range(..=origin).next_back() {
                for (&year, &actual) in enrollments.range((origin + 1)..=as_of) {
                    let value = predicted.intake.get(&(k, year)).copied().unwrap_or(0.0);
                    sums.entry((Stage::Enrollment, year - origin))
                        .or_default()
                        .add(value, i64::from(actual), i64::from(*naive));
                }
            }
            if let Some((_, naive)) = program.graduations.range(..=origin).next_back() {
                for (&year, actual) in program.graduations.range((origin + 1)..=as_of) {
                    let value = predicted.graduates.get(&(k, year)).copied().unwrap_or(0.0);
                    sums.entry((Stage::Graduates, year - origin))
                        .or_default()
                        .add(value, actual.graduates, naive.graduates);
                }
            }
            if let Some((_, naive)) = program.destinations.range(..origin).next_back() {
                for (&year, actual) in program.destinations.range((origin + 1)..as_of) {
                    let value = predicted.retained.get(&(k, year)).copied().unwrap_or(0.0);
                    sums.entry((Stage::Retained, year - origin))
                        .or_default()
                        .add(
                            value,
                            actual.employed_in_profession,
                            naive.employed_in_profession,
                        );
                }
            }
        }
        answered.push(Origin {
            origin,
            parameters,
            calibrated: calibrated.into_iter().map(String::from).collect(),
        });
    }
    let stages = STAGES
        .iter()
        .map(|stage| {
            let mut overall = Sums::default();
            let leads = sums
                .iter()
                .filter(|((s, _), _)| s == stage)
                .map(|((_, lead), lead_sums)| {
                    overall.merge(lead_sums);
                    let score = lead_sums.score();
                    LeadScore {
                        lead: *lead,
                        pairs: score.pairs,
                        actual: score.actual,
                        wape: score.wape,
                        bias: score.bias,
                        naive_wape: score.naive_wape,
                    }
                })
                .collect();
            StageScores {
                stage: *stage,
                overall: overall.score(),
                leads,
            }
        })
        .collect();
    Backtest {
        as_of,
        window,
        counts,
        origins: answered,
        stages,
    }
}

//! What the engine reads (aggregates, never rows of pupils) and what it answers.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The five region-wide parameters of FORECAST.md.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    pub after_grade_9_share: f64,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    pub targeted_retention_rate: f64,
}

impl Default for Parameters {
    fn default() -> Self {
        Self {
            after_grade_9_share: 0.65,
            after_grade_11_share: 0.70,
            annual_dropout_rate: 0.07,
            retention_rate: 0.60,
            targeted_retention_rate: 0.95,
        }
    }
}

impl Parameters {
    /// The parameters by name, for checking and messages.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("after_grade_9_share", self.after_grade_9_share),
            ("after_grade_11_share", self.after_grade_11_share),
            ("annual_dropout_rate", self.annual_dropout_rate),
            ("retention_rate", self.retention_rate),
            ("targeted_retention_rate", self.targeted_retention_rate),
        ]
    }
}

/// What a share of pupils is interested in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Profession(i64),
    Cluster(i64),
    /// No interest (none listed, or no consent): the open pool.
    Open,
}

/// Pupils recorded in `grade` as of `academic_year`, as a mass of `pupils`
/// (fractional: each pupil's interests add up to one pupil) interested in `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterestMass {
    pub grade: i32,
    pub academic_year: i32,
    pub target: Target,
    pub pupils: f64,
}

/// Seats of one intake year; later years without a record carry them forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    pub seats: i32,
    pub targeted: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgramInput {
    pub id: i64,
    pub entry_grade: i32,
    pub duration_months: i32,
    pub completion_rate: Option<f64>,
    /// `(profession_id, share)`, shares adding up to 1.
    pub professions: Vec<(i64, f64)>,
    pub intakes: BTreeMap<i32, Seats>,
    /// Actual students who started, by start year.
    pub enrollments: BTreeMap<i32, i32>,
}

impl ProgramInput {
    /// Seats in year `year`: its own intake record, else the latest before it.
    pub fn seats_in(&self, year: i32) -> Option<Seats> {
        self.intakes
            .range(..=year)
            .next_back()
            .map(|(_, seats)| *seats)
    }

    /// Whole years of study: `ceil(duration_months / 12)`.
    pub fn study_years(&self) -> i32 {
        (self.duration_months + 11) / 12
    }

    pub fn completion(&self, parameters: &Parameters) -> f64 {
        self.completion_rate
            .unwrap_or_else(|| (1.0 - parameters.annual_dropout_rate).powi(self.study_years()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profession {
    pub code: String,
    pub cluster_id: i64,
}

/// Everything the forecast needs, loaded with a handful of aggregate queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub interests: Vec<InterestMass>,
    pub programs: Vec<ProgramInput>,
    pub professions: HashMap<i64, Profession>,
    /// Headcount demanded per `(profession_id, year)`.
    pub demand: HashMap<(i64, i32), f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    pub profession_id: i64,
    pub profession_code: String,
    pub year: i32,
    #[serde(serialize_with = "two_decimals")]
    pub demand: f64,
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
    /// demand - supply: positive is a shortage.
    #[serde(serialize_with = "two_decimals")]
    pub gap: f64,
    /// supply / demand; `null` where demand is 0.
    #[serde(serialize_with = "two_decimals_or_null")]
    pub coverage: Option<f64>,
}

/// School leavers of an exit year and entry grade with no regional place.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Unplaced {
    pub year: i32,
    pub entry_grade: i32,
    #[serde(serialize_with = "two_decimals")]
    pub pupils: f64,
}

/// One program's cohort starting in `start_year`: how it was filled and what it yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub program_id: i64,
    pub start_year: i32,
    /// Modelled applicants; `None` for a cohort known only from an enrollment record.
    pub applicants: Option<f64>,
    pub seats: i32,
    pub intake: f64,
    /// Whether `intake` is an actual enrollment rather than the model's.
    pub actual: bool,
    pub targeted: f64,
    pub completion_rate: f64,
    pub graduation_year: i32,
    pub retained: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// One row per (profession, year) in range with demand or supply, by profession code, then year.
    pub rows: Vec<Row>,
    /// By year, then entry grade; only non-zero amounts.
    pub unplaced: Vec<Unplaced>,
    /// Every cohort with students that starts or graduates within the range, for explanations.
    pub cohorts: Vec<Cohort>,
}

/// Numbers are computed in f64 and rounded to two decimals only when written out.
pub fn round2(value: f64) -> f64 {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == 0.0 { 0.0 } else { rounded }
}

pub fn two_decimals<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round2(*value))
}

pub fn two_decimals_or_null<S: serde::Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_f64(round2(*value)),
        None => serializer.serialize_none(),
    }
}

//! What the engine reads (aggregates, never rows of pupils) and what it answers.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The six region-wide parameters of the model (docs/forecast.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_9_share: f64,
    /// s10: share of pupils completing grade 9 who go on to grade 10 of a school;
    /// `p9 + s10` is at most 1.
    #[schema(minimum = 0, maximum = 1)]
    pub continue_to_grade_10_share: f64,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    #[schema(minimum = 0, maximum = 1)]
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    #[schema(minimum = 0, maximum = 1)]
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    #[schema(minimum = 0, maximum = 1)]
    pub targeted_retention_rate: f64,
}

impl Default for Parameters {
    fn default() -> Self {
        Self {
            after_grade_9_share: 0.65,
            continue_to_grade_10_share: 0.35,
            after_grade_11_share: 0.70,
            annual_dropout_rate: 0.07,
            retention_rate: 0.60,
            targeted_retention_rate: 0.95,
        }
    }
}

/// How many parameters the model has.
pub const PARAMETER_COUNT: usize = 6;

/// The parameters that change who applies where (steps 1 to 3), by index:
/// p9, s10 and p11; the others only scale each cohort's graduates.
pub const FLOW_PARAMETERS: [usize; 3] = [0, 1, 2];

/// The parameters by name.
pub const PARAMETER_NAMES: [&str; PARAMETER_COUNT] = [
    "after_grade_9_share",
    "continue_to_grade_10_share",
    "after_grade_11_share",
    "annual_dropout_rate",
    "retention_rate",
    "targeted_retention_rate",
];

impl Parameters {
    /// The parameters by name, in `PARAMETER_NAMES` order.
    pub fn named(&self) -> [(&'static str, f64); PARAMETER_COUNT] {
        let values = self.values();
        std::array::from_fn(|i| (PARAMETER_NAMES[i], values[i]))
    }

    pub fn values(&self) -> [f64; PARAMETER_COUNT] {
        [
            self.after_grade_9_share,
            self.continue_to_grade_10_share,
            self.after_grade_11_share,
            self.annual_dropout_rate,
            self.retention_rate,
            self.targeted_retention_rate,
        ]
    }

    pub fn from_values(values: [f64; PARAMETER_COUNT]) -> Self {
        Self {
            after_grade_9_share: values[0],
            continue_to_grade_10_share: values[1],
            after_grade_11_share: values[2],
            annual_dropout_rate: values[3],
            retention_rate: values[4],
            targeted_retention_rate: values[5],
        }
    }

    /// Whether `p9 + s10 <= 1`: no pupil both leaves after grade 9 and stays on.
    pub fn shares_add_up(&self) -> bool {
        self.after_grade_9_share + self.continue_to_grade_10_share <= 1.0 + 1e-12
    }

    /// The share that stays on for grade 10 as a run uses it: `s10`, or
    /// `1 - p9` where the two would send more than every pupil somewhere
    /// (a corner, a sensitivity run).
    pub fn staying_share(&self) -> f64 {
        staying_share(self.after_grade_9_share, self.continue_to_grade_10_share)
    }
}

/// `s10`, or `1 - p9` where `p9 + s10` would exceed 1.
pub fn staying_share(p9: f64, s10: f64) -> f64 {
    s10.min(1.0 - p9).max(0.0)
}

/// How far a parameter may plausibly be off: `low <= value <= high`, within [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    #[schema(minimum = 0, maximum = 1)]
    pub low: f64,
    #[schema(minimum = 0, maximum = 1)]
    pub high: f64,
}

/// Each parameter's bounds; the low and high variants of every row are the
/// extremes over their corners.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub after_grade_9_share: Bound,
    pub continue_to_grade_10_share: Bound,
    pub after_grade_11_share: Bound,
    pub annual_dropout_rate: Bound,
    pub retention_rate: Bound,
    pub targeted_retention_rate: Bound,
}

impl Default for Bounds {
    fn default() -> Self {
        let bound = |low, high| Bound { low, high };
        Self {
            after_grade_9_share: bound(0.55, 0.75),
            continue_to_grade_10_share: bound(0.25, 0.45),
            after_grade_11_share: bound(0.60, 0.80),
            annual_dropout_rate: bound(0.05, 0.09),
            retention_rate: bound(0.50, 0.70),
            targeted_retention_rate: bound(0.90, 1.00),
        }
    }
}

impl Bounds {
    /// The bounds in `PARAMETER_NAMES` order.
    pub fn all(&self) -> [Bound; PARAMETER_COUNT] {
        [
            self.after_grade_9_share,
            self.continue_to_grade_10_share,
            self.after_grade_11_share,
            self.annual_dropout_rate,
            self.retention_rate,
            self.targeted_retention_rate,
        ]
    }

    pub fn from_all(bounds: [Bound; PARAMETER_COUNT]) -> Self {
        Self {
            after_grade_9_share: bounds[0],
            continue_to_grade_10_share: bounds[1],
            after_grade_11_share: bounds[2],
            annual_dropout_rate: bounds[3],
            retention_rate: bounds[4],
            targeted_retention_rate: bounds[5],
        }
    }

    /// Every bound at the parameter's own value: the variants equal the central run.
    pub fn exact(parameters: &Parameters) -> Self {
        Self::from_all(parameters.values().map(|v| Bound { low: v, high: v }))
    }
}

/// What a share of pupils is interested in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Profession(i64),
    Cluster(i64),
    /// No interest (none listed, or no consent, or a younger pupil known only as a count): the open pool.
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

/// A school's pupil records of one grade and academic year: how many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchoolRecords {
    pub school_id: i64,
    pub grade: i32,
    pub academic_year: i32,
    pub pupils: i64,
}

/// A school's count of its pupils in `grade` (1 to 11) during
/// `academic_year`, from its latest recorded year of counts (the annual
/// school statistics).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchoolCount {
    pub school_id: i64,
    pub grade: i32,
    pub academic_year: i32,
    pub pupils: i64,
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
        self.seats_record(year).map(|(_, seats)| seats)
    }

    /// The intake record that gives the seats of `year`, and its year.
    pub fn seats_record(&self, year: i32) -> Option<(i32, Seats)> {
        self.intakes
            .range(..=year)
            .next_back()
            .map(|(year, seats)| (*year, *seats))
    }

    /// Whether the program has no seats in `year` (no record then or before, or 0 seats).
    pub fn closed_in(&self, year: i32) -> bool {
        self.seats_in(year).is_none_or(|seats| seats.seats <= 0)
    }

    /// Whole years of study: `ceil(duration_months / 12)`.
    pub fn study_years(&self) -> i32 {
        (self.duration_months + 11) / 12
    }

    pub fn completion(&self, annual_dropout_rate: f64) -> f64 {
        self.completion_rate
            .unwrap_or_else(|| (1.0 - annual_dropout_rate).powi(self.study_years()))
    }

    /// This program's share of `profession_id` (0 when it does not train it).
    pub fn share_of(&self, profession_id: i64) -> f64 {
        self.professions
            .iter()
            .find(|(id, _)| *id == profession_id)
            .map_or(0.0, |(_, share)| *share)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profession {
    pub code: String,
    pub title: String,
    pub cluster_id: i64,
}

/// Everything the forecast needs, loaded with a handful of aggregate queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub interests: Vec<InterestMass>,
    /// Pupil records per school, grade and academic year (step 1's cohort rule).
    pub records: Vec<SchoolRecords>,
    /// Each school's latest recorded year of counts, grades 1 to 11.
    pub counts: Vec<SchoolCount>,
    pub programs: Vec<ProgramInput>,
    pub professions: HashMap<i64, Profession>,
    /// Headcount demanded per `(profession_id, year)`.
    pub demand: HashMap<(i64, i32), f64>,
}

impl Inputs {
    /// Step 5: the latest year of any demand record per profession.
    pub fn demand_until(&self) -> HashMap<i64, i32> {
        let mut until: HashMap<i64, i32> = HashMap::new();
        for &(profession_id, year) in self.demand.keys() {
            let latest = until.entry(profession_id).or_insert(year);
            *latest = (*latest).max(year);
        }
        until
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Row {
    pub profession_id: i64,
    pub profession_code: String,
    pub profession_title: String,
    pub year: i32,
    #[serde(serialize_with = "two_decimals")]
    pub demand: f64,
    /// Retained graduates expected in the year, with the central parameters.
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
    /// demand - supply: positive is a shortage.
    #[serde(serialize_with = "two_decimals")]
    pub gap: f64,
    /// supply / demand; `null` where demand is 0.
    #[serde(serialize_with = "two_decimals_or_null")]
    pub coverage: Option<f64>,
    /// Whether every cohort that could graduate into this cell is known
    /// (recorded, or pupils kadry knows of); an incomplete cell is a floor.
    pub complete: bool,
    /// Whether the year is at most the latest year of any demand posted for
    /// the profession: where it is not, a negative gap is no surplus, only
    /// years nobody has posted demand for yet.
    pub demand_known: bool,
    /// The smallest supply over the parameters' corners and the central run.
    #[serde(serialize_with = "two_decimals")]
    pub supply_low: f64,
    /// The largest supply over the same runs.
    #[serde(serialize_with = "two_decimals")]
    pub supply_high: f64,
    /// demand - supply_high.
    #[serde(serialize_with = "two_decimals")]
    pub gap_low: f64,
    /// demand - supply_low.
    #[serde(serialize_with = "two_decimals")]
    pub gap_high: f64,
    /// In a scenario or a plan: the gap of the same cell on the stored data.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "two_decimals_or_null"
    )]
    pub gap_before: Option<f64>,
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
    /// The year of the intake record the seats come from (earlier than
    /// `start_year` when carried forward); `None` when the program had none.
    pub seats_from_year: Option<i32>,
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
    pub as_of: i32,
    /// One row per profession (trained or demanded) and year in range, by
    /// profession code, then year.
    pub rows: Vec<Row>,
    /// By year, then entry grade; only amounts above 1e-9.
    pub unplaced: Vec<Unplaced>,
    /// Every cohort with students that graduates within the range, for explanations.
    pub cohorts: Vec<Cohort>,
    /// Per profession of the rows (by code), the latest year of any demand
    /// posted for it; `None` where it has none.
    pub demand_until: Vec<DemandUntil>,
}

/// The latest year of demand posted for a profession.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct DemandUntil {
    pub profession_id: i64,
    pub year: Option<i32>,
}

/// The last year `y` in `from..=to` such that every row of every year from
/// `from` to `y` is complete; `None` when the first year is not.
pub fn complete_until(rows: &[Row], from: i32, to: i32) -> Option<i32> {
    let mut until = None;
    for year in from..=to {
        if rows.iter().any(|row| row.year == year && !row.complete) {
            break;
        }
        until = Some(year);
    }
    until
}

/// Numbers are computed in f64 and rounded to two decimals only when written
/// out, in every format the same way: the correct rounding of the f64 value,
/// as `format!("{:.2}")` prints it.
pub fn round2(value: f64) -> f64 {
    rounded(value, 2)
}

/// `value` to `decimals` places as `format!("{:.N}")` prints it, no negative zero.
pub fn rounded(value: f64, decimals: usize) -> f64 {
    let rounded: f64 = format!("{value:.decimals$}").parse().unwrap_or(value);
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// The number as every format writes it: two decimals, no negative zero.
pub fn two_decimals_text(value: f64) -> String {
    format!("{:.2}", round2(value))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_the_same_in_every_format() {
        // 2848.415 is 2848.41499999... in binary: {:.2} gives 2848.41, and so must JSON.
        assert_eq!(round2(2848.415), 2848.41);
        assert_eq!(two_decimals_text(2848.415), "2848.41");
        assert_eq!(round2(-0.001), 0.0);
        assert_eq!(two_decimals_text(-0.001), "0.00");
    }
}

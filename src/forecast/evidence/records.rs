//! What steps 10 and 11 read (records of what happened, as aggregates) and
//! how their rates are written.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use crate::forecast::model::ProgramInput;

/// The longest window of years calibration may look back over.
pub const MAX_WINDOW: i32 = 15;

/// The window when none is asked for.
pub const DEFAULT_WINDOW: i32 = 5;

/// The completion rate's prior weight, in students: a program's proposed
/// rate is `(graduated + PRIOR * c0) / (enrolled + PRIOR)`.
pub const PRIOR_STUDENTS: f64 = 30.0;

/// A school's counts: academic year → pupils of grades 1 to 11 (index 0 is grade 1).
pub type SchoolYears = BTreeMap<i32, [i64; 11]>;

/// How many finished a program in one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Graduated {
    pub graduates: i64,
    pub targeted: i64,
}

/// Where one year's graduates were a year later: the counts step 10 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Destined {
    pub employed_in_profession: i64,
    pub employed_in_profession_targeted: i64,
    pub unknown: i64,
}

/// One program's inputs with its records of what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRecords {
    pub program: ProgramInput,
    pub title: String,
    pub institution_name: String,
    /// By calendar year of graduation.
    pub graduations: BTreeMap<i32, Graduated>,
    /// By graduation year.
    pub destinations: BTreeMap<i32, Destined>,
}

/// Everything steps 10 and 11 read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// Every school's counts of every recorded year, by school id.
    pub counts: HashMap<i64, SchoolYears>,
    /// By program id.
    pub programs: Vec<ProgramRecords>,
}

/// Which counts of pupils an answer was computed from: exactly as the
/// schools gave them (admins), or each school's count of each grade and
/// year rounded by the disclosure rule before summing (everyone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountsRead {
    Exact,
    Protected,
}

/// Rates are written rounded to four decimals, as `format!("{:.4}")` prints them.
pub fn round4(value: f64) -> f64 {
    crate::forecast::model::rounded(value, 4)
}

pub fn four_decimals<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round4(*value))
}

pub fn four_decimals_or_null<S: serde::Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_f64(round4(*value)),
        None => serializer.serialize_none(),
    }
}

//! Step 10: each parameter estimated from the records of a window of years,
//! year by year with why a year does not count, and each program's observed
//! completion with a proposed rate shrunk toward the region's.

use serde::Serialize;
use utoipa::ToSchema;

use super::records::{
    CountsRead, PRIOR_STUDENTS, ProgramRecords, Records, SchoolYears, four_decimals,
    four_decimals_or_null, round4,
};
use crate::forecast::model::{Bound, Bounds, PARAMETER_COUNT, PARAMETER_NAMES, Parameters};

/// Why a year of the window does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhyNot {
    /// A program with seats that year has no enrollment record for it.
    MissingEnrollments,
    /// A school with counts of some year has none of the year needed.
    MissingCounts,
    /// No program (or no school) has the records the year needs.
    NoRecords,
    /// The records are there, but the denominator is 0.
    ZeroDenominator,
}

/// One year of a parameter's window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct YearEvidence {
    pub year: i32,
    pub numerator: i64,
    pub denominator: i64,
    /// `numerator / denominator` (for the dropout rate, `1 - c^(1/D)` of
    /// the year's completion `c`); `null` where the denominator is 0.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub ratio: Option<f64>,
    pub valid: bool,
    /// Why the year does not count; `null` for a valid year.
    pub why_not: Option<WhyNot>,
    /// Retention only: the share of the year's graduates whose destination
    /// is unknown (counted as not retained).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "four_decimals_or_null"
    )]
    pub unknown_share: Option<f64>,
    /// The dropout rate only: the mean years of study of the year's
    /// cohorts, weighted by enrollment (`D`); not written out.
    #[serde(skip)]
    pub study_years: f64,
}

/// One parameter: its stored value and bounds, the estimate from the
/// window's valid years, and every year.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ParameterEvidence {
    pub name: String,
    #[serde(serialize_with = "four_decimals")]
    pub current: f64,
    #[serde(serialize_with = "four_decimals")]
    pub current_low: f64,
    #[serde(serialize_with = "four_decimals")]
    pub current_high: f64,
    /// The pooled rate over the valid years; `null` without one.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub estimate: Option<f64>,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub low: Option<f64>,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub high: Option<f64>,
    /// At least three valid years: only then is the estimate applied.
    pub enough: bool,
    pub years: Vec<YearEvidence>,
}

impl ParameterEvidence {
    pub fn valid_years(&self) -> usize {
        self.years.iter().filter(|year| year.valid).count()
    }
}

/// One program's observed completion over the window.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProgramCompletion {
    pub program_id: i64,
    pub title: String,
    pub institution_name: String,
    /// The stored completion rate; `null`: the model's `(1 - a)^years`.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub current: Option<f64>,
    /// Graduation years with a graduation record and the cohort's enrollment record.
    pub cohorts: i64,
    pub enrolled: i64,
    pub graduated: i64,
    #[serde(serialize_with = "four_decimals_or_null")]
    pub observed: Option<f64>,
    /// `(graduated + 30 c0) / (enrolled + 30)`; `null` without a cohort.
    #[serde(serialize_with = "four_decimals_or_null")]
    pub proposed: Option<f64>,
}

/// Step 10's answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Calibration {
    pub as_of: i32,
    pub window: i32,
    pub counts: CountsRead,
    /// In the parameters' order.
    pub parameters: Vec<ParameterEvidence>,
    pub programs: Vec<ProgramCompletion>,
}

/// Step 10 as of `as_of` over `window` years, beside the stored values.
pub fn calibrate(
    records: &Records,
    counts: CountsRead,
    current: (&Parameters, &Bounds),
    as_of: i32,
    window: i32,
) -> Calibration {
    let years = estimate_years(records, as_of, window);
    let values = current.0.values();
    let bounds = current.1.all();
    let parameters: Vec<ParameterEvidence> = years
        .into_iter()
        .enumerate()
        .map(|(i, years)| evidence(i, values[i], bounds[i], years))
        .collect();
    let dropout = parameters[3].estimate.unwrap_or(values[3]);
    Calibration {
        as_of,
        window,
        counts,
        programs: records
            .programs
            .iter()
            .map(|program| completion(program, as_of, window, dropout))
            .collect(),
        parameters,
    }
}

/// The parameters calibrated as of an origin (step 11): the estimate of
/// each parameter with enough evidence, the model's default for the rest
/// (s10 as `1 - p9` where the two break `p9 + s10 <= 1`), and the names of
/// the calibrated ones.
pub fn calibrated_parameters(
    records: &Records,
    as_of: i32,
    window: i32,
) -> (Parameters, Vec<&'static str>) {
    let mut values = Parameters::default().values();
    let mut calibrated = Vec::new();
    let defaults = Bounds::default().all();
    for (i, years) in estimate_years(records, as_of, window)
        .into_iter()
        .enumerate()
    {
        let evidence = evidence(i, values[i], defaults[i], years);
        if let (true, Some(estimate)) = (evidence.enough, evidence.estimate) {
            values[i] = round4(estimate);
            calibrated.push(PARAMETER_NAMES[i]);
        }
    }
    let mut parameters = Parameters::from_values(values);
    parameters.continue_to_grade_10_share = parameters.staying_share();
    (parameters, calibrated)
}

/// Each parameter's years, in the parameters' order.
fn estimate_years(records: &Records, as_of: i32, window: i32) -> [Vec<YearEvidence>; 6] {
    let first = as_of - window + 1;
    let entry_years = first..=as_of;
    [
        entry_years
            .clone()
            .map(|y| entry_share(records, as_of, 9, y))
            .collect(),
        entry_years
            .clone()
            .map(|y| continue_share(records, y))
            .collect(),
        entry_years
            .clone()
            .map(|y| entry_share(records, as_of, 11, y))
            .collect(),
        entry_years.map(|y| dropout(records, y)).collect(),
        ((first - 1)..as_of)
            .map(|y| retention(records, y, false))
            .collect(),
        ((first - 1)..as_of)
            .map(|y| retention(records, y, true))
            .collect(),
    ]
}

fn evidence(i: usize, current: f64, bound: Bound, years: Vec<YearEvidence>) -> ParameterEvidence {
    let valid: Vec<&YearEvidence> = years.iter().filter(|year| year.valid).collect();
    let estimate = (!valid.is_empty()).then(|| {
        let numerator: i64 = valid.iter().map(|year| year.numerator).sum();
        let denominator: i64 = valid.iter().map(|year| year.denominator).sum();
        let pooled = numerator as f64 / denominator as f64;
        let rate = if i == 3 {
            let study_years = valid
                .iter()
                .map(|year| year.study_years * year.denominator as f64)
                .sum::<f64>()
                / denominator as f64;
            dropout_of(pooled, study_years)
        } else {
            pooled
        };
        rate.clamp(0.0, 1.0)
    });
    let ends = |pick: fn(f64, f64) -> f64| {
        estimate.map(|estimate| {
            valid
                .iter()
                .filter_map(|year| year.ratio)
                .fold(estimate, pick)
                .clamp(0.0, 1.0)
        })
    };
    ParameterEvidence {
        name: PARAMETER_NAMES[i].to_string(),
        current,
        current_low: bound.low,
        current_high: bound.high,
        estimate,
        low: ends(f64::min),
        high: ends(f64::max),
        enough: valid.len() >= 3,
        years,
    }
}

/// The yearly dropout rate of a completion `c` over `d` years of study: `1 - c^(1/d)`.
fn dropout_of(completion: f64, study_years: f64) -> f64 {
    if study_years <= 0.0 {
        return 0.0;
    }
    1.0 - completion.max(0.0).powf(1.0 / study_years)
}

fn year(year: i32, numerator: i64, denominator: i64, why_not: Option<WhyNot>) -> YearEvidence {
    let why_not = why_not.or((denominator <= 0).then_some(WhyNot::ZeroDenominator));
    YearEvidence {
        year,
        numerator,
        denominator,
        ratio: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        valid: why_not.is_none(),
        why_not,
        unknown_share: None,
        study_years: 0.0,
    }
}

/// A school's pupils of `grade` in `academic_year`, if it has counts of that year.
fn count(years: &SchoolYears, academic_year: i32, grade: i32) -> Option<i64> {
    years
        .get(&academic_year)
        .map(|grades| grades[(grade - 1) as usize])
}

/// p9 or p11 of entry year `y`: the entry grade's enrollments in y over the
/// region's pupils of that grade in academic year `y - 1`.
fn entry_share(records: &Records, as_of: i32, entry_grade: i32, y: i32) -> YearEvidence {
    let programs = records
        .programs
        .iter()
        .map(|p| &p.program)
        .filter(|p| p.entry_grade == entry_grade);
    let mut numerator = 0;
    let mut missing_enrollments = false;
    for program in programs {
        match program.enrollments.get(&y) {
            Some(students) => numerator += i64::from(*students),
            None if !program.closed_in(y) => missing_enrollments = true,
            None => {}
        }
    }
    let mut denominator = 0;
    let mut missing_counts = false;
    for years in records.counts.values() {
        // A school known as of `as_of`: counts of some year up to then.
        if years.range(..=as_of).next().is_none() {
            continue;
        }
        match count(years, y - 1, entry_grade) {
            Some(pupils) => denominator += pupils,
            None => missing_counts = true,
        }
    }
    let why_not = if missing_enrollments {
        Some(WhyNot::MissingEnrollments)
    } else if missing_counts {
        Some(WhyNot::MissingCounts)
    } else {
        None
    };
    year(y, numerator, denominator, why_not)
}

/// s10 of academic year `y`: pupils in grade 10 in y over pupils in grade 9
/// in y - 1, over the schools with counts of both years.
fn continue_share(records: &Records, y: i32) -> YearEvidence {
    let mut numerator = 0;
    let mut denominator = 0;
    let mut schools = 0;
    for years in records.counts.values() {
        if let (Some(tenth), Some(ninth)) = (count(years, y, 10), count(years, y - 1, 9)) {
            numerator += tenth;
            denominator += ninth;
            schools += 1;
        }
    }
    year(
        y,
        numerator,
        denominator,
        (schools == 0).then_some(WhyNot::NoRecords),
    )
}

/// The dropout rate of graduation year `y`: graduates over the enrollments
/// of the cohorts graduating then, over the programs with both records.
fn dropout(records: &Records, y: i32) -> YearEvidence {
    let mut numerator = 0;
    let mut denominator = 0;
    let mut weighted_years = 0.0;
    let mut programs = 0;
    for program in &records.programs {
        let study_years = program.program.study_years();
        let (Some(graduated), Some(enrolled)) = (
            program.graduations.get(&y),
            program.program.enrollments.get(&(y - study_years)),
        ) else {
            continue;
        };
        numerator += graduated.graduates;
        denominator += i64::from(*enrolled);
        weighted_years += f64::from(study_years) * f64::from(*enrolled);
        programs += 1;
    }
    let mut evidence = year(
        y,
        numerator,
        denominator,
        (programs == 0).then_some(WhyNot::NoRecords),
    );
    if denominator > 0 {
        evidence.study_years = weighted_years / denominator as f64;
        evidence.ratio = Some(dropout_of(
            numerator as f64 / denominator as f64,
            evidence.study_years,
        ));
    }
    evidence
}

/// r (or rt) of graduation year `y`: graduates from ordinary (targeted)
/// seats working in their profession a year later, over those graduates.
fn retention(records: &Records, y: i32, targeted: bool) -> YearEvidence {
    let mut numerator = 0;
    let mut denominator = 0;
    let mut unknown = 0;
    let mut graduates = 0;
    let mut programs = 0;
    for program in &records.programs {
        let (Some(graduated), Some(destined)) =
            (program.graduations.get(&y), program.destinations.get(&y))
        else {
            continue;
        };
        if targeted {
            numerator += destined.employed_in_profession_targeted;
            denominator += graduated.targeted;
        } else {
            numerator += destined.employed_in_profession - destined.employed_in_profession_targeted;
            denominator += graduated.graduates - graduated.targeted;
        }
        unknown += destined.unknown;
        graduates += graduated.graduates;
        programs += 1;
    }
    let mut evidence = year(
        y,
        numerator,
        denominator,
        (programs == 0).then_some(WhyNot::NoRecords),
    );
    evidence.unknown_share = (graduates > 0).then(|| unknown as f64 / graduates as f64);
    evidence
}

/// A program's observed completion over the window's graduation years and
/// its proposed rate, shrunk toward `c0 = (1 - a)^years`.
fn completion(
    program: &ProgramRecords,
    as_of: i32,
    window: i32,
    dropout: f64,
) -> ProgramCompletion {
    let study_years = program.program.study_years();
    let (mut cohorts, mut enrolled, mut graduated) = (0, 0, 0);
    for (&y, graduation) in program.graduations.range((as_of - window + 1)..=as_of) {
        if let Some(students) = program.program.enrollments.get(&(y - study_years)) {
            cohorts += 1;
            enrolled += i64::from(*students);
            graduated += graduation.graduates;
        }
    }
    let prior = (1.0 - dropout).powi(study_years);
    ProgramCompletion {
        program_id: program.program.id,
        title: program.title.clone(),
        institution_name: program.institution_name.clone(),
        current: program.program.completion_rate,
        cohorts,
        enrolled,
        graduated,
        observed: (enrolled > 0).then(|| graduated as f64 / enrolled as f64),
        proposed: (cohorts > 0).then(|| {
            (graduated as f64 + PRIOR_STUDENTS * prior) / (enrolled as f64 + PRIOR_STUDENTS)
        }),
    }
}

/// What applying a calibration stores: each parameter with enough evidence
/// takes its estimate and its low and high (rounded to four decimals, as
/// shown); the others keep `current`. Returns the names applied.
pub fn applied(
    calibration: &Calibration,
    current: (&Parameters, &Bounds),
) -> (Parameters, Bounds, Vec<String>) {
    let mut values = current.0.values();
    let mut bounds = current.1.all();
    let mut names = Vec::new();
    for (i, parameter) in calibration
        .parameters
        .iter()
        .enumerate()
        .take(PARAMETER_COUNT)
    {
        if let (true, Some(estimate), Some(low), Some(high)) = (
            parameter.enough,
            parameter.estimate,
            parameter.low,
            parameter.high,
        ) {
            values[i] = round4(estimate);
            bounds[i] = Bound {
                low: round4(low),
                high: round4(high),
            };
            names.push(parameter.name.clone());
        }
    }
    (
        Parameters::from_values(values),
        Bounds::from_all(bounds),
        names,
    )
}

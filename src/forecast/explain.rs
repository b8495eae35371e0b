//! One cell of the forecast taken apart: which cohorts of which programs make its supply.

use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Forecast, Inputs, two_decimals, two_decimals_or_null};

/// One cohort's part of a cell's supply.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SupplyPart {
    pub program_id: i64,
    /// The year the cohort started.
    pub intake_year: i32,
    /// Modelled applicants; `null` for a cohort known only from an enrollment record.
    #[serde(serialize_with = "two_decimals_or_null")]
    pub applicants: Option<f64>,
    pub seats: i32,
    /// The year of the intake record the seats come from: earlier than
    /// `intake_year` when they are carried forward, `null` when there is none.
    pub seats_from_year: Option<i32>,
    #[serde(serialize_with = "two_decimals")]
    pub intake: f64,
    /// Whether the intake is the college's actual enrollment.
    pub actual_enrollment: bool,
    #[serde(serialize_with = "two_decimals")]
    pub targeted: f64,
    pub completion_rate: f64,
    /// Graduates who stay in the region and the profession, before the share.
    #[serde(serialize_with = "two_decimals")]
    pub retained: f64,
    /// The program's share of this profession.
    pub share: f64,
    /// retained × share: this cohort's part of the cell's supply.
    #[serde(serialize_with = "two_decimals")]
    pub supply: f64,
}

/// The cohorts graduating in `year` from programs that train `profession_id`,
/// each with its part of the supply of (`profession_id`, `year`).
pub fn supply_parts(
    inputs: &Inputs,
    forecast: &Forecast,
    profession_id: i64,
    year: i32,
) -> Vec<SupplyPart> {
    forecast
        .cohorts
        .iter()
        .filter(|cohort| cohort.graduation_year == year)
        .filter_map(|cohort| {
            let program = inputs.programs.iter().find(|p| p.id == cohort.program_id)?;
            let share = program
                .professions
                .iter()
                .find(|(id, _)| *id == profession_id)?
                .1;
            Some(SupplyPart {
                program_id: cohort.program_id,
                intake_year: cohort.start_year,
                applicants: cohort.applicants,
                seats: cohort.seats,
                seats_from_year: cohort.seats_from_year,
                intake: cohort.intake,
                actual_enrollment: cohort.actual,
                targeted: cohort.targeted,
                completion_rate: cohort.completion_rate,
                retained: cohort.retained,
                share,
                supply: cohort.retained * share,
            })
        })
        .collect()
}

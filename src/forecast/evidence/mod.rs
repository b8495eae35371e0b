//! Steps 10 and 11 of docs/forecast.md: how the records of what happened
//! bear on the parameters (`calibration`) and how right the model would have
//! been (`backtest`), on the aggregates of `records`. Pure, on aggregates the
//! application loads.

mod backtest;
mod calibration;
mod records;

pub use backtest::{Backtest, LeadScore, Origin, Score, Stage, StageScores, backtest, world_of};
pub use calibration::{
    Calibration, ParameterEvidence, ProgramCompletion, WhyNot, YearEvidence, applied, calibrate,
    calibrated_parameters,
};
pub use records::{
    CountsRead, DEFAULT_WINDOW, Destined, Graduated, MAX_WINDOW, PRIOR_STUDENTS, ProgramRecords,
    Records, SchoolYears, four_decimals, four_decimals_or_null, round4,
};

#[cfg(test)]
mod tests;

//! The staffing-gap forecast of docs/forecast.md: a pure engine over aggregates, its variants, explanations, and scenarios on top of it.

pub mod engine;
pub mod evidence;
pub mod explain;
pub mod export;
pub mod model;
pub mod planner;
pub mod recommend;
pub mod scenario;

pub use engine::run;
pub use model::{Forecast, Inputs, Parameters};

/// The longest span a forecast covers, in years after `from`.
pub const MAX_SPAN: i32 = 30;

#[cfg(test)]
mod planner_tests;
#[cfg(test)]
mod tests;

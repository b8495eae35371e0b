//! The staffing-gap forecast of FORECAST.md: a pure engine over aggregates, and scenarios on top of it.

pub mod engine;
pub mod model;
pub mod recommend;
pub mod scenario;

pub use engine::run;
pub use model::{Forecast, Inputs, Parameters};

#[cfg(test)]
mod tests;

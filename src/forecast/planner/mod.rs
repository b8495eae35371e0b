//! The seat planner (docs/forecast.md, step 8): given a budget of seats for
//! one intake year, where do they cut the unmet demand most?
//!
//! `plan` is the greedy of the model, made fast: a step of seats for one
//! program changes only the distribution of its entry grade in the years its
//! seats carry into, the cohorts of those distributions, and the cells they
//! graduate into. Each distribution is kept as per-program rates, so a
//! candidate's effect is a few additions per program instead of a forecast.
//! `plan_naive` runs one whole forecast per candidate and step; the tests
//! hold the two to the same steps.

mod fast;
mod naive;
mod request;
mod state;

pub use fast::plan;
pub use naive::plan_naive;
pub use request::{MIN_GAIN, PlanStep, SeatPlan, SeatPlanRequest, TIE};

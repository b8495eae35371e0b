//! The cohort-flow model of docs/forecast.md, step by step, on aggregates;
//! no HTTP, no SQL: step 1 (`paths`), steps 2-3 (`flow`), step 4 and the
//! variants (`supply`), and the whole forecast (`prepared`, `run`).
//!
//! One simulation runs from the academic year in progress (`as_of`); `from`
//! and `to` only choose which years' rows come out, so a cell has the same
//! value in every window that contains it. Of the six parameters only the
//! three school-leaving shares (p9, s10, p11) change who applies where
//! (steps 1 to 3, a `Flow`); completion and retention scale each cohort's
//! graduates linearly, so the 65 runs of the low and high variants need
//! nine flows, not 65.

mod flow;
mod grid;
mod paths;
mod prepared;
mod reach;
mod run;
mod supply;
mod unit;
mod window;

pub use flow::{Flow, FlowCohort};
pub use grid::Grid;
pub use paths::{LeavingShares, contributions, open_counts};
pub use prepared::{Prepared, Window, unmet};
pub use run::run;
pub use supply::{Scaling, Sensitivity};

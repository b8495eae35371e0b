//! Loading a whole region into an empty database: the application's use
//! case behind `kadry demo` (the Vladimir region, `vladimir.toml`) and
//! `kadry generate` (a numbered region of any size, for benchmarks).
//!
//! Deterministic: the same seed gives the same database. It writes through
//! the database layer's bulk functions in a few large transactions, with
//! values it makes valid by construction (grades, shares, seats within the
//! API's limits); the scale is a parameter, the names come from a
//! `Catalogue`.

mod catalogue;
mod demand;
mod guidance;
pub mod history;
mod institutions;
mod load;
mod pupils;
mod scale;
pub mod vladimir;

pub use catalogue::{
    Catalogue, ClusterSpec, DemandPlan, EnterpriseSpec, InstitutionSpec, ProfessionSpec,
    ProgramSpec,
};
pub use load::load;
pub use scale::{Loaded, REGION_PUPILS, Scale, Stage};

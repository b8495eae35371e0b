//! One module per area of the pages; each handler reads the viewer, calls
//! the application layer and renders a template.

pub mod admin;
pub mod catalogue;
pub mod demand;
pub mod events;
pub mod forecast;
pub mod guidance;
pub mod home;
pub mod outcomes;
pub mod programs;
pub mod pupils;
pub mod recommended;
pub mod registration;
pub mod roster;

use actix_web::web;

pub use catalogue::{all_clusters, all_organizations, all_professions, all_programs, names_of};

pub fn configure(cfg: &mut web::ServiceConfig) {
    home::configure(cfg);
    forecast::configure(cfg);
    programs::configure(cfg);
    outcomes::configure(cfg);
    demand::configure(cfg);
    roster::configure(cfg);
    pupils::configure(cfg);
    guidance::configure(cfg);
    events::configure(cfg);
    admin::configure(cfg);
}

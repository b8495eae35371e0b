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
pub mod registration;

use actix_web::web;

pub use catalogue::{all_clusters, all_organizations, all_professions, all_programs, names_of};

/// A page's query as a form, for its filters.
pub fn query_form(req: &actix_web::HttpRequest) -> crate::web::form::Form {
    crate::web::form::Form::of_query(req.query_string(), crate::web::i18n::lang_of(req))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    home::configure(cfg);
    forecast::configure(cfg);
    programs::configure(cfg);
    outcomes::configure(cfg);
    demand::configure(cfg);
    pupils::configure(cfg);
    guidance::configure(cfg);
    events::configure(cfg);
    admin::configure(cfg);
}

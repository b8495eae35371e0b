//! The REST API, one face of kadry: one file per resource, handlers that
//! extract, call `app` and shape the answer (`respond`); the route table
//! and the OpenAPI document are made from one list (`table`), so they
//! cannot disagree; errors are RFC 9457 problems (`problem`).

pub mod audit;
pub mod auth;
pub mod clusters;
pub mod demand;
pub mod events;
pub mod evidence;
pub mod extract;
pub mod forecast;
pub mod grade_counts;
pub mod guidance;
pub mod health;
pub mod intakes;
pub mod notifications;
pub mod openapi;
pub mod organizations;
pub mod outcomes;
pub mod plans;
pub mod problem;
pub mod professions;
pub mod programs;
pub mod published;
pub mod pupils;
pub mod recommendations;
pub mod respond;
pub mod roster;
pub mod scrape;
pub mod stats;
pub mod table;
pub mod users;

pub use problem::ApiError;
pub use respond::{AppState, Listing, PageQuery, created, page, tagged};
pub use table::{ApiDoc, configure};

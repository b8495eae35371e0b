//! kadry: career guidance and workforce planning for a region.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod forecast;
pub mod roster;
pub mod routes;
pub mod startup;
pub mod telemetry;

//! kadry: career guidance and workforce planning for a region.
//!
//! The house, top to bottom (each layer imports only layers below it, no
//! face imports another, and no two files import each other in a circle;
//! `tests/layers.rs` checks it): `startup` puts the faces together; the
//! faces are `routes` (the REST API), `web` (the pages) and `cli` (the
//! commands); `http` holds what the two HTTP faces share; `app` holds every
//! rule; below it `db` (all SQL) and `notify` (email templates and
//! transports); then `forecast` (the pure engine), `auth`, `roster`,
//! `telemetry`; then `config`, `domain` (validated values), and `error`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod forecast;
pub mod http;
pub mod notify;
pub mod rng;
pub mod roster;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod web;

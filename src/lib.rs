//! kadry: career guidance and workforce planning for a region.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod forecast;
pub mod notify;
pub mod rng;
pub mod roster;
pub mod routes;
pub mod startup;
pub mod synth;
pub mod telemetry;
pub mod web;

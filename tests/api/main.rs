//! Black-box tests: the real server on port 0, a fresh database per test,
//! SQLite by default and PostgreSQL when KADRY_TEST_DATABASE_URL is set.

mod attendance;
mod auth;
mod browser;
mod cache;
mod calibration;
mod catalogue;
mod cli;
mod conditional;
mod demand;
mod demo;
mod disclosure;
mod errors;
mod event_pages;
mod evidence;
mod findings;
mod forecast;
mod guidance;
mod health;
mod helpers;
mod notifications;
mod pages;
mod plans;
mod programs;
mod published;
mod pupils;
mod retention;
mod role_pages;
mod roster;
mod security;
mod shutdown;
mod smtp;
mod stats;
mod users;
mod web;
mod younger;

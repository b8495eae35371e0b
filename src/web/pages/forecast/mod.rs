//! The forecast's pages: the heatmap with its downloads (`heatmap`), a
//! profession's chart and one cell taken apart (`cell`), scenarios
//! (`scenario`) and the seat planner (`plan`).

mod cell;
mod common;
mod heatmap;
mod plan;
mod scenario;

use actix_web::web;

use cell::{explain, profession};
pub use common::gap_before;
use heatmap::{download_csv, download_xlsx, heatmap};
use plan::{plan_form, plan_run};
use scenario::{scenario_form, scenario_run};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/forecast", web::get().to(heatmap))
        .route("/forecast.csv", web::get().to(download_csv))
        .route("/forecast.xlsx", web::get().to(download_xlsx))
        .route("/forecast/professions/{id}", web::get().to(profession))
        .route("/forecast/explain", web::get().to(explain))
        .route("/scenario", web::get().to(scenario_form))
        .route("/scenario", web::post().to(scenario_run))
        .route("/plans/seats", web::get().to(plan_form))
        .route("/plans/seats", web::post().to(plan_run));
}

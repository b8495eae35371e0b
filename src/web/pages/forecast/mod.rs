//! The forecast's pages: the heatmap with its downloads (`heatmap`), a
//! profession's chart and one cell taken apart (`cell`), scenarios
//! (`scenario`), the seat planner (`plan`), and what the forecast rests on
//! with the published forecasts (`evidence`).

mod cell;
mod common;
mod evidence;
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
        .route("/forecast/evidence", web::get().to(evidence::evidence))
        .route("/forecast/evidence/apply", web::post().to(evidence::apply))
        .route("/forecast/published", web::post().to(evidence::publish))
        .route(
            "/forecast/published/{id}",
            web::get().to(evidence::published),
        )
        .route(
            "/forecast/published/{id}/delete",
            web::post().to(evidence::delete_published),
        )
        .route("/scenario", web::get().to(scenario_form))
        .route("/scenario", web::post().to(scenario_run))
        .route("/plans/seats", web::get().to(plan_form))
        .route("/plans/seats", web::post().to(plan_run));
}

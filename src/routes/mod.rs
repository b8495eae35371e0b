//! The HTTP surface: the route table in one place, one file per resource, handlers kept thin.

pub mod auth;
pub mod clusters;
pub mod demand;
pub mod events;
pub mod extract;
pub mod forecast;
pub mod guidance;
pub mod health;
pub mod intakes;
pub mod notifications;
pub mod openapi;
pub mod organizations;
pub mod professions;
pub mod programs;
pub mod pupils;
pub mod recommendations;
pub mod references;
pub mod roster;
pub mod stats;
pub mod users;

use actix_web::{HttpResponse, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::domain::Page;
use crate::error::ApiError;

use crate::auth::JwtKeys;
use crate::config::ThrottleSettings;
use crate::db::DbPool;

/// What every handler may reach.
pub struct AppState {
    pub pool: DbPool,
    pub jwt: JwtKeys,
    pub throttle: ThrottleSettings,
    pub letterhead: crate::notify::Letterhead,
    pub invitation_ttl_hours: i64,
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(openapi::openapi_json)
        .service(auth::login)
        .service(auth::me)
        .service(auth::set_password)
        .service(notifications::list_notifications)
        .service(notifications::retry_notification)
        .service(users::create_user)
        .service(users::get_user)
        .service(clusters::create_cluster)
        .service(clusters::list_clusters)
        .service(clusters::get_cluster)
        .service(professions::create_profession)
        .service(professions::list_professions)
        .service(professions::get_profession)
        .service(organizations::create_organization)
        .service(organizations::list_organizations)
        .service(organizations::get_organization)
        .service(programs::create_program)
        .service(programs::list_programs)
        .service(programs::get_program)
        .service(programs::replace_program)
        .service(programs::delete_program)
        .service(intakes::put_intake)
        .service(intakes::list_intakes)
        .service(intakes::delete_intake)
        .service(intakes::put_enrollment)
        .service(intakes::list_enrollments)
        .service(intakes::delete_enrollment)
        .service(pupils::create_pupil)
        .service(pupils::list_pupils)
        .service(pupils::get_pupil)
        .service(pupils::patch_pupil)
        .service(pupils::delete_pupil)
        .service(roster::import_roster)
        .service(stats::pupil_counts)
        .service(demand::create_demand)
        .service(demand::list_demand)
        .service(demand::get_demand)
        .service(demand::replace_demand)
        .service(demand::delete_demand)
        .service(forecast::get_forecast)
        .service(forecast::get_forecast_csv)
        .service(forecast::run_scenario)
        .service(forecast::get_parameters)
        .service(forecast::put_parameters)
        .service(forecast::explain)
        .service(events::create_event)
        .service(events::list_events)
        .service(events::get_event)
        .service(events::register)
        .service(events::unregister)
        .service(events::cancel)
        .service(events::attendance)
        .service(guidance::guidance_report)
        .service(recommendations::recommendations);
}

/// 201 with the created object and its `Location`.
pub fn created(location: String, body: &impl Serialize) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// A page of a list: `{"items": [...], "total": N}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// How many match the filters, on every page.
    pub total: i64,
}

impl<T> From<(Vec<T>, i64)> for Listing<T> {
    fn from((items, total): (Vec<T>, i64)) -> Self {
        Self { items, total }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        Page::parse(self.limit, self.offset).map_err(ApiError::Invalid)
    }
}

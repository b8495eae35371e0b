//! The HTTP surface: the route table in one place, one file per resource, handlers kept thin.

pub mod auth;
pub mod clusters;
pub mod extract;
pub mod health;
pub mod openapi;
pub mod organizations;
pub mod professions;
pub mod users;

use actix_web::{HttpResponse, http::header, web};
use serde::Serialize;

use crate::auth::JwtKeys;
use crate::config::ThrottleSettings;
use crate::db::DbPool;

/// What every handler may reach.
pub struct AppState {
    pub pool: DbPool,
    pub jwt: JwtKeys,
    pub throttle: ThrottleSettings,
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(openapi::openapi_json)
        .service(auth::login)
        .service(auth::me)
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
        .service(organizations::get_organization);
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

//! The REST API: one file per resource, handlers that extract, call `app`
//! and shape the answer; the route table and the OpenAPI document are made
//! from one list, so they cannot disagree.

pub mod audit;
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
pub mod plans;
pub mod problem;
pub mod professions;
pub mod programs;
pub mod pupils;
pub mod recommendations;
pub mod roster;
pub mod stats;
pub mod users;
pub mod younger;

use actix_web::{HttpResponse, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::app::conditional::entity_tag_of_json;
use crate::domain::Page;
use crate::error::AppError;
use openapi::{BearerAuth, CommonAnswers};
pub use problem::ApiError;

/// Every handler reaches the application through this.
pub type AppState = crate::app::Context;

/// Registers each handler with actix and documents it in the OpenAPI
/// document: the one list of the API's routes.
macro_rules! api {
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        /// Every route of the API.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.service($module::$handler);)+
        }

        /// The OpenAPI document of every route.
        #[derive(utoipa::OpenApi)]
        #[openapi(
            info(title = "kadry", description = "Career guidance and workforce planning for a region."),
            paths($($module::$handler),+),
            components(schemas(problem::Problem, crate::error::FieldError)),
            modifiers(&BearerAuth, &CommonAnswers),
            tags(
                (name = "service", description = "Liveness, readiness and this document"),
                (name = "auth", description = "Sign-in and users"),
                (name = "catalogue", description = "Clusters, professions and organizations"),
                (name = "programs", description = "Programs of colleges and universities, their intakes and enrollments"),
                (name = "pupils", description = "Pupil records (their school and admins only) and suppressed aggregates"),
                (name = "demand", description = "Enterprises' demand for workers"),
                (name = "forecast", description = "The staffing-gap forecast, scenarios and explanations"),
                (name = "notifications", description = "The email outbox"),
                (name = "guidance", description = "Career-guidance events, registrations, attendance and the guidance record"),
            )
        )]
        pub struct ApiDoc;
    };
}

api!(
    health::health,
    health::ready,
    openapi::openapi_json,
    auth::login,
    auth::me,
    auth::set_password,
    notifications::list_notifications,
    notifications::retry_notification,
    users::create_user,
    users::list_users,
    users::get_user,
    users::change_user,
    audit::audit_log,
    clusters::create_cluster,
    clusters::list_clusters,
    clusters::get_cluster,
    professions::create_profession,
    professions::list_professions,
    professions::get_profession,
    organizations::create_organization,
    organizations::list_organizations,
    organizations::get_organization,
    programs::create_program,
    programs::list_programs,
    programs::get_program,
    programs::replace_program,
    programs::delete_program,
    intakes::put_intake,
    intakes::list_intakes,
    intakes::get_intake,
    intakes::delete_intake,
    intakes::put_enrollment,
    intakes::list_enrollments,
    intakes::get_enrollment,
    intakes::delete_enrollment,
    pupils::create_pupil,
    pupils::list_pupils,
    pupils::get_pupil,
    pupils::patch_pupil,
    pupils::delete_pupil,
    roster::import_roster,
    younger::put_younger,
    younger::get_younger,
    younger::list_younger,
    stats::pupil_counts,
    demand::create_demand,
    demand::list_demand,
    demand::get_demand,
    demand::replace_demand,
    demand::delete_demand,
    forecast::get_forecast,
    forecast::get_forecast_csv,
    forecast::get_forecast_xlsx,
    forecast::run_scenario,
    forecast::get_parameters,
    forecast::put_parameters,
    forecast::explain,
    plans::plan_seats,
    events::create_event,
    events::list_events,
    events::get_event,
    events::register,
    events::unregister,
    events::cancel,
    events::attendance,
    guidance::guidance_report,
    recommendations::recommendations,
);

/// 201 with the created object, its `Location` and its `ETag`.
pub fn created(location: String, body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    with_tag(response, body)
}

/// 200 with a record and its `ETag`, the tag an `If-Match` compares with.
pub fn tagged(body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    with_tag(HttpResponse::Ok(), body)
}

fn with_tag(
    mut response: actix_web::HttpResponseBuilder,
    body: &impl Serialize,
) -> Result<HttpResponse, ApiError> {
    let json = serde_json::to_vec(body).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response
        .insert_header((header::ETAG, entity_tag_of_json(&json)))
        .insert_header(header::ContentType::json())
        .body(json))
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

impl<T> Listing<T> {
    /// `page` of a short list already in memory.
    pub fn paged(items: Vec<T>, page: Page) -> Self {
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let items = items
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .collect();
        Self { items, total }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        page(self.limit, self.offset)
    }
}

/// `?limit=&offset=` checked.
pub fn page(limit: Option<i64>, offset: Option<i64>) -> Result<Page, ApiError> {
    Page::parse(limit, offset).map_err(|errors| AppError::Invalid(errors).into())
}

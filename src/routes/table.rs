//! The one list of the API's routes: it registers each handler with actix
//! and documents it in the OpenAPI document, so the two cannot disagree.

use actix_web::web;

use super::openapi::{self, BearerAuth, CommonAnswers};
use super::problem;
use super::{
    audit, auth, clusters, demand, events, evidence, forecast, grade_counts, guidance, health,
    intakes, notifications, organizations, outcomes, plans, professions, programs, published,
    pupils, recommendations, roster, scrape, stats, users,
};

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
    scrape::metrics,
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
    outcomes::put_graduation,
    outcomes::list_graduations,
    outcomes::get_graduation,
    outcomes::delete_graduation,
    outcomes::import_graduations,
    outcomes::put_destination,
    outcomes::list_destinations,
    outcomes::get_destination,
    outcomes::delete_destination,
    outcomes::import_destinations,
    intakes::delete_enrollment,
    pupils::create_pupil,
    pupils::list_pupils,
    pupils::get_pupil,
    pupils::patch_pupil,
    pupils::delete_pupil,
    roster::import_roster,
    grade_counts::put_younger,
    grade_counts::delete_younger,
    grade_counts::get_younger,
    grade_counts::list_younger,
    grade_counts::put_grade_counts,
    grade_counts::get_grade_counts,
    grade_counts::delete_grade_counts,
    grade_counts::list_grade_counts,
    grade_counts::import_grade_counts,
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
    published::publish_forecast,
    published::list_published,
    published::get_published,
    published::compare_published,
    published::delete_published,
    evidence::get_calibration,
    evidence::apply_calibration,
    evidence::get_backtest,
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

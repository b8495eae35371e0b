//! The OpenAPI 3 document, generated from the handlers' own annotations.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    auth, clusters, demand, events, forecast, guidance, health, intakes, notifications,
    organizations, professions, programs, pupils, recommendations, roster, stats, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "kadry", description = "Career guidance and workforce planning for a region."),
    paths(
        health::health,
        health::ready,
        openapi_json,
        auth::login,
        auth::me,
        auth::set_password,
        notifications::list_notifications,
        notifications::retry_notification,
        users::create_user,
        users::get_user,
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
        intakes::delete_intake,
        intakes::put_enrollment,
        intakes::list_enrollments,
        intakes::delete_enrollment,
        pupils::create_pupil,
        pupils::list_pupils,
        pupils::get_pupil,
        pupils::patch_pupil,
        pupils::delete_pupil,
        roster::import_roster,
        stats::pupil_counts,
        demand::create_demand,
        demand::list_demand,
        demand::get_demand,
        demand::replace_demand,
        demand::delete_demand,
        forecast::get_forecast,
        forecast::get_forecast_csv,
        forecast::run_scenario,
        forecast::get_parameters,
        forecast::put_parameters,
        forecast::explain,
        events::create_event,
        events::list_events,
        events::get_event,
        events::register,
        events::unregister,
        events::cancel,
        events::attendance,
        guidance::guidance_report,
        recommendations::recommendations,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
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

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document, rendered once at start-up.
pub struct OpenApiJson(pub String);

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", responses(
    (status = 200, description = "the OpenAPI 3 document", content_type = "application/json"),
))]
#[get("/api/v1/openapi.json")]
pub async fn openapi_json(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

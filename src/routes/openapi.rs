//! The OpenAPI 3 document, generated from the handlers' own annotations (see `api!` in `routes`).

use actix_web::{HttpResponse, get, web};
use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub struct BearerAuth;

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

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

/// Completes every operation's answers: a description on each (OpenAPI
/// requires one), and the errors every operation of its kind can answer
/// with, declared once here rather than on each handler: 401 where a token
/// is required, 400 and 422 where a path, query or body is read, 413 and
/// 415 where a JSON body is read, 429 where a password is checked, 503
/// where the database is read.
pub struct CommonAnswers;

/// What a status means in this API, for its description.
pub fn describe_status(code: &str) -> &'static str {
    match code {
        "200" => "OK",
        "201" => "Created; `Location` names the new record",
        "204" => "Done; no content",
        "400" => "Malformed: a path or query value of the wrong type, or a body that is not JSON",
        "401" => "No valid bearer token (or, for sign-in, a wrong email or password)",
        "403" => "The caller's role may not do this",
        "404" => "No such record, or one the caller may not know of",
        "405" => "The path exists with other methods (see `Allow`)",
        "409" => "A conflict with the stored state (a duplicate, a full event, one's own account)",
        "412" => "The record changed since the `ETag` given in `If-Match`",
        "413" => "The body is larger than the server accepts",
        "415" => "The body is not sent as the content type the operation takes",
        "422" => "Well-formed but invalid: every bad field is named in `errors`",
        "429" => "Too many attempts, or the server is busy checking passwords; see `Retry-After`",
        "503" => "The database does not answer; try again later",
        _ => "See the problem's `detail`",
    }
}

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        clock_bound_years(openapi);

        let problem = |code: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(describe_status(code))
                    .content(
                        super::problem::PROBLEM_JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let reads_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let reads_body = operation.request_body.is_some();
                let checks_password = path.starts_with("/api/v1/auth/") || path == "/api/v1/users";
                let uses_database = path != "/api/v1/openapi.json" && path != "/health";
                let mut common = Vec::new();
                if secured {
                    common.push("401");
                }
                if reads_input || reads_body {
                    common.extend(["400", "422"]);
                }
                if reads_body {
                    common.extend(["413", "415"]);
                }
                if checks_password {
                    common.push("429");
                }
                if uses_database {
                    common.push("503");
                }
                let responses = &mut operation.responses.responses;
                for code in common {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| problem(code));
                }
                for (code, response) in responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = describe_status(code).to_string();
                    }
                }
            }
        }
    }
}

/// A program's entry grade in the document: 9 or 11.
pub fn entry_grade_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int32,
        )))
        .enum_values(Some([9, 11]))
        .description(Some("9 or 11: the grade after which the program admits"))
        .build()
}

/// The limits that move with the clock, as they are when the document is
/// built (at start-up): a demand record's year is this year to 30 years on.
fn clock_bound_years(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    let now = crate::domain::numbers::current_year();
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut("DemandBody")
        && let Some(RefOr::T(Schema::Object(year))) = body.properties.get_mut("year")
    {
        year.minimum = Some(f64::from(now).into());
        year.maximum = Some(f64::from(now + 30).into());
    }
}

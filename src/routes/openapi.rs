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
        conditional_writes(openapi);

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

/// The writes that honour `If-Match`, as (method, path). Each compares with
/// the `ETag` of the record at the path (for an event's cancellation and
/// attendance, the event's), which its `GET` sends.
pub const CONDITIONAL_WRITES: &[(&str, &str)] = &[
    ("put", "/api/v1/programs/{id}"),
    ("delete", "/api/v1/programs/{id}"),
    ("put", "/api/v1/programs/{id}/intakes/{year}"),
    ("delete", "/api/v1/programs/{id}/intakes/{year}"),
    ("put", "/api/v1/programs/{id}/enrollments/{start_year}"),
    ("delete", "/api/v1/programs/{id}/enrollments/{start_year}"),
    ("patch", "/api/v1/pupils/{id}"),
    ("delete", "/api/v1/pupils/{id}"),
    ("put", "/api/v1/demand/{id}"),
    ("delete", "/api/v1/demand/{id}"),
    ("post", "/api/v1/events/{id}/cancel"),
    ("put", "/api/v1/events/{id}/attendance"),
    ("put", "/api/v1/forecast/parameters"),
    ("put", "/api/v1/schools/{id}/younger-pupils/{academic_year}"),
];

/// The paths whose `GET` sends an `ETag`.
pub const TAGGED_RECORDS: &[&str] = &[
    "/api/v1/clusters/{id}",
    "/api/v1/professions/{id}",
    "/api/v1/organizations/{id}",
    "/api/v1/programs/{id}",
    "/api/v1/programs/{id}/intakes/{year}",
    "/api/v1/programs/{id}/enrollments/{start_year}",
    "/api/v1/pupils/{id}",
    "/api/v1/demand/{id}",
    "/api/v1/events/{id}",
    "/api/v1/forecast/parameters",
    "/api/v1/schools/{id}/younger-pupils/{academic_year}",
];

/// `If-Match`, `ETag` and `Idempotency-Key` in the document: the header
/// parameters on the operations that read them, 412 where a precondition
/// may fail, and `ETag` on the answers that carry a record's tag.
fn conditional_writes(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, RefOr, Required, Type};

    let header_parameter = |name: &str, pattern: Option<&str>, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(pattern)
                    .build(),
            ))
            .build()
            .into()
    };
    let tag_header = || {
        HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
            .description(Some("the record's entity tag, for `If-Match`"))
            .build()
    };
    let tag_answer = |operation: &mut Operation, code: &str| {
        if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(code) {
            response
                .headers
                .insert("ETag".to_string(), RefOr::T(tag_header()));
        }
    };
    for (path, item) in openapi.paths.paths.iter_mut() {
        if TAGGED_RECORDS.contains(&path.as_str())
            && let Some(get) = item.get.as_mut()
        {
            tag_answer(get, "200");
        }
        if let Some(post) = item.post.as_mut()
            && post.responses.responses.contains_key("201")
        {
            post.parameters.get_or_insert_with(Vec::new).push(header_parameter(
                "Idempotency-Key",
                Some("^[!-~]{1,255}$"),
                "1 to 255 visible ASCII characters: the same key from the same user within 24 hours answers the first answer again and creates nothing more; with another request it is 422",
            ));
            tag_answer(post, "201");
        }
        let operations = [
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else {
                continue;
            };
            if !CONDITIONAL_WRITES.contains(&(method, path.as_str())) {
                continue;
            }
            operation.parameters.get_or_insert_with(Vec::new).push(header_parameter(
                "If-Match",
                None,
                "`*` or entity tags from `ETag`: the write goes through only if the record's tag is one of them, else 412 and nothing changes",
            ));
            operation
                .responses
                .responses
                .entry("412".to_string())
                .or_insert_with(|| {
                    RefOr::T(
                        utoipa::openapi::ResponseBuilder::new()
                            .description(describe_status("412"))
                            .content(
                                super::problem::PROBLEM_JSON,
                                utoipa::openapi::ContentBuilder::new()
                                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                                    .build(),
                            )
                            .build(),
                    )
                });
            if !path.ends_with("/attendance") {
                tag_answer(operation, "200");
            }
        }
    }
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

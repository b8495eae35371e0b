//! Request extractors whose every failure is a problem+json answer: the caller, JSON bodies, queries, paths.

use actix_web::dev::{Payload, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::AppState;
use super::problem::{ApiError, PROBLEM_JSON, Problem};
use crate::app::conditional::{IfMatch, Once};
use crate::auth::{AuthUser, JwtKeys};
use crate::error::{AppError, FieldError};
use crate::http::limits::{BodyLimit, ImportLimit};

/// The caller, from a valid bearer token whose user is, as stored now,
/// enabled and unchanged since it was issued; anything else is a 401.
impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let claimed = token_claims(req);
        let app = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (id, version) = claimed?;
            let app = app.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("the application state is missing"))
            })?;
            Ok(crate::app::users::current(&app, id, version).await?)
        })
    }
}

/// The bearer token of a request: the scheme's name in any case (RFC 7235).
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn token_claims(req: &HttpRequest) -> Result<(i64, i32), ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("JwtKeys missing from app data")))?;
    let token = bearer_token(req).ok_or(AppError::Unauthenticated)?;
    let claims = keys.verify(token).ok_or(AppError::Unauthenticated)?;
    let id = claims
        .sub
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::Unauthenticated)?;
    Ok((id, claims.ver))
}

/// A JSON body: 415 unless sent as JSON, 413 past the body limit, 400 when
/// it is not JSON, 422 naming the field when it does not fit the type
/// (unknown fields included). Keeps the body's bytes for `Idempotency-Key`.
pub struct ApiJson<T>(pub T, web::Bytes);

impl<T> ApiJson<T> {
    /// The body as it was sent.
    pub fn sent(&self) -> &[u8] {
        &self.1
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(256 * 1024, |limit| limit.0);
        let is_json = is_json_content_type(req.content_type());
        let body = read_limited(req, payload, limit);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType("application/json"));
            }
            let body = body.await?.freeze();
            parse_json_object(&body).map(|value| ApiJson(value, body))
        })
    }
}

/// The `If-Match` of a write, read by actix's own header parser. A value
/// that is not `*` or a list of entity tags cannot name the record's tag,
/// so it never matches (412); a weak tag (`W/"…"`) never matches either,
/// since `If-Match` compares strongly.
pub struct IfMatchHeader(pub IfMatch);

impl IfMatchHeader {
    fn of(req: &HttpRequest) -> IfMatch {
        use actix_web::http::header::{self as h, Header};
        if !req.headers().contains_key(header::IF_MATCH) {
            return IfMatch::Absent;
        }
        match h::IfMatch::parse(req) {
            Ok(h::IfMatch::Any) => IfMatch::Any,
            Ok(h::IfMatch::Items(tags)) => IfMatch::Tags(
                tags.into_iter()
                    .filter(|tag| !tag.weak)
                    .map(|tag| tag.to_string())
                    .collect(),
            ),
            Err(_) => IfMatch::Tags(Vec::new()),
        }
    }
}

impl FromRequest for IfMatchHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(Self::of(req))))
    }
}

/// The `Idempotency-Key` of a create: 400 unless 1 to 255 visible ASCII
/// characters. Made into `Once` with the body it came with.
pub struct IdempotencyKey {
    key: Option<String>,
    method: String,
    path: String,
}

impl IdempotencyKey {
    /// The key with a digest of this request (`body` is the body as sent).
    pub fn once(&self, body: &[u8]) -> Option<Once> {
        let key = self.key.as_deref()?;
        Once::new(key, &self.method, &self.path, body)
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let method = req.method().to_string();
        let path = req.path().to_string();
        let mut values = req.headers().get_all("idempotency-key");
        let key = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(value), None) => match value.to_str() {
                Ok(key) if Once::new(key, &method, &path, b"").is_some() => Some(key.to_string()),
                _ => return std::future::ready(Err(bad_idempotency_key())),
            },
            (Some(_), Some(_)) => return std::future::ready(Err(bad_idempotency_key())),
        };
        std::future::ready(Ok(Self { key, method, path }))
    }
}

fn bad_idempotency_key() -> ApiError {
    ApiError::BadRequest(
        "Idempotency-Key must be sent once, as 1 to 255 visible ASCII characters".into(),
    )
}

/// A CSV upload: 415 unless sent as `text/csv`, 413 past the import limit.
pub struct CsvBody(pub Vec<u8>);

impl FromRequest for CsvBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<ImportLimit>>()
            .map_or(16 * 1024 * 1024, |limit| limit.0);
        let is_csv = req.content_type().eq_ignore_ascii_case("text/csv");
        let body = read_limited(req, payload, limit);
        Box::pin(async move {
            if !is_csv {
                return Err(ApiError::UnsupportedMediaType("text/csv"));
            }
            Ok(CsvBody(body.await?.to_vec()))
        })
    }
}

/// Reads the whole body, refusing it (413) as soon as it is known to pass `limit`.
fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> LocalBoxFuture<'static, Result<BytesMut, ApiError>> {
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if declared_length.is_some_and(|length| length > limit) {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| {
                ApiError::BadRequest(if crate::http::pace::too_slow(&error) {
                    format!(
                        "{}: a body must come at 1 KiB a second or faster after its first {} seconds",
                        crate::http::pace::TOO_SLOW,
                        crate::http::pace::GRACE.as_secs()
                    )
                } else {
                    "the request body could not be read".into()
                })
            })?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    })
}

fn is_json_content_type(content_type: &str) -> bool {
    let content_type = content_type.to_ascii_lowercase();
    content_type == "application/json" || content_type.ends_with("+json")
}

/// Every request body of the API is a JSON object; serde would otherwise
/// also accept a struct written as an array.
fn parse_json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let starts_as_object = body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{');
    if !starts_as_object {
        parse_json::<serde::de::IgnoredAny>(body)?;
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    parse_json(body)
}

/// Parses a JSON document into `T`, telling malformed JSON (400) from JSON
/// that does not fit (422, with the field's path). A number written with a
/// zero fraction (`12.0`) is the integer it equals, as JSON Schema counts it.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::BadRequest(format!(
            "the body is not valid JSON: {} (line {}, column {})",
            without_position(&error.to_string()),
            error.line(),
            error.column()
        ))
    })?;
    integral_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        let message = without_position(&error.into_inner().to_string());
        AppError::Invalid(vec![field_error(&path, &message)]).into()
    })
}

/// Rewrites every number that is a whole number written as a float (`12.0`,
/// `-3e2`) as that integer, where an `i64` holds it exactly.
fn integral_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9_007_199_254_740_992.0
            {
                *number = serde_json::Number::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Names the field a serde error is about: its path (which for an unknown
/// field ends in that field), and for a missing field the path plus its name.
fn field_error(path: &str, message: &str) -> FieldError {
    let parent = if path == "." { "" } else { path };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let field = match (missing, parent) {
        (Some(name), "") => name.to_string(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, "") => "body".to_string(),
        (None, parent) => parent.to_string(),
    };
    FieldError::new(field, message)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        ApiError::BadRequest(format!("the query string is malformed: {error}")).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req| {
        ApiError::BadRequest(format!("the path is malformed: {error}")).into()
    })
}

/// The API's paths and their methods, from the OpenAPI document: to tell a
/// path that does not exist (404) from a method it does not take (405).
#[derive(Debug, Default)]
pub struct RouteMethods(Vec<(Vec<String>, Vec<String>)>);

impl RouteMethods {
    pub fn of(document: &utoipa::openapi::OpenApi) -> Self {
        Self(
            document
                .paths
                .paths
                .iter()
                .map(|(path, item)| {
                    let methods = [
                        ("GET", item.get.is_some()),
                        ("POST", item.post.is_some()),
                        ("PUT", item.put.is_some()),
                        ("PATCH", item.patch.is_some()),
                        ("DELETE", item.delete.is_some()),
                    ];
                    let allowed: Vec<String> = methods
                        .iter()
                        .filter(|(_, present)| *present)
                        .map(|(name, _)| name.to_string())
                        .collect();
                    (path.split('/').map(str::to_string).collect(), allowed)
                })
                .collect(),
        )
    }

    /// The methods of the path template `path` matches, if any.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| {
                        (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                    })
            })
            .map(|(_, methods)| methods.join(", "))
    }
}

/// The API's answer to a request no route matched: 405 with `Allow` for an
/// API path that exists with other methods, 404 for any other `/api/` path;
/// `None` for a path outside the API (the pages answer it).
pub fn unrouted(req: &HttpRequest) -> Option<ApiError> {
    let allowed = req
        .app_data::<web::Data<RouteMethods>>()
        .and_then(|routes| routes.allowed(req.path()));
    if let Some(allowed) = allowed {
        Some(ApiError::MethodNotAllowed(allowed))
    } else if req.path().starts_with("/api/") {
        Some(AppError::NotFound("this path".into()).into())
    } else {
        None
    }
}

/// A safety net: any error answer that is not already problem+json (one made
/// by actix itself) is rewritten as one with the same status.
pub fn problem_for_bare_errors<B>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems, and the pages' own error pages, are answers already.
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value == HeaderValue::from_static(PROBLEM_JSON)
                || value.as_bytes().starts_with(b"text/html")
        });
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let (request, _) = response.into_parts();
    let body = Problem::new(
        status,
        if status.is_server_error() {
            "an unexpected error occurred; it has been logged"
        } else {
            "the request could not be handled"
        },
    )
    .response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, body).map_into_right_body(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        share: f64,
    }

    fn invalid_field(body: &str) -> String {
        match parse_json::<Body>(body.as_bytes()) {
            Err(ApiError::App(AppError::Invalid(errors))) => errors[0].field.clone(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    fn if_match(values: &[&str]) -> IfMatch {
        let mut req = actix_web::test::TestRequest::default();
        for value in values {
            req = req.append_header((header::IF_MATCH, *value));
        }
        IfMatchHeader::of(&req.to_http_request())
    }

    #[test]
    fn if_match_is_read_as_the_header_grammar_says() {
        assert_eq!(if_match(&[]), IfMatch::Absent);
        assert_eq!(if_match(&["*"]), IfMatch::Any);
        assert_eq!(
            if_match(&[r#""a1", "b2""#]),
            IfMatch::Tags(vec![r#""a1""#.into(), r#""b2""#.into()])
        );
        assert_eq!(
            if_match(&[r#""a1""#, r#""b2""#]),
            IfMatch::Tags(vec![r#""a1""#.into(), r#""b2""#.into()]),
            "two header lines are one list"
        );
        // Weak, malformed or empty: never matches.
        for never in [r#"W/"a1""#, "a1", r#""a"1""#, ""] {
            assert_eq!(if_match(&[never]), IfMatch::Tags(vec![]), "{never:?}");
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [
            "{",
            "",
            "{\"name\": }",
            "{\"name\":\"a\",\"items\":[]} trailing",
        ] {
            assert!(
                matches!(
                    parse_json::<Body>(body.as_bytes()),
                    Err(ApiError::BadRequest(_))
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn fields_that_do_not_fit_are_named() {
        assert_eq!(
            invalid_field(r#"{"name":"a","items":[],"extra":1}"#),
            "extra"
        );
        assert_eq!(invalid_field(r#"{"items":[]}"#), "name");
        assert_eq!(invalid_field(r#"{"name":1,"items":[]}"#), "name");
        assert_eq!(
            invalid_field(r#"{"name":"a","items":[{"share":"x"}]}"#),
            "items[0].share"
        );
        assert_eq!(
            invalid_field(r#"{"name":"a","items":[{"share":1,"x":2}]}"#),
            "items[0].x"
        );
    }
}

//! The API's errors as RFC 9457 problem+json: the application's errors, and those only HTTP has.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, FieldError};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document, as every error is answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and `title` say what kind of problem it is.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present on 422 answers: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            problem_type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }

    pub fn response(&self) -> HttpResponse {
        HttpResponse::build(StatusCode::from_u16(self.status).unwrap_or_default())
            .content_type(PROBLEM_JSON)
            .body(serde_json::to_string(self).unwrap_or_default())
    }
}

/// An error as the API answers it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, query or path.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    /// The path exists, with these methods only.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl ApiError {
    pub fn not_found(what: &str, id: i64) -> Self {
        AppError::not_found(what, id).into()
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::invalid(field, message).into()
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(detail) => detail.clone(),
            ApiError::PayloadTooLarge(limit) => {
                format!("the request body is larger than the limit of {limit} bytes")
            }
            ApiError::UnsupportedMediaType(expected) => {
                format!("the request body must be sent as {expected}")
            }
            ApiError::MethodNotAllowed(allowed) => {
                format!("this path answers {allowed} only")
            }
            ApiError::App(error) => match error {
                AppError::Unauthenticated => "a valid bearer token is required".into(),
                AppError::BadCredentials => "the email or the password is wrong".into(),
                AppError::Forbidden => "your role may not do this".into(),
                AppError::NotFound(what) => {
                    format!("{what} does not exist or is not visible to you")
                }
                AppError::Conflict(detail) => detail.clone(),
                AppError::PreconditionFailed => {
                    "the record's ETag is not one of those in If-Match: it has changed (or If-Match is not `*` or quoted entity tags); read it again".into()
                }
                AppError::Invalid(errors) => match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} fields are invalid", many.len()),
                },
                AppError::TooManyRequests {
                    retry_after_seconds,
                } => format!("too many attempts; try again in {retry_after_seconds} seconds"),
                AppError::Unavailable(_) => {
                    "the database is not answering; try again shortly".into()
                }
                AppError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            },
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            errors: match self {
                ApiError::App(AppError::Invalid(errors)) => Some(errors.clone()),
                _ => None,
            },
            ..Problem::new(self.status_code(), self.detail())
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::App(error) => crate::http::status_of(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::App(AppError::Internal(cause)) => {
                tracing::error!(error = ?cause, "unexpected error")
            }
            ApiError::App(AppError::Unavailable(cause)) => {
                tracing::warn!(%cause, "database unavailable")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::App(AppError::Unauthenticated | AppError::BadCredentials) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::App(AppError::TooManyRequests {
                retry_after_seconds,
            }) => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::App(AppError::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::MethodNotAllowed(allowed) => {
                response.insert_header((header::ALLOW, allowed.clone()));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

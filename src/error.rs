//! One error type for the whole API, answered as RFC 9457 problem+json.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request: `field` is its path in the body or query
/// (`professions[1].share`), `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// For an uploaded file: the line the problem is on (the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            line: None,
        }
    }

    pub fn on_line(line: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            ..Self::new(field, message)
        }
    }
}

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

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn not_found(what: &str, id: i64) -> Self {
        ApiError::NotFound(format!("{what} {id}"))
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(detail) => detail.clone(),
            ApiError::Unauthorized => "a valid bearer token is required".into(),
            ApiError::Forbidden => "your role may not do this".into(),
            ApiError::NotFound(what) => format!("{what} does not exist or is not visible to you"),
            ApiError::Conflict(detail) => detail.clone(),
            ApiError::PayloadTooLarge(limit) => {
                format!("the request body is larger than the limit of {limit} bytes")
            }
            ApiError::UnsupportedMediaType(expected) => {
                format!("the request body must be sent as {expected}")
            }
            ApiError::Invalid(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                many => format!("{} fields are invalid", many.len()),
            },
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => format!("too many attempts; try again in {retry_after_seconds} seconds"),
            ApiError::Unavailable(_) => "the database is not answering; try again shortly".into(),
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            problem_type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                ApiError::Invalid(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "unexpected error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &error {
            Error::NotFound => ApiError::NotFound("the record".into()),
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                ApiError::Conflict("a record with the same unique value already exists".into())
            }
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => {
                ApiError::Invalid(vec![FieldError::new(
                    "body",
                    "refers to a record that does not exist",
                )])
            }
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                ApiError::Unavailable(info.message().to_string())
            }
            // SQLite answers "database is locked" when its busy timeout runs out.
            Error::DatabaseError(_, info) if info.message().contains("locked") => {
                ApiError::Unavailable(info.message().to_string())
            }
            _ => ApiError::Internal(anyhow::Error::new(error)),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        ApiError::Unavailable(error.to_string())
    }
}

//! The application's error: what went wrong in the words of the domain, with no HTTP in it.
//!
//! The faces translate it: the API into RFC 9457 problems (`routes::problem`),
//! the command line into one line on standard error and a non-zero exit.

use serde::Serialize;
use utoipa::ToSchema;

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

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials: a missing or bad token, or a failed sign-in.
    #[error("not signed in")]
    Unauthenticated,
    /// A sign-in with a wrong email or password (the same answer for both).
    #[error("wrong email or password")]
    BadCredentials,
    /// The caller's role may never do this.
    #[error("forbidden")]
    Forbidden,
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(String),
    /// A duplicate, a full event, a state that does not allow the change.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An `If-Match` that no longer matches the record (or a record that is gone).
    #[error("precondition failed")]
    PreconditionFailed,
    /// Well-formed but invalid input: every bad field, named.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    /// The database (or another service kadry needs) does not answer.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn not_found(what: &str, id: i64) -> Self {
        AppError::NotFound(format!("{what} {id}"))
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    /// 422 when `errors` is not empty.
    pub fn unless_empty(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// The error in one line for a person at a terminal.
    pub fn describe(&self) -> String {
        match self {
            AppError::Invalid(errors) => errors
                .iter()
                .map(|e| match e.line {
                    Some(line) => format!("line {line}: {}: {}", e.field, e.message),
                    None => format!("{}: {}", e.field, e.message),
                })
                .collect::<Vec<_>>()
                .join("; "),
            AppError::NotFound(what) => format!("{what} does not exist"),
            AppError::Internal(cause) => format!("{cause:#}"),
            other => other.to_string(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

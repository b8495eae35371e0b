//! What both faces that speak HTTP (the API in `routes`, the pages in `web`)
//! share, so that neither owns what the other uses: the status of each
//! application error, the limits on request bodies and their pace, and file
//! downloads.
//! It sits below the faces and above `app`; neither face imports the other.

pub mod download;
pub mod limits;
pub mod metrics;
pub mod pace;

use actix_web::http::StatusCode;

use crate::error::AppError;

/// The HTTP status of an application error, the same for the API's
/// problems and the pages' error pages.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

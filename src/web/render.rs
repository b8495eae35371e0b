//! A page's answer: a template rendered (200, or 422 for a form shown again
//! with errors), or after a successful post the page to see (POST-redirect-GET).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use super::error::WebError;
use super::form::FormState;
use crate::domain::Language;
use crate::error::AppError;

/// A rendered page, 200.
pub fn page(template: &impl Template) -> Result<HttpResponse, WebError> {
    page_with(StatusCode::OK, template)
}

/// A rendered page with another status (a form shown again is 422).
pub fn page_with(status: StatusCode, template: &impl Template) -> Result<HttpResponse, WebError> {
    let body = template.render().map_err(|e| {
        WebError::new(
            AppError::Internal(anyhow::anyhow!("template: {e}")),
            Language::Ru,
        )
    })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The status of a form page: 422 when it is shown again with errors.
pub fn form_status(state: &FormState) -> StatusCode {
    if state.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// After a successful POST: see the result at `to` (POST-redirect-GET).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

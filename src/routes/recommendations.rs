//! `GET /api/v1/pupils/{id}/recommendations`: programs on the pupil's path, with reasons in plain words.

use actix_web::{HttpResponse, get, web};

use super::AppState;
use super::problem::{ApiError, Problem};
use crate::app::recommendations::Recommendations;
use crate::auth::AuthUser;

/// Programs the pupil could enter after grade 9 or 11, best first (the pupil's school, admins).
#[utoipa::path(get, path = "/api/v1/pupils/{id}/recommendations", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 200, body = Recommendations),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/pupils/{id}/recommendations")]
pub async fn recommendations(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(crate::app::recommendations::recommendations(&app, &user, id.into_inner()).await?))
}

//! Schools, colleges, universities and enterprises: read by everyone signed in, written by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, IdempotencyKey};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, created, page, tagged};
use crate::app::catalogue::{self, NewOrganizationBody};
use crate::auth::AuthUser;
use crate::db::organizations::{self, Organization};
use crate::domain::OrganizationKind;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganizationQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Creates an organization (admins only).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "catalogue", security(("bearer" = [])), request_body = NewOrganizationBody, responses(
    (status = 201, body = Organization, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "an organization of this kind has this name", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields, or unknown clusters", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/organizations")]
pub async fn create_organization(
    user: AuthUser,
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewOrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let organization = catalogue::create_organization(&app, &user, body.0, once).await?;
    created(
        format!("/api/v1/organizations/{}", organization.id),
        &organization,
    )
}

/// Lists organizations by id, optionally of one kind.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "catalogue", security(("bearer" = [])), params(OrganizationQuery), responses(
    (status = 200, body = Listing<Organization>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/organizations")]
pub async fn list_organizations(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<OrganizationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page(query.limit, query.offset)?;
    let filter = organizations::Filter { kind: query.kind };
    let listing = catalogue::list_organizations(&app, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the organization's id")),
    responses(
        (status = 200, body = Organization),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/organizations/{id}")]
pub async fn get_organization(
    user: AuthUser,
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let organization = catalogue::get_organization(&app, &user, id.into_inner()).await?;
    tagged(&organization)
}

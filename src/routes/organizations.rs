//! Schools, colleges, universities and enterprises: read by everyone signed in, written by admins.

use std::collections::HashSet;

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::references::{Reference, check_references};
use super::{AppState, Listing, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db;
use crate::db::organizations::{self, NewOrganization, Organization};
use crate::domain::{EmailAddress, Label, OrganizationKind, Page};
use crate::error::{ApiError, FieldError, Problem};
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    pub kind: OrganizationKind,
    /// Unique among organizations of its kind; at most 300 characters.
    pub name: String,
    /// At most 200 characters.
    pub town: String,
    /// The contact address notifications go to.
    pub email: String,
    /// Existing clusters, each once.
    #[serde(default)]
    pub cluster_ids: Vec<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganizationQuery {
    /// Only organizations of this kind.
    pub kind: Option<OrganizationKind>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
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
    state: web::Data<AppState>,
    body: ApiJson<NewOrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::WriteCatalogue)?;
    let body = body.0;
    parse_fields!(
        name = "name" => Label::parse(&body.name, 300),
        town = "town" => Label::parse(&body.town, 200),
        email = "email" => EmailAddress::parse(&body.email),
    );
    check_cluster_ids_shape(&body.cluster_ids)?;
    let new = NewOrganization {
        kind: body.kind,
        name: name.into_inner(),
        town: town.into_inner(),
        email: email.into_inner(),
        cluster_ids: body.cluster_ids,
    };
    let organization = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let references: Vec<Reference> = new
                .cluster_ids
                .iter()
                .enumerate()
                .map(|(i, id)| Reference::Cluster {
                    field: format!("cluster_ids[{i}]"),
                    id: *id,
                })
                .collect();
            check_references(conn, &references)?;
            organizations::insert_in_transaction(conn, &new).map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict(format!(
                    "a {} named {:?} already exists",
                    new.kind.as_str(),
                    new.name
                )),
                other => other,
            })
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/organizations/{}", organization.id),
        &organization,
    ))
}

fn check_cluster_ids_shape(cluster_ids: &[i64]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    let errors: Vec<FieldError> = cluster_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let field = format!("cluster_ids[{i}]");
            if *id <= 0 {
                Some(FieldError::new(field, "must be a positive id"))
            } else if !seen.insert(*id) {
                Some(FieldError::new(
                    field,
                    format!("cluster {id} is listed twice"),
                ))
            } else {
                None
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
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
    state: web::Data<AppState>,
    query: web::Query<OrganizationQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = organizations::Filter { kind: query.kind };
    let listing = db::run(&state.pool, move |conn| {
        Ok(organizations::list(conn, filter, page)?)
    })
    .await?;
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let organization = db::run(&state.pool, move |conn| Ok(organizations::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("organization", id))?;
    Ok(HttpResponse::Ok().json(organization))
}

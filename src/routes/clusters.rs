//! Industrial clusters: read by everyone signed in, written by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::{AppState, Listing, PageQuery, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::{self, clusters, clusters::Cluster};
use crate::domain::Label;
use crate::error::{ApiError, Problem};
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClusterBody {
    /// Unique, at most 200 characters.
    pub name: String,
    /// The industry, e.g. `glass`; at most 200 characters.
    pub industry: String,
}

/// Creates a cluster (admins only).
#[utoipa::path(post, path = "/api/v1/clusters", tag = "catalogue", security(("bearer" = [])), request_body = NewClusterBody, responses(
    (status = 201, body = Cluster, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the name is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/clusters")]
pub async fn create_cluster(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<NewClusterBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::WriteCatalogue)?;
    parse_fields!(
        name = "name" => Label::parse(&body.0.name, 200),
        industry = "industry" => Label::parse(&body.0.industry, 200),
    );
    let (name, industry) = (name.into_inner(), industry.into_inner());
    let cluster = db::run(&state.pool, move |conn| {
        clusters::insert(conn, &name, &industry).map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => {
                ApiError::Conflict(format!("a cluster named {name:?} already exists"))
            }
            other => other,
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/clusters/{}", cluster.id),
        &cluster,
    ))
}

/// Lists clusters by id.
#[utoipa::path(get, path = "/api/v1/clusters", tag = "catalogue", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, body = Listing<Cluster>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/clusters")]
pub async fn list_clusters(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let page = query.page()?;
    let listing = db::run(&state.pool, move |conn| Ok(clusters::list(conn, page)?)).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One cluster.
#[utoipa::path(get, path = "/api/v1/clusters/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the cluster's id")),
    responses(
        (status = 200, body = Cluster),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/clusters/{id}")]
pub async fn get_cluster(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let cluster = db::run(&state.pool, move |conn| Ok(clusters::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("cluster", id))?;
    Ok(HttpResponse::Ok().json(cluster))
}

//! Industrial clusters: read by everyone signed in, written by admins.

use actix_web::{HttpResponse, get, post, web};

use super::extract::{ApiJson, IdempotencyKey};
use super::problem::{ApiError, Problem};
use super::{AppState, Listing, PageQuery, created, tagged};
use crate::app::catalogue::{self, NewClusterBody};
use crate::auth::AuthUser;
use crate::db::clusters::Cluster;

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
    app: web::Data<AppState>,
    key: IdempotencyKey,
    body: ApiJson<NewClusterBody>,
) -> Result<HttpResponse, ApiError> {
    let once = key.once(body.sent());
    let cluster = catalogue::create_cluster(&app, &user, body.0, once).await?;
    created(format!("/api/v1/clusters/{}", cluster.id), &cluster)
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
    app: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let listing = catalogue::list_clusters(&app, &user, query.page()?).await?;
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
    app: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let cluster = catalogue::get_cluster(&app, &user, id.into_inner()).await?;
    tagged(&cluster)
}

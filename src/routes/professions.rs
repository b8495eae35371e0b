//! Professions, each in one cluster: read by everyone signed in, written by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::{AppState, Listing, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::professions::{self, NewProfession, Profession};
use crate::db::{self, clusters};
use crate::domain::{Label, Page, ProfessionCode, positive_id};
use crate::error::{ApiError, Problem};
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProfessionBody {
    /// Unique; letters, digits, `.`, `-`, `_`, at most 32 (an ОКПДТР number or a specialty code).
    pub code: String,
    /// At most 300 characters.
    pub title: String,
    pub cluster_id: i64,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProfessionQuery {
    /// Only professions of this cluster.
    pub cluster_id: Option<i64>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Creates a profession (admins only). `code` is unique.
#[utoipa::path(post, path = "/api/v1/professions", tag = "catalogue", security(("bearer" = [])), request_body = NewProfessionBody, responses(
    (status = 201, body = Profession, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the code is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid fields, or no such cluster", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/professions")]
pub async fn create_profession(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<NewProfessionBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::WriteCatalogue)?;
    let body = body.0;
    parse_fields!(
        code = "code" => ProfessionCode::parse(&body.code),
        title = "title" => Label::parse(&body.title, 300),
        cluster_id = "cluster_id" => positive_id(body.cluster_id),
    );
    let new = NewProfession {
        code: code.into_inner(),
        title: title.into_inner(),
        cluster_id,
    };
    let profession = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if clusters::find(conn, new.cluster_id)?.is_none() {
                return Err(ApiError::invalid(
                    "cluster_id",
                    format!("no cluster has the id {}", new.cluster_id),
                ));
            }
            professions::insert(conn, &new).map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict(format!(
                    "a profession with the code {} already exists",
                    new.code
                )),
                other => other,
            })
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/professions/{}", profession.id),
        &profession,
    ))
}

/// Lists professions by code, optionally of one cluster.
#[utoipa::path(get, path = "/api/v1/professions", tag = "catalogue", security(("bearer" = [])), params(ProfessionQuery), responses(
    (status = 200, body = Listing<Profession>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/professions")]
pub async fn list_professions(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ProfessionQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = professions::Filter {
        cluster_id: query.cluster_id,
    };
    let listing = db::run(&state.pool, move |conn| {
        Ok(professions::list(conn, filter, page)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One profession.
#[utoipa::path(get, path = "/api/v1/professions/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the profession's id")),
    responses(
        (status = 200, body = Profession),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/professions/{id}")]
pub async fn get_profession(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let profession = db::run(&state.pool, move |conn| Ok(professions::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("profession", id))?;
    Ok(HttpResponse::Ok().json(profession))
}

//! The audit log (admins).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, Problem};
use super::{AppState, Listing, page};
use crate::app::audit::{self, AuditLine};
use crate::auth::AuthUser;
use crate::db::audit::Filter;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The resource's singular name: program, intake, enrollment, pupil, demand, event, user, ...
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// RFC 3339; lines at or after.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339; lines before.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Every change kadry stored and every read of pupil records, newest first (admins only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "auth", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = Listing<AuditLine>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/audit")]
pub async fn audit_log(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = page(query.limit, query.offset)?;
    let filter = Filter {
        entity: query.entity,
        entity_id: query.entity_id,
        actor_id: query.actor_id,
        from: query.from.map(|at| at.naive_utc()),
        to: query.to.map(|at| at.naive_utc()),
    };
    let listing = audit::list(&app, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

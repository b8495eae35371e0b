//! Pupil aggregates for everyone: counts, suppressed below 10 for all but the pupils' school and admins.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::problem::{ApiError, Problem};
use crate::app::pupils::{self, GroupBy, PupilStats};
use crate::auth::AuthUser;
use crate::db::pupil_stats::Filter;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    pub group_by: GroupBy,
    /// Only pupils of this school.
    pub school_id: Option<i64>,
    /// Only pupils interested in this cluster or one of its professions.
    pub cluster_id: Option<i64>,
    /// Only pupils interested in this profession.
    pub profession_id: Option<i64>,
}

/// Pupil counts by grade, school or interest (every role). For anyone but
/// admins and the school asking about its own pupils (`school_id` its own),
/// counts from 1 to 9 are `null` with `suppressed: true`, and where that
/// leaves a single withheld cell the smallest other one is withheld too.
#[utoipa::path(get, path = "/api/v1/stats/pupils", tag = "pupils", security(("bearer" = [])), params(StatsQuery), responses(
    (status = 200, body = PupilStats),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/stats/pupils")]
pub async fn pupil_counts(
    user: AuthUser,
    app: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = Filter {
        school_id: query.school_id,
        cluster_id: query.cluster_id,
        profession_id: query.profession_id,
    };
    let stats = pupils::counts(&app, &user, query.group_by, filter).await?;
    Ok(HttpResponse::Ok().json(stats))
}

//! Pupil aggregates for everyone: counts, suppressed below 10 for all but the pupils' school and admins.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::{self, pupil_stats};
use crate::domain::suppression::suppress;
use crate::error::{ApiError, Problem};

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Grade,
    School,
    Interest,
}

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

/// One group's count; exactly one of the key fields is present.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profession_id: Option<i64>,
    /// `null` where suppressed.
    pub count: Option<i64>,
    pub suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PupilStats {
    pub group_by: GroupBy,
    pub items: Vec<CountItem>,
}

#[derive(Default)]
struct Key {
    grade: Option<i32>,
    school_id: Option<i64>,
    cluster_id: Option<i64>,
    profession_id: Option<i64>,
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
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadPupilStats)?;
    let unsuppressed = allows(
        &user,
        Action::ReadUnsuppressedPupilCounts {
            school_id: query.school_id,
        },
    );
    let filter = pupil_stats::Filter {
        school_id: query.school_id,
        cluster_id: query.cluster_id,
        profession_id: query.profession_id,
    };
    let group_by = query.group_by;
    let groups: Vec<(Key, i64)> = db::run(&state.pool, move |conn| {
        Ok(match group_by {
            GroupBy::Grade => pupil_stats::by_grade(conn, filter)?
                .into_iter()
                .map(|(grade, n)| {
                    (
                        Key {
                            grade: Some(grade),
                            ..Key::default()
                        },
                        n,
                    )
                })
                .collect(),
            GroupBy::School => pupil_stats::by_school(conn, filter)?
                .into_iter()
                .map(|(school_id, n)| {
                    (
                        Key {
                            school_id: Some(school_id),
                            ..Key::default()
                        },
                        n,
                    )
                })
                .collect(),
            GroupBy::Interest => pupil_stats::by_interest(conn, filter)?
                .into_iter()
                .map(|(profession_id, cluster_id, n)| {
                    (
                        Key {
                            profession_id,
                            cluster_id,
                            ..Key::default()
                        },
                        n,
                    )
                })
                .collect(),
        })
    })
    .await?;
    let counts: Vec<i64> = groups.iter().map(|(_, n)| *n).collect();
    let shown = if unsuppressed {
        counts.iter().copied().map(Some).collect()
    } else {
        suppress(&counts)
    };
    let items = groups
        .into_iter()
        .zip(shown)
        .map(|((key, _), count)| CountItem {
            grade: key.grade,
            school_id: key.school_id,
            cluster_id: key.cluster_id,
            profession_id: key.profession_id,
            suppressed: count.is_none(),
            count,
        })
        .collect();
    Ok(HttpResponse::Ok().json(PupilStats { group_by, items }))
}

//! `GET /api/v1/pupils/{id}/recommendations`: programs on the pupil's path, with reasons in plain words.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::pupils::visible_pupil;
use crate::auth::AuthUser;
use crate::auth::policy::Action;
use crate::db::schema::{clusters, professions, programs};
use crate::db::{self, forecast as stored};
use crate::domain::numbers::{current_academic_year, current_year};
use crate::error::{ApiError, Problem};
use crate::forecast::model::Target;
use crate::forecast::recommend::{self, Gaps, PupilPath, Reason};
use crate::notify::Language;

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendedProgram {
    pub program_id: i64,
    pub institution_id: i64,
    pub title: String,
    pub entry_year: i32,
    pub graduation_year: i32,
    /// 2 × interest match + shortage: see README.
    #[serde(serialize_with = "crate::forecast::model::two_decimals")]
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendations {
    pub items: Vec<RecommendedProgram>,
}

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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let pupil = visible_pupil(&state, &user, id.into_inner(), |school_id| {
        Action::ReadPupils { school_id }
    })
    .await?;
    let language = state.letterhead.language;
    let (inputs, parameters, names) = db::run(&state.pool, |conn| {
        let programs: HashMap<i64, (i64, String)> = programs::table
            .select((programs::id, programs::institution_id, programs::title))
            .load::<(i64, i64, String)>(conn)?
            .into_iter()
            .map(|(id, institution, title)| (id, (institution, title)))
            .collect();
        let professions: HashMap<i64, String> = professions::table
            .select((professions::id, professions::title))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        let clusters: HashMap<i64, String> = clusters::table
            .select((clusters::id, clusters::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        Ok((
            stored::load_inputs(conn)?,
            stored::parameters(conn)?,
            (programs, professions, clusters),
        ))
    })
    .await?;
    let (program_names, profession_names, cluster_names) = names;
    let from = current_year();
    let forecast = crate::forecast::run(
        &inputs,
        &parameters,
        from,
        from + crate::routes::forecast::MAX_SPAN,
    );
    let gaps: Gaps = forecast
        .rows
        .iter()
        .map(|row| ((row.profession_id, row.year), (row.demand, row.gap)))
        .collect();
    let total: f64 = pupil.interests.iter().map(|i| i.weight).sum();
    let path = PupilPath {
        grade: pupil.grade,
        academic_year: pupil.academic_year,
        interests: pupil
            .interests
            .iter()
            .map(|i| {
                let target = match (i.profession_id, i.cluster_id) {
                    (Some(id), _) => Target::Profession(id),
                    (None, Some(id)) => Target::Cluster(id),
                    (None, None) => Target::Open,
                };
                (target, i.weight / total)
            })
            .collect(),
    };
    let items = recommend::recommend(&path, &inputs, &gaps, current_academic_year() + 1)
        .into_iter()
        .map(|r| {
            let (institution_id, title) = program_names
                .get(&r.program_id)
                .cloned()
                .unwrap_or_default();
            let reasons = r
                .reasons
                .iter()
                .map(|reason| describe(reason, language, &profession_names, &cluster_names))
                .collect();
            RecommendedProgram {
                program_id: r.program_id,
                institution_id,
                title,
                entry_year: r.entry_year,
                graduation_year: r.graduation_year,
                score: r.score,
                reasons,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(Recommendations { items }))
}

fn describe(
    reason: &Reason,
    language: Language,
    professions: &HashMap<i64, String>,
    clusters: &HashMap<i64, String>,
) -> String {
    let name = |target: &Target| match target {
        Target::Profession(id) => professions.get(id).cloned().unwrap_or_default(),
        Target::Cluster(id) => clusters.get(id).cloned().unwrap_or_default(),
        Target::Open => String::new(),
    };
    match (reason, language) {
        (Reason::Interest { target, .. }, Language::Ru) => {
            format!("совпадает с интересом: {}", name(target))
        }
        (Reason::Interest { target, .. }, Language::En) => {
            format!("matches the interest in {}", name(target))
        }
        (
            Reason::Shortage {
                profession_id,
                year,
                gap,
            },
            Language::Ru,
        ) => format!(
            "в {year} году региону не хватит {gap:.0} чел. по профессии «{}»",
            professions.get(profession_id).cloned().unwrap_or_default()
        ),
        (
            Reason::Shortage {
                profession_id,
                year,
                gap,
            },
            Language::En,
        ) => format!(
            "in {year} the region needs {gap:.0} more of \"{}\" than it trains",
            professions.get(profession_id).cloned().unwrap_or_default()
        ),
        (Reason::Seats(seats), Language::Ru) => {
            format!("{} мест, из них {} целевых", seats.seats, seats.targeted)
        }
        (Reason::Seats(seats), Language::En) => {
            format!("{} seats, {} of them targeted", seats.seats, seats.targeted)
        }
    }
}

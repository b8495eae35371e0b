//! Recommendations for one pupil: the programs they could enter after grade
//! 9 or 11, best first, each with its reasons in plain words.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self};
use super::{Context, pupils};
use crate::auth::AuthUser;
use crate::auth::policy::Action;
use crate::db::{self};
use crate::domain::Language;
use crate::domain::numbers::current_academic_year;
use crate::error::AppResult;
use crate::forecast::engine::{self, Window};
use crate::forecast::model::{Bounds, Target, two_decimals};
use crate::forecast::recommend::{self, Gaps, PupilPath, Reason};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecommendedProgram {
    pub program_id: i64,
    pub institution_id: i64,
    pub title: String,
    pub entry_year: i32,
    pub graduation_year: i32,
    /// 2 × interest match + shortage: see README.
    #[serde(serialize_with = "two_decimals")]
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recommendations {
    pub items: Vec<RecommendedProgram>,
}

/// Programs the pupil could enter after grade 9 or 11, best first, each with
/// its reasons in plain words (the pupil's school, admins).
pub async fn recommendations(
    ctx: &Context,
    user: &AuthUser,
    pupil_id: i64,
) -> AppResult<Recommendations> {
    let pupil = pupils::visible(ctx, user, pupil_id, |school_id| Action::ReadPupils {
        school_id,
    })
    .await?;
    let read = serde_json::json!({ "school_id": pupil.school_id, "recommendations": true });
    audit::pupils_read(ctx, user, Some(pupil_id), read).await?;
    let language = ctx.letterhead.language;
    let (inputs, parameters, names) = ctx
        .run(|conn| {
            Ok((
                db::forecast::load_inputs(conn)?,
                db::forecast::parameters(conn)?,
                db::forecast::names(conn)?,
            ))
        })
        .await?;
    let as_of = current_academic_year();
    let window = Window {
        as_of,
        from: as_of + 1,
        to: as_of + 1 + crate::forecast::MAX_SPAN,
    };
    let forecast = engine::run(&inputs, &parameters, &Bounds::exact(&parameters), window);
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
            let (institution_id, title) = names
                .programs
                .get(&r.program_id)
                .cloned()
                .unwrap_or_default();
            let reasons = r
                .reasons
                .iter()
                .map(|reason| describe(reason, language, &names.professions, &names.clusters))
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
    Ok(Recommendations { items })
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

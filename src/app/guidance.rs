//! The guidance record of a school: per grade how many pupils reached 40,
//! 60 and 80 hours, the professions and clusters they met, and (for the
//! school alone) who has none yet; rounded for everyone else.

use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self};
use super::{Context, existing_school};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::guidance::{self as report_queries, Scope};
use crate::domain::disclosure;
use crate::domain::numbers::{current_academic_year, year_between};
use crate::error::{AppError, AppResult};

/// The guidance record's counts of one school and year, before protection.
#[derive(Debug, Clone)]
pub struct GuidanceCounts {
    pub grades: Vec<report_queries::GradeCounts>,
    pub professions: Vec<report_queries::MetCount>,
    pub clusters: Vec<report_queries::MetCount>,
}

/// One grade's pupils and how far their guidance got: exact for the school
/// and admins, each count rounded to a multiple of 5 (0 to 2 as 0) for others.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradeLine {
    pub grade: i32,
    pub pupils: i64,
    pub reached_40: i64,
    pub reached_60: i64,
    pub reached_80: i64,
    pub without_guidance: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Met {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profession_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i64>,
    /// Pupils who attended an event showing it (rounded for outsiders).
    pub pupils: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilWithout {
    pub pupil_id: i64,
    pub external_ref: String,
    pub grade: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuidanceReport {
    pub school_id: i64,
    pub academic_year: i32,
    /// Whether the counts are protected (each rounded to a multiple of 5)
    /// rather than exact: for anyone but the school and admins.
    pub suppressed: bool,
    pub grades: Vec<GradeLine>,
    pub professions_met: Vec<Met>,
    pub clusters_met: Vec<Met>,
    /// For the school and admins only: its pupils with no guidance yet this year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pupils_without_guidance: Option<Vec<PupilWithout>>,
}

/// The guidance record of a school for an academic year (default: the one
/// under way). Everyone may read it; the school itself and admins see exact
/// counts and the pupils with none, others the counts with 1 to 9 withheld.
pub async fn report(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    academic_year: Option<i32>,
) -> AppResult<GuidanceReport> {
    authorize(user, Action::ReadPupilStats)?;
    let year = academic_year.unwrap_or_else(current_academic_year);
    year_between(year, 2000, current_academic_year() + 1)
        .map_err(|m| AppError::invalid("academic_year", m))?;
    let exact = allows(user, Action::ReadPupils { school_id });
    let scope = Scope {
        school_id,
        academic_year: year,
    };
    let counts = ctx
        .remembered("guidance", (school_id, year), || {
            ctx.run(move |conn| {
                existing_school(conn, school_id)?;
                let (professions, clusters) = report_queries::met(conn, scope)?;
                Ok(GuidanceCounts {
                    grades: report_queries::grades(conn, scope)?,
                    professions,
                    clusters,
                })
            })
        })
        .await?;
    let without = if exact {
        Some(
            ctx.run(move |conn| Ok(report_queries::pupils_without_guidance(conn, scope)?))
                .await?,
        )
    } else {
        None
    };
    let GuidanceCounts {
        grades,
        professions,
        clusters,
    } = GuidanceCounts::clone(&counts);
    if let Some(without) = &without {
        let read = serde_json::json!({
            "school_id": school_id,
            "guidance_report": year,
            "pupil_ids": without.iter().map(|p| p.pupil_id).collect::<Vec<_>>(),
        });
        audit::pupils_read(ctx, user, None, read).await?;
    }
    let show = |counts: Vec<i64>| -> Vec<i64> {
        counts
            .into_iter()
            .map(|count| disclosure::shown(count, exact))
            .collect()
    };
    let column =
        |pick: fn(&report_queries::GradeCounts) -> i64| show(grades.iter().map(pick).collect());
    let columns = [
        column(|g| g.pupils),
        column(|g| g.reached_40),
        column(|g| g.reached_60),
        column(|g| g.reached_80),
        column(|g| g.without_guidance),
    ];
    let lines = grades
        .iter()
        .enumerate()
        .map(|(row, counts)| GradeLine {
            grade: counts.grade,
            pupils: columns[0][row],
            reached_40: columns[1][row],
            reached_60: columns[2][row],
            reached_80: columns[3][row],
            without_guidance: columns[4][row],
        })
        .collect();
    let met = |counts: Vec<report_queries::MetCount>, profession: bool| -> Vec<Met> {
        let shown = show(counts.iter().map(|c| c.pupils).collect());
        counts
            .iter()
            .zip(shown)
            .map(|(count, pupils)| Met {
                profession_id: profession.then_some(count.id),
                cluster_id: (!profession).then_some(count.id),
                pupils,
            })
            .collect()
    };
    Ok(GuidanceReport {
        school_id,
        academic_year: year,
        suppressed: !exact,
        grades: lines,
        professions_met: met(professions, true),
        clusters_met: met(clusters, false),
        pupils_without_guidance: without.map(|pupils| {
            pupils
                .into_iter()
                .map(|p| PupilWithout {
                    pupil_id: p.pupil_id,
                    external_ref: p.external_ref,
                    grade: p.grade,
                })
                .collect()
        }),
    })
}

//! A school's guidance record: hours of attended guidance per pupil in an academic year, by grade.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::schema::{professions, pupils};
use crate::db::{self, events};
use crate::domain::numbers::{current_academic_year, grade_in, year_between};
use crate::domain::suppression::suppress;
use crate::error::{ApiError, Problem};

/// The yearly minimums of the career-guidance programme ("профминимум").
pub const THRESHOLDS: [f64; 3] = [40.0, 60.0, 80.0];

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Named by the calendar year it starts in; default the one under way.
    pub academic_year: Option<i32>,
}

/// One grade's pupils and how far their guidance got; `null` where suppressed.
#[derive(Debug, Serialize, ToSchema)]
pub struct GradeLine {
    pub grade: i32,
    pub pupils: Option<i64>,
    pub reached_40: Option<i64>,
    pub reached_60: Option<i64>,
    pub reached_80: Option<i64>,
    pub without_guidance: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Met {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profession_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i64>,
    /// Pupils who attended an event showing it; `null` where suppressed.
    pub pupils: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PupilWithout {
    pub pupil_id: i64,
    pub external_ref: String,
    pub grade: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuidanceReport {
    pub school_id: i64,
    pub academic_year: i32,
    /// Whether counts from 1 to 9 are withheld (for anyone but the school and admins).
    pub suppressed: bool,
    pub grades: Vec<GradeLine>,
    pub professions_met: Vec<Met>,
    pub clusters_met: Vec<Met>,
    /// For the school and admins only: its pupils with no guidance yet this year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pupils_without_guidance: Option<Vec<PupilWithout>>,
}

/// The guidance record of a school for an academic year (everyone; the
/// school itself and admins see exact counts and the pupils with none).
#[utoipa::path(get, path = "/api/v1/schools/{id}/guidance-report", tag = "guidance", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the school's id"), ReportQuery),
    responses(
        (status = 200, body = GuidanceReport),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/schools/{id}/guidance-report")]
pub async fn guidance_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadPupilStats)?;
    let school_id = id.into_inner();
    let year = query.academic_year.unwrap_or_else(current_academic_year);
    year_between(year, 2000, current_academic_year() + 1)
        .map_err(|m| ApiError::invalid("academic_year", m))?;
    let exact = allows(&user, Action::ReadPupils { school_id });
    let report = db::run(&state.pool, move |conn| {
        super::pupils::check_school(conn, school_id)
            .map_err(|_| ApiError::not_found("school", school_id))?;
        let roster: Vec<(i64, String, i32, i32)> = pupils::table
            .filter(pupils::school_id.eq(school_id))
            .select((
                pupils::id,
                pupils::external_ref,
                pupils::grade,
                pupils::academic_year,
            ))
            .order(pupils::id)
            .load(conn)?;
        let start = NaiveDate::from_ymd_opt(year, 9, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let end = NaiveDate::from_ymd_opt(year + 1, 9, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let attended: Vec<(i64, i64, f64)> = events::attended_by_school(conn, school_id)?
            .into_iter()
            .filter(|(_, _, _, at)| Some(*at) >= start && Some(*at) < end)
            .map(|(pupil, event, hours, _)| (pupil, event, hours))
            .collect();
        let event_ids: Vec<i64> = attended
            .iter()
            .map(|(_, e, _)| *e)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let shown = events::event_professions_of(conn, &event_ids)?;
        let cluster_of: HashMap<i64, i64> = professions::table
            .select((professions::id, professions::cluster_id))
            .load::<(i64, i64)>(conn)?
            .into_iter()
            .collect();
        Ok(build(
            school_id,
            year,
            exact,
            &roster,
            &attended,
            &shown,
            &cluster_of,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The report from the school's pupils `(id, ref, grade, recorded year)`, its
/// attended events `(pupil, event, hours)` in the year, the professions the
/// events showed, and each profession's cluster.
fn build(
    school_id: i64,
    year: i32,
    exact: bool,
    roster: &[(i64, String, i32, i32)],
    attended: &[(i64, i64, f64)],
    shown: &[(i64, i64)],
    cluster_of: &HashMap<i64, i64>,
) -> GuidanceReport {
    let mut hours: HashMap<i64, f64> = HashMap::new();
    let mut events_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (pupil, event, h) in attended {
        *hours.entry(*pupil).or_default() += h;
        events_of.entry(*pupil).or_default().push(*event);
    }
    let mut professions_of_event: HashMap<i64, Vec<i64>> = HashMap::new();
    for (event, profession) in shown {
        professions_of_event
            .entry(*event)
            .or_default()
            .push(*profession);
    }
    // [pupils, reached 40, 60, 80, without] per grade.
    let mut lines: BTreeMap<i32, [i64; 5]> = BTreeMap::new();
    let mut professions_met: BTreeMap<i64, i64> = BTreeMap::new();
    let mut clusters_met: BTreeMap<i64, i64> = BTreeMap::new();
    let mut without = Vec::new();
    for (pupil, external_ref, grade, recorded) in roster {
        let grade = grade_in(*grade, *recorded, year);
        if !(5..=11).contains(&grade) {
            continue;
        }
        let line = lines.entry(grade).or_default();
        line[0] += 1;
        let total = hours.get(pupil).copied().unwrap_or(0.0);
        for (i, threshold) in THRESHOLDS.iter().enumerate() {
            if total >= *threshold {
                line[i + 1] += 1;
            }
        }
        if total == 0.0 {
            line[4] += 1;
            without.push(PupilWithout {
                pupil_id: *pupil,
                external_ref: external_ref.clone(),
                grade,
            });
        }
        let met: HashSet<i64> = events_of
            .get(pupil)
            .into_iter()
            .flatten()
            .flat_map(|event| {
                professions_of_event
                    .get(event)
                    .into_iter()
                    .flatten()
                    .copied()
            })
            .collect();
        let clusters: HashSet<i64> = met
            .iter()
            .filter_map(|p| cluster_of.get(p).copied())
            .collect();
        for profession in met {
            *professions_met.entry(profession).or_default() += 1;
        }
        for cluster in clusters {
            *clusters_met.entry(cluster).or_default() += 1;
        }
    }
    let show = |counts: Vec<i64>| -> Vec<Option<i64>> {
        if exact {
            counts.into_iter().map(Some).collect()
        } else {
            suppress(&counts)
        }
    };
    let columns: Vec<Vec<Option<i64>>> = (0..5)
        .map(|c| show(lines.values().map(|l| l[c]).collect()))
        .collect();
    let grades = lines
        .keys()
        .enumerate()
        .map(|(row, grade)| GradeLine {
            grade: *grade,
            pupils: columns[0][row],
            reached_40: columns[1][row],
            reached_60: columns[2][row],
            reached_80: columns[3][row],
            without_guidance: columns[4][row],
        })
        .collect();
    let met = |counts: BTreeMap<i64, i64>, profession: bool| -> Vec<Met> {
        let shown = show(counts.values().copied().collect());
        counts
            .keys()
            .zip(shown)
            .map(|(id, pupils)| Met {
                profession_id: profession.then_some(*id),
                cluster_id: (!profession).then_some(*id),
                pupils,
            })
            .collect()
    };
    GuidanceReport {
        school_id,
        academic_year: year,
        suppressed: !exact,
        grades,
        professions_met: met(professions_met, true),
        clusters_met: met(clusters_met, false),
        pupils_without_guidance: exact.then_some(without),
    }
}

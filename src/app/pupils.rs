//! Pupil records, minors' data reachable only by their own school and by
//! admins; rosters imported all or nothing; counts for everyone, protected.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::audit::{self, log, logged};
use super::conditional::{IfMatch, Once};
use super::retention::past_retention;
use super::{Context, existing_school, require_kind};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows, authorize, authorize_record};
use crate::db::audit::AuditAction;
use crate::db::locks::Lock;
use crate::db::pupils::{self, Pupil};
use crate::db::references::{self, Reference, check_references};
use crate::db::{DbConnection, DbError, conflict_as, pupil_counts, pupil_stats};
use crate::domain::disclosure;
use crate::domain::pupil::{Interest, PupilFields, RawPupil};
use crate::domain::{OrganizationKind, Page, Role};
use crate::error::{AppError, AppResult, FieldError};
use crate::roster::{self, ImportSummary, InterestTargets, RosterRow};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"school_id": 40, "external_ref": "8А-017", "grade": 8, "academic_year": 2026, "consent": true, "display_name": "Аня К.", "interests": [{"cluster_id": 1, "weight": 2.0}, {"profession_id": 3, "weight": 1.0}]}))]
pub struct NewPupilBody {
    #[schema(minimum = 1)]
    pub school_id: i64,
    /// The school's own roster id, unique within the school; at most 64 characters.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub external_ref: String,
    /// 5 to 11.
    #[schema(minimum = 5, maximum = 11)]
    pub grade: i32,
    /// The academic year `grade` is for (the calendar year it starts in).
    #[schema(minimum = 2000, maximum = 2027)]
    pub academic_year: i32,
    /// Parental consent to personal data processing. Without it
    /// `display_name` and `interests` must be absent: the pupil is counted, nothing more.
    pub consent: bool,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub display_name: Option<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub interests: Vec<Interest>,
}

/// Any subset of a pupil's fields. Withdrawing consent (`consent: false`)
/// erases the display name and the interests.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PupilPatch {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub external_ref: Option<String>,
    #[serde(default)]
    #[schema(minimum = 5, maximum = 11)]
    pub grade: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 2000, maximum = 2027)]
    pub academic_year: Option<i32>,
    #[serde(default)]
    pub consent: Option<bool>,
    /// `null` removes the name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub display_name: Option<Option<String>>,
    /// Replaces every interest.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub interests: Option<Vec<Interest>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl PupilPatch {
    fn applied_to(self, pupil: Pupil) -> RawPupil {
        let consent = self.consent.unwrap_or(pupil.consent);
        let withdrawn = !consent;
        RawPupil {
            external_ref: self.external_ref.unwrap_or(pupil.external_ref),
            grade: self.grade.unwrap_or(pupil.grade),
            academic_year: self.academic_year.unwrap_or(pupil.academic_year),
            consent,
            display_name: match self.display_name {
                Some(given) => given,
                None if withdrawn => None,
                None => pupil.display_name,
            },
            interests: match self.interests {
                Some(given) => given,
                None if withdrawn => Vec::new(),
                None => pupil.interests,
            },
        }
    }
}

/// The interests' targets, for `check_references`.
fn interest_references(interests: &[Interest]) -> Vec<Reference> {
    interests
        .iter()
        .enumerate()
        .filter_map(
            |(i, interest)| match (interest.profession_id, interest.cluster_id) {
                (Some(id), _) => Some(Reference::Profession {
                    field: format!("interests[{i}].profession_id"),
                    id,
                }),
                (None, Some(id)) => Some(Reference::Cluster {
                    field: format!("interests[{i}].cluster_id"),
                    id,
                }),
                (None, None) => None,
            },
        )
        .collect()
}

fn conflict_on_ref(error: DbError, external_ref: &str) -> AppError {
    conflict_as(error, || {
        format!("the school already has a pupil with the external_ref {external_ref:?}")
    })
}

/// Registers a pupil (admins, or a user of the pupil's school).
pub async fn create(
    ctx: &Context,
    user: &AuthUser,
    body: NewPupilBody,
    once: Option<Once>,
) -> AppResult<Pupil> {
    let school_id = body.school_id;
    authorize(user, Action::ManagePupils { school_id })?;
    let fields = RawPupil {
        external_ref: body.external_ref,
        grade: body.grade,
        academic_year: body.academic_year,
        consent: body.consent,
        display_name: body.display_name,
        interests: body.interests,
    }
    .check()
    .map_err(AppError::Invalid)?;
    if let Some(error) = past_retention(ctx, fields.grade, fields.academic_year, None) {
        return Err(AppError::Invalid(vec![error]));
    }
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        require_kind(
            conn,
            "school_id",
            school_id,
            &[OrganizationKind::School],
            "a school",
        )?;
        check_references(conn, &interest_references(&fields.interests))?;
        let pupil = pupils::insert_in_transaction(conn, school_id, &fields)
            .map_err(|e| conflict_on_ref(e, &fields.external_ref))?;
        logged(conn, &actor, "pupil", AuditAction::Create, pupil)
    })
    .await
}

/// Pupil `id` when `user` may do `action` on it: forbidden for roles that
/// never see pupil records (before any lookup), not found when it does not
/// exist or belongs to another school.
pub async fn visible(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    action: fn(i64) -> Action,
) -> AppResult<Pupil> {
    authorize(user, Action::SeePupilRecords)?;
    let pupil = ctx
        .run(move |conn| Ok(pupils::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found("pupil", id))?;
    authorize_record(user, action(pupil.school_id), "pupil", id)?;
    Ok(pupil)
}

/// One pupil (the pupil's school, admins).
pub async fn get(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Pupil> {
    let pupil = visible(ctx, user, id, |school_id| Action::ReadPupils { school_id }).await?;
    let read = serde_json::json!({ "school_id": pupil.school_id });
    audit::pupils_read(ctx, user, Some(id), read).await?;
    Ok(pupil)
}

/// Changes some of a pupil's fields (the pupil's school, admins).
pub async fn patch(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    patch: PupilPatch,
    if_match: IfMatch,
) -> AppResult<Pupil> {
    let pupil = visible(ctx, user, id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    let fields: PupilFields = patch.applied_to(pupil).check().map_err(AppError::Invalid)?;
    if let Some(error) = past_retention(ctx, fields.grade, fields.academic_year, None) {
        return Err(AppError::Invalid(vec![error]));
    }
    let actor = *user;
    ctx.write(move |conn| {
        check_references(conn, &interest_references(&fields.interests))?;
        if_match.check(conn, Lock::Pupil(id), |conn| Ok(pupils::find(conn, id)?))?;
        let pupil = pupils::replace_in_transaction(conn, id, &fields)
            .map_err(|e| conflict_on_ref(e, &fields.external_ref))?
            .ok_or_else(|| AppError::not_found("pupil", id))?;
        logged(conn, &actor, "pupil", AuditAction::Update, pupil)
    })
    .await
}

/// Deletes a pupil with its interests and personal data, for good (the pupil's school, admins).
pub async fn delete(ctx: &Context, user: &AuthUser, id: i64, if_match: IfMatch) -> AppResult<()> {
    visible(ctx, user, id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Pupil(id), |conn| Ok(pupils::find(conn, id)?))?;
        if pupils::delete_in_transaction(conn, id)? {
            log(conn, &actor, "pupil", Some(id), AuditAction::Delete, None)?;
        }
        Ok(())
    })
    .await
}

/// Pupils by id: a school its own (the default for it), admins any school or all.
pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    school_id: Option<i64>,
    grade: Option<i32>,
    external_ref_prefix: Option<String>,
    page: Page,
) -> AppResult<(Vec<Pupil>, i64)> {
    let school_id = school_id.or(match user.role {
        Role::School => user.organization_id,
        _ => None,
    });
    match school_id {
        Some(school_id) => authorize(user, Action::ReadPupils { school_id })?,
        None => authorize(user, Action::ReadAllPupils)?,
    }
    let filter = pupils::Filter {
        school_id,
        grade,
        external_ref_prefix: external_ref_prefix.filter(|prefix| !prefix.is_empty()),
    };
    let listing = ctx
        .run(move |conn| Ok(pupils::list(conn, filter, page)?))
        .await?;
    let read = serde_json::json!({
        "school_id": school_id,
        "grade": grade,
        "pupil_ids": listing.0.iter().map(|pupil| pupil.id).collect::<Vec<_>>(),
    });
    audit::pupils_read(ctx, user, None, read).await?;
    Ok(listing)
}

/// Imports a school's roster CSV (that school's users, admins): every row or
/// none, each bad row named with its line. Rows whose `external_ref` the
/// school has update that pupil.
pub async fn import_roster(
    ctx: &Context,
    user: &AuthUser,
    school_id: i64,
    csv: Vec<u8>,
) -> AppResult<ImportSummary> {
    authorize(user, Action::ManagePupils { school_id })?;
    let actor = *user;
    let (profession_ids, cluster_ids) = ctx
        .run(move |conn| {
            existing_school(conn, school_id)?;
            Ok(references::interest_targets(conn)?)
        })
        .await?;
    // The file is parsed and checked outside any transaction and without a
    // connection: a big file must not hold the database's write lock (or a
    // pooled connection) while it is read.
    let rows = tokio::task::spawn_blocking(move || {
        roster::parse(&csv, &InterestTargets::new(profession_ids, cluster_ids))
    })
    .await
    .map_err(|error| AppError::Internal(anyhow::anyhow!("parsing a roster: {error}")))?
    .map_err(AppError::Invalid)?;
    let past: Vec<FieldError> = rows
        .iter()
        .filter_map(|row| {
            past_retention(
                ctx,
                row.pupil.grade,
                row.pupil.academic_year,
                Some(row.line),
            )
        })
        .take(crate::roster::MAX_BAD_LINES)
        .collect();
    AppError::unless_empty(past)?;
    ctx.write(move |conn| {
        existing_school(conn, school_id)?;
        let (summary, created, updated) = store_roster(conn, school_id, &rows)?;
        // Which pupils the import touched, by id: the line says who changed.
        let changes = serde_json::json!({
            "school_id": school_id,
            "roster": { "created": summary.created, "updated": summary.updated },
            "created_ids": created,
            "updated_ids": updated,
        });
        log(
            conn,
            &actor,
            "pupil",
            None,
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(summary)
    })
    .await
}

/// Stores checked roster rows for one school; call inside a transaction.
fn store_roster(
    conn: &mut DbConnection,
    school_id: i64,
    rows: &[RosterRow],
) -> AppResult<(ImportSummary, Vec<i64>, Vec<i64>)> {
    let mut ids = pupils::all_ids_by_ref(conn, school_id)?;
    let (existing, new): (Vec<&RosterRow>, Vec<&RosterRow>) = rows
        .iter()
        .partition(|row| ids.contains_key(&row.pupil.external_ref));
    let updates: Vec<(i64, &PupilFields)> = existing
        .iter()
        .filter_map(|row| ids.get(&row.pupil.external_ref).map(|id| (*id, &row.pupil)))
        .collect();
    pupils::update_many_in_transaction(conn, &updates)?;
    let new_pupils: Vec<&PupilFields> = new.iter().map(|row| &row.pupil).collect();
    if !new_pupils.is_empty() {
        ids.extend(pupils::insert_many_in_transaction(
            conn,
            school_id,
            &new_pupils,
        )?);
    }
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        let id = ids.get(&row.pupil.external_ref).copied().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("line {}: no id after insert", row.line))
        })?;
        stored.push((id, &row.pupil));
    }
    pupils::replace_interests(conn, &stored)?;
    let id_of = |row: &&RosterRow| ids.get(&row.pupil.external_ref).copied();
    let mut created: Vec<i64> = new.iter().filter_map(id_of).collect();
    let mut updated: Vec<i64> = existing.iter().filter_map(id_of).collect();
    created.sort_unstable();
    updated.sort_unstable();
    Ok((
        ImportSummary {
            created: new.len(),
            updated: existing.len(),
        },
        created,
        updated,
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Grade,
    School,
    Interest,
}

/// One group's count; exactly one of the key fields is present.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CountItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profession_id: Option<i64>,
    /// Exact for the pupils' school and admins; for everyone else the sum of
    /// each school's count per grade rounded to a multiple of 5 (0 to 2 as 0).
    pub count: i64,
    /// Whether `count` is protected (rounded per school) rather than exact.
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PupilStats {
    pub group_by: GroupBy,
    pub items: Vec<CountItem>,
}

/// The key of a group, as an item with no count yet.
type GroupKey = (Option<i32>, Option<i64>, Option<i64>, Option<i64>);

/// Pupil counts by grade, school or interest (every role). Admins and the
/// school asking about its own pupils (`school_id` its own) read exact
/// counts; everyone else reads each school's count per grade (and interest)
/// rounded to a multiple of 5 before the cells are added up (see
/// `domain::disclosure`), so that no difference of answers isolates a school.
pub async fn counts(
    ctx: &Context,
    user: &AuthUser,
    group_by: GroupBy,
    filter: pupil_stats::Filter,
) -> AppResult<PupilStats> {
    authorize(user, Action::ReadPupilStats)?;
    let exact = allows(
        user,
        Action::ReadUnsuppressedPupilCounts {
            school_id: filter.school_id,
        },
    );
    let key = format!(
        "{group_by:?} {:?} {:?} {:?} {exact}",
        filter.school_id, filter.cluster_id, filter.profession_id
    );
    let stats = ctx
        .remembered("pupil_stats", key, || {
            count_cells(ctx, group_by, filter, exact)
        })
        .await?;
    Ok(PupilStats::clone(&stats))
}

/// Pupil counts as `counts` answers them, computed.
async fn count_cells(
    ctx: &Context,
    group_by: GroupBy,
    filter: pupil_stats::Filter,
    exact: bool,
) -> AppResult<PupilStats> {
    let unfiltered =
        filter.school_id.is_none() && filter.cluster_id.is_none() && filter.profession_id.is_none();
    if group_by == GroupBy::Interest && unfiltered {
        // The whole region by interest: each target's cells rounded and
        // added up by the database (22,000 cells in the demo region).
        let totals = ctx
            .run(move |conn| Ok(pupil_counts::interest_totals(conn, exact)?))
            .await?;
        let mut groups: std::collections::BTreeMap<(bool, GroupKey), i64> = Default::default();
        for (profession_id, cluster_id, total) in totals {
            let key = (None, None, cluster_id, profession_id);
            *groups.entry((cluster_id.is_some(), key)).or_default() += total;
        }
        return Ok(stats_of(group_by, groups, exact));
    }
    // Each finest cell (a school's grade, or a school's grade and interest
    // target) with the group it adds to.
    let cells: Vec<(GroupKey, i64)> = ctx
        .run(move |conn| {
            Ok(match group_by {
                GroupBy::Grade | GroupBy::School => pupil_stats::cells_by_grade(conn, filter)?
                    .into_iter()
                    .map(|(school_id, grade, n)| {
                        let key = match group_by {
                            GroupBy::Grade => (Some(grade), None, None, None),
                            _ => (None, Some(school_id), None, None),
                        };
                        (key, n)
                    })
                    .collect(),
                GroupBy::Interest => pupil_stats::cells_by_interest(conn, filter)?
                    .into_iter()
                    .map(|(_, _, profession_id, cluster_id, n)| {
                        ((None, None, cluster_id, profession_id), n)
                    })
                    .collect(),
            })
        })
        .await?;
    let mut groups: std::collections::BTreeMap<(bool, GroupKey), i64> = Default::default();
    for (key, n) in cells {
        // Professions before clusters, each by id, as before.
        let clusters_last = key.2.is_some();
        *groups.entry((clusters_last, key)).or_default() += disclosure::shown(n, exact);
    }
    Ok(stats_of(group_by, groups, exact))
}

/// The answer of counts added up by group.
fn stats_of(
    group_by: GroupBy,
    groups: std::collections::BTreeMap<(bool, GroupKey), i64>,
    exact: bool,
) -> PupilStats {
    let items = groups
        .into_iter()
        .map(
            |((_, (grade, school_id, cluster_id, profession_id)), count)| CountItem {
                grade,
                school_id,
                cluster_id,
                profession_id,
                count,
                suppressed: !exact,
            },
        )
        .collect();
    PupilStats { group_by, items }
}

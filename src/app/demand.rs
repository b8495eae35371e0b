//! Enterprise demand: how many workers of which profession an enterprise
//! will need in which year. Written by the enterprise and admins, read by the
//! enterprise, analysts and admins; institutions that train the profession are told.

use serde::Deserialize;
use utoipa::ToSchema;

use super::audit::{log, logged};
use super::conditional::{IfMatch, Once};
use super::{Context, notifications, require_kind};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::DbConnection;
use crate::db::audit::AuditAction;
use crate::db::demand::{self, Demand, DemandFields};
use crate::db::locks::Lock;
use crate::db::references::{Reference, check_references};
use crate::domain::numbers::{demand_year, headcount};
use crate::domain::{Label, OrganizationKind, Page, Role, positive_id};
use crate::error::{AppError, AppResult};
use crate::parse_fields;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enterprise_id": 25, "profession_id": 3, "year": 2029, "headcount": 40, "note": "вторая линия стекловаренной печи"}))]
pub struct DemandBody {
    /// An enterprise. On `PUT` it may be left out; if given it must not change.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub enterprise_id: Option<i64>,
    #[schema(minimum = 1)]
    pub profession_id: i64,
    /// From the current year to 30 years ahead.
    pub year: i32,
    /// 1 to 100000.
    #[schema(minimum = 1, maximum = 100000)]
    pub headcount: i32,
    /// At most 1000 characters.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub note: Option<String>,
}

impl DemandBody {
    fn fields(&self) -> AppResult<DemandFields> {
        let note = self
            .note
            .as_deref()
            .map(|note| Label::parse(note, 1000).map(Label::into_inner))
            .transpose();
        parse_fields!(
            profession_id = "profession_id" => positive_id(self.profession_id),
            year = "year" => demand_year(self.year),
            headcount = "headcount" => headcount(self.headcount),
            note = "note" => note,
        );
        Ok(DemandFields {
            profession_id,
            year,
            headcount,
            note,
        })
    }
}

fn check_demand_references(
    conn: &mut DbConnection,
    enterprise_id: i64,
    fields: &DemandFields,
) -> AppResult<()> {
    require_kind(
        conn,
        "enterprise_id",
        enterprise_id,
        &[OrganizationKind::Enterprise],
        "an enterprise",
    )?;
    check_references(
        conn,
        &[Reference::Profession {
            field: "profession_id".into(),
            id: fields.profession_id,
        }],
    )
}

/// A conflict naming the enterprise's record for the same profession and
/// year, when there is one other than `except`: one record per enterprise,
/// profession and year, which the enterprise changes.
fn refuse_second(
    conn: &mut DbConnection,
    enterprise_id: i64,
    fields: &DemandFields,
    except: Option<i64>,
) -> AppResult<()> {
    match demand::same_record(
        conn,
        enterprise_id,
        fields.profession_id,
        fields.year,
        except,
    )? {
        Some(id) => Err(AppError::Conflict(format!(
            "demand record {id} already has this enterprise, profession and year: change it (PUT /api/v1/demand/{id})"
        ))),
        None => Ok(()),
    }
}

/// The enterprise's record for a profession and year, if it has one (its
/// enterprise, admins): what a page offers to change instead of a second.
pub async fn same_record(
    ctx: &Context,
    user: &AuthUser,
    enterprise_id: i64,
    profession_id: i64,
    year: i32,
) -> AppResult<Option<Demand>> {
    authorize(user, Action::ManageDemand { enterprise_id })?;
    ctx.run(move |conn| {
        match demand::same_record(conn, enterprise_id, profession_id, year, None)? {
            Some(id) => Ok(demand::find(conn, id)?),
            None => Ok(None),
        }
    })
    .await
}

/// The professions an enterprise has posted demand for (its users, admins).
pub async fn professions_of(
    ctx: &Context,
    user: &AuthUser,
    enterprise_id: i64,
) -> AppResult<Vec<i64>> {
    authorize(user, Action::ReadDemand { enterprise_id })?;
    ctx.run(move |conn| Ok(demand::professions_of(conn, enterprise_id)?))
        .await
}

/// Posts demand (admins, or a user of the enterprise); a second record for
/// the same profession and year is a conflict naming the first.
pub async fn create(
    ctx: &Context,
    user: &AuthUser,
    body: DemandBody,
    once: Option<Once>,
) -> AppResult<Demand> {
    let Some(enterprise_id) = body.enterprise_id else {
        return Err(AppError::invalid("enterprise_id", "is required"));
    };
    authorize(user, Action::ManageDemand { enterprise_id })?;
    let fields = body.fields()?;
    let letterhead = ctx.letterhead.clone();
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        check_demand_references(conn, enterprise_id, &fields)?;
        refuse_second(conn, enterprise_id, &fields, None)?;
        let record = demand::insert(conn, enterprise_id, &fields)?;
        notifications::demand_posted(conn, &letterhead, &record, None)?;
        logged(conn, &actor, "demand", AuditAction::Create, record)
    })
    .await
}

/// Demand record `id` for `action`; another enterprise's record is not
/// found. Roles that may not see such records at all (`role_check`) are
/// refused before the lookup, so a missing and another's record look alike.
async fn visible(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    role_check: Action,
    action: fn(i64) -> Action,
) -> AppResult<Demand> {
    authorize(user, role_check)?;
    let record = ctx
        .run(move |conn| Ok(demand::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found("demand record", id))?;
    authorize_record(user, action(record.enterprise_id), "demand record", id)?;
    Ok(record)
}

/// One demand record (its enterprise, analysts, admins).
pub async fn get(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Demand> {
    visible(ctx, user, id, Action::SeeDemandRecords, |enterprise_id| {
        Action::ReadDemand { enterprise_id }
    })
    .await
}

/// Replaces a demand record (its enterprise, admins); a change of profession,
/// year or headcount is told to the institutions training the profession.
pub async fn replace(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    body: DemandBody,
    if_match: IfMatch,
) -> AppResult<Demand> {
    let existing = visible(ctx, user, id, Action::WriteDemandRecords, |enterprise_id| {
        Action::ManageDemand { enterprise_id }
    })
    .await?;
    if body
        .enterprise_id
        .is_some_and(|given| given != existing.enterprise_id)
    {
        return Err(AppError::invalid(
            "enterprise_id",
            "a demand record cannot move to another enterprise",
        ));
    }
    let fields = body.fields()?;
    let enterprise_id = existing.enterprise_id;
    let letterhead = ctx.letterhead.clone();
    let actor = *user;
    ctx.write(move |conn| {
        check_demand_references(conn, enterprise_id, &fields)?;
        if_match.check(conn, Lock::Demand(id), |conn| Ok(demand::find(conn, id)?))?;
        refuse_second(conn, enterprise_id, &fields, Some(id))?;
        let record = demand::replace(conn, id, &fields)?
            .ok_or_else(|| AppError::not_found("demand record", id))?;
        if (record.profession_id, record.year, record.headcount)
            != (existing.profession_id, existing.year, existing.headcount)
        {
            notifications::demand_posted(conn, &letterhead, &record, Some(&existing))?;
        }
        logged(conn, &actor, "demand", AuditAction::Update, record)
    })
    .await
}

/// Deletes a demand record (its enterprise, admins).
pub async fn delete(ctx: &Context, user: &AuthUser, id: i64, if_match: IfMatch) -> AppResult<()> {
    visible(ctx, user, id, Action::WriteDemandRecords, |enterprise_id| {
        Action::ManageDemand { enterprise_id }
    })
    .await?;
    let actor = *user;
    ctx.write(move |conn| {
        if_match.check(conn, Lock::Demand(id), |conn| Ok(demand::find(conn, id)?))?;
        if demand::delete(conn, id)? {
            log(conn, &actor, "demand", Some(id), AuditAction::Delete, None)?;
        }
        Ok(())
    })
    .await
}

/// Which demand records to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemandQuery {
    pub profession_id: Option<i64>,
    pub year: Option<i32>,
    /// An enterprise user sees only its own, the default for it.
    pub enterprise_id: Option<i64>,
}

/// Demand records by year (an enterprise its own; analysts and admins all).
pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    query: DemandQuery,
    page: Page,
) -> AppResult<(Vec<Demand>, i64)> {
    let enterprise_id = query.enterprise_id.or(match user.role {
        Role::Enterprise => user.organization_id,
        _ => None,
    });
    match enterprise_id {
        Some(enterprise_id) => authorize(user, Action::ReadDemand { enterprise_id })?,
        None => authorize(user, Action::ReadAllDemand)?,
    }
    let filter = demand::Filter {
        enterprise_id,
        profession_id: query.profession_id,
        year: query.year,
    };
    ctx.run(move |conn| Ok(demand::list(conn, filter, page)?))
        .await
}

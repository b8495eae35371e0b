//! Enterprise demand: how many workers of which profession an enterprise will need in which year.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::references::{Reference, check_references};
use super::{AppState, Listing, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::demand::{self, Demand, DemandFields};
use crate::db::{self, DbConnection, organizations};
use crate::domain::numbers::{demand_year, headcount};
use crate::domain::{Label, OrganizationKind, Page, Role, positive_id};
use crate::error::{ApiError, Problem};
use crate::notify::triggers;
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandBody {
    /// An enterprise. On `PUT` it may be left out; if given it must not change.
    #[serde(default)]
    pub enterprise_id: Option<i64>,
    pub profession_id: i64,
    /// From the current year to 30 years ahead.
    pub year: i32,
    /// 1 to 100000.
    pub headcount: i32,
    /// At most 1000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

impl DemandBody {
    fn fields(&self) -> Result<DemandFields, ApiError> {
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
) -> Result<(), ApiError> {
    match organizations::kind_of(conn, enterprise_id)? {
        Some(OrganizationKind::Enterprise) => {}
        Some(kind) => {
            return Err(ApiError::invalid(
                "enterprise_id",
                format!("is a {}, not an enterprise", kind.as_str()),
            ));
        }
        None => {
            return Err(ApiError::invalid(
                "enterprise_id",
                format!("no organization has the id {enterprise_id}"),
            ));
        }
    }
    check_references(
        conn,
        &[Reference::Profession {
            field: "profession_id".into(),
            id: fields.profession_id,
        }],
    )
}

/// Posts demand (admins, or a user of the enterprise).
#[utoipa::path(post, path = "/api/v1/demand", tag = "demand", security(("bearer" = [])), request_body = DemandBody, responses(
    (status = 201, body = Demand, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/demand")]
pub async fn create_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<DemandBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let Some(enterprise_id) = body.enterprise_id else {
        return Err(ApiError::invalid("enterprise_id", "is required"));
    };
    authorize(&user, Action::ManageDemand { enterprise_id })?;
    let fields = body.fields()?;
    let letterhead = state.letterhead.clone();
    let record = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_demand_references(conn, enterprise_id, &fields)?;
            let record = demand::insert(conn, enterprise_id, &fields)?;
            triggers::demand_posted(conn, &letterhead, &record, None)?;
            Ok(record)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/demand/{}", record.id), &record))
}

/// Loads demand record `id` for `action`; another enterprise's record answers 404.
async fn visible_demand(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    action: fn(i64) -> Action,
) -> Result<Demand, ApiError> {
    let record = db::run(&state.pool, move |conn| Ok(demand::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("demand record", id))?;
    authorize_record(user, action(record.enterprise_id), "demand record", id)?;
    Ok(record)
}

/// One demand record (its enterprise, analysts, admins).
#[utoipa::path(get, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 200, body = Demand),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/demand/{id}")]
pub async fn get_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let record = visible_demand(&state, &user, id.into_inner(), |enterprise_id| {
        Action::ReadDemand { enterprise_id }
    })
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// Replaces a demand record (its enterprise, admins).
#[utoipa::path(put, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])), request_body = DemandBody,
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 200, body = Demand),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/demand/{id}")]
pub async fn replace_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<DemandBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let existing = visible_demand(&state, &user, id, |enterprise_id| Action::ManageDemand {
        enterprise_id,
    })
    .await?;
    let body = body.0;
    if body
        .enterprise_id
        .is_some_and(|given| given != existing.enterprise_id)
    {
        return Err(ApiError::invalid(
            "enterprise_id",
            "a demand record cannot move to another enterprise",
        ));
    }
    let fields = body.fields()?;
    let enterprise_id = existing.enterprise_id;
    let letterhead = state.letterhead.clone();
    let record = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_demand_references(conn, enterprise_id, &fields)?;
            let record = demand::replace(conn, id, &fields)?
                .ok_or_else(|| ApiError::not_found("demand record", id))?;
            if (record.profession_id, record.year, record.headcount)
                != (existing.profession_id, existing.year, existing.headcount)
            {
                triggers::demand_posted(conn, &letterhead, &record, Some(&existing))?;
            }
            Ok(record)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// Deletes a demand record (its enterprise, admins).
#[utoipa::path(delete, path = "/api/v1/demand/{id}", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the record's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/demand/{id}")]
pub async fn delete_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_demand(&state, &user, id, |enterprise_id| Action::ManageDemand {
        enterprise_id,
    })
    .await?;
    db::run(&state.pool, move |conn| Ok(demand::delete(conn, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemandQuery {
    pub profession_id: Option<i64>,
    pub year: Option<i32>,
    /// An enterprise user sees only its own, the default for it.
    pub enterprise_id: Option<i64>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Lists demand records by year (an enterprise its own; analysts and admins all).
#[utoipa::path(get, path = "/api/v1/demand", tag = "demand", security(("bearer" = [])), params(DemandQuery), responses(
    (status = 200, body = Listing<Demand>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/demand")]
pub async fn list_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<DemandQuery>,
) -> Result<HttpResponse, ApiError> {
    let enterprise_id = query.enterprise_id.or(match user.role {
        Role::Enterprise => user.organization_id,
        _ => None,
    });
    match enterprise_id {
        Some(enterprise_id) => authorize(&user, Action::ReadDemand { enterprise_id })?,
        None => authorize(&user, Action::ReadAllDemand)?,
    }
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = demand::Filter {
        enterprise_id,
        profession_id: query.profession_id,
        year: query.year,
    };
    let listing = db::run(&state.pool, move |conn| {
        Ok(demand::list(conn, filter, page)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

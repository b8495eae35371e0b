//! The catalogue: clusters, professions and organizations; read by everyone signed in, written by admins.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::Context;
use super::audit::logged;
use super::conditional::Once;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::audit::AuditAction;
use crate::db::clusters::{self, Cluster};
use crate::db::organizations::{self, NewOrganization, Organization};
use crate::db::professions::{self, NewProfession, Profession};
use crate::db::references::{Reference, check_references};
use crate::db::{self, conflict_as};
use crate::domain::{EmailAddress, Label, OrganizationKind, Page, ProfessionCode, positive_id};
use crate::error::{AppError, AppResult, FieldError};
use crate::parse_fields;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClusterBody {
    /// Unique, at most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// The industry, e.g. `glass`; at most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub industry: String,
}

/// Creates a cluster (admins only).
pub async fn create_cluster(
    ctx: &Context,
    user: &AuthUser,
    body: NewClusterBody,
    once: Option<Once>,
) -> AppResult<Cluster> {
    authorize(user, Action::WriteCatalogue)?;
    parse_fields!(
        name = "name" => Label::parse(&body.name, 200),
        industry = "industry" => Label::parse(&body.industry, 200),
    );
    let (name, industry) = (name.into_inner(), industry.into_inner());
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        let cluster = clusters::insert(conn, &name, &industry)
            .map_err(|e| conflict_as(e, || format!("a cluster named {name:?} already exists")))?;
        logged(conn, &actor, "cluster", AuditAction::Create, cluster)
    })
    .await
}

pub async fn list_clusters(
    ctx: &Context,
    user: &AuthUser,
    page: Page,
) -> AppResult<(Vec<Cluster>, i64)> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| Ok(clusters::list(conn, page)?)).await
}

pub async fn get_cluster(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Cluster> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| clusters::find(conn, id)?.ok_or_else(|| AppError::not_found("cluster", id)))
        .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProfessionBody {
    /// Unique; letters, digits, `.`, `-`, `_`, at most 32 (an ОКПДТР number or a specialty code).
    #[schema(max_length = 32, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: String,
    /// At most 300 characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    #[schema(minimum = 1)]
    pub cluster_id: i64,
}

/// Creates a profession (admins only). `code` is unique.
pub async fn create_profession(
    ctx: &Context,
    user: &AuthUser,
    body: NewProfessionBody,
    once: Option<Once>,
) -> AppResult<Profession> {
    authorize(user, Action::WriteCatalogue)?;
    parse_fields!(
        code = "code" => ProfessionCode::parse(&body.code),
        title = "title" => Label::parse(&body.title, 300),
        cluster_id = "cluster_id" => positive_id(body.cluster_id),
    );
    let new = NewProfession {
        code: code.into_inner(),
        title: title.into_inner(),
        cluster_id,
    };
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        if clusters::find(conn, new.cluster_id)?.is_none() {
            return Err(AppError::invalid(
                "cluster_id",
                format!("no cluster has the id {}", new.cluster_id),
            ));
        }
        let profession = professions::insert(conn, &new).map_err(|e| {
            conflict_as(e, || {
                format!("a profession with the code {} already exists", new.code)
            })
        })?;
        logged(conn, &actor, "profession", AuditAction::Create, profession)
    })
    .await
}

pub async fn list_professions(
    ctx: &Context,
    user: &AuthUser,
    filter: professions::Filter,
    page: Page,
) -> AppResult<(Vec<Profession>, i64)> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| Ok(professions::list(conn, filter, page)?))
        .await
}

pub async fn get_profession(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Profession> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| {
        professions::find(conn, id)?.ok_or_else(|| AppError::not_found("profession", id))
    })
    .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationBody {
    pub kind: OrganizationKind,
    /// Unique among organizations of its kind; at most 300 characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// At most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub town: String,
    /// The contact address notifications go to.
    #[schema(
        max_length = 254,
        pattern = r"^\s*[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\s*$"
    )]
    pub email: String,
    /// Existing clusters, each once.
    #[serde(default)]
    pub cluster_ids: Vec<i64>,
    /// It stands for a statistical group, not one institution (default false):
    /// its programs are no candidates of the seat planner unless named.
    #[serde(default)]
    pub aggregate: bool,
}

/// Creates an organization (admins only).
pub async fn create_organization(
    ctx: &Context,
    user: &AuthUser,
    body: NewOrganizationBody,
    once: Option<Once>,
) -> AppResult<Organization> {
    authorize(user, Action::WriteCatalogue)?;
    parse_fields!(
        name = "name" => Label::parse(&body.name, 300),
        town = "town" => Label::parse(&body.town, 200),
        email = "email" => EmailAddress::parse(&body.email),
    );
    check_cluster_ids_shape(&body.cluster_ids)?;
    let new = NewOrganization {
        kind: body.kind,
        name: name.into_inner(),
        town: town.into_inner(),
        email: email.into_inner(),
        cluster_ids: body.cluster_ids,
        aggregate: body.aggregate,
    };
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        let references: Vec<Reference> = new
            .cluster_ids
            .iter()
            .enumerate()
            .map(|(i, id)| Reference::Cluster {
                field: format!("cluster_ids[{i}]"),
                id: *id,
            })
            .collect();
        check_references(conn, &references)?;
        let organization = organizations::insert_in_transaction(conn, &new).map_err(|e| {
            conflict_as(e, || {
                format!(
                    "{} named {:?} already exists",
                    crate::domain::a_or_an(new.kind.as_str()),
                    new.name
                )
            })
        })?;
        logged(
            conn,
            &actor,
            "organization",
            AuditAction::Create,
            organization,
        )
    })
    .await
}

fn check_cluster_ids_shape(cluster_ids: &[i64]) -> AppResult<()> {
    let mut seen = HashSet::new();
    let errors: Vec<FieldError> = cluster_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| {
            let field = format!("cluster_ids[{i}]");
            if *id <= 0 {
                Some(FieldError::new(field, "must be a positive id"))
            } else if !seen.insert(*id) {
                Some(FieldError::new(
                    field,
                    format!("cluster {id} is listed twice"),
                ))
            } else {
                None
            }
        })
        .collect();
    AppError::unless_empty(errors)
}

pub async fn list_organizations(
    ctx: &Context,
    user: &AuthUser,
    filter: organizations::Filter,
    page: Page,
) -> AppResult<(Vec<Organization>, i64)> {
    authorize(user, Action::ReadCatalogue)?;
    ctx.run(move |conn| Ok(organizations::list(conn, filter, page)?))
        .await
}

pub async fn get_organization(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Organization> {
    authorize(user, Action::ReadCatalogue)?;
    db::run(&ctx.pool, move |conn| {
        organizations::find(conn, id)?.ok_or_else(|| AppError::not_found("organization", id))
    })
    .await
}

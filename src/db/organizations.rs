//! Queries on organizations (schools, colleges, universities, enterprises) and their clusters.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema::{organization_clusters, organizations};
use super::{DbConnection, MultiBackend};
use crate::domain::{OrganizationKind, Page};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
struct OrganizationRow {
    id: i64,
    #[diesel(deserialize_as = String)]
    kind: OrganizationKind,
    name: String,
    town: String,
    email: String,
    aggregate: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Organization {
    pub id: i64,
    pub kind: OrganizationKind,
    pub name: String,
    pub town: String,
    pub email: String,
    /// The clusters it belongs to, in id order.
    pub cluster_ids: Vec<i64>,
    /// It stands for a statistical group (the rest of the region's colleges
    /// in a field), not one institution: its programs are labelled so and
    /// are no candidates of the seat planner unless named.
    pub aggregate: bool,
}

pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: String,
    pub town: String,
    pub email: String,
    pub cluster_ids: Vec<i64>,
    pub aggregate: bool,
}

impl OrganizationRow {
    fn with_clusters(self, cluster_ids: Vec<i64>) -> QueryResult<Organization> {
        Ok(Organization {
            id: self.id,
            kind: self.kind,
            name: self.name,
            town: self.town,
            email: self.email,
            cluster_ids,
            aggregate: self.aggregate,
        })
    }
}

/// Inserts the organization and its cluster links; call inside a transaction.
pub fn insert_in_transaction(
    conn: &mut DbConnection,
    new: &NewOrganization,
) -> QueryResult<Organization> {
    let id: i64 = diesel::insert_into(organizations::table)
        .values((
            organizations::kind.eq(new.kind.as_str()),
            organizations::name.eq(&new.name),
            organizations::town.eq(&new.town),
            organizations::email.eq(&new.email),
            organizations::created_at.eq(chrono::Utc::now().naive_utc()),
            organizations::aggregate.eq(new.aggregate),
        ))
        .returning(organizations::id)
        .get_result(conn)?;
    let row = OrganizationRow {
        id,
        kind: new.kind,
        name: new.name.clone(),
        town: new.town.clone(),
        email: new.email.clone(),
        aggregate: new.aggregate,
    };
    let links: Vec<_> = new
        .cluster_ids
        .iter()
        .map(|cluster_id| {
            (
                organization_clusters::organization_id.eq(row.id),
                organization_clusters::cluster_id.eq(*cluster_id),
            )
        })
        .collect();
    if !links.is_empty() {
        crate::on_backend!(conn, |inner| diesel::insert_into(
            organization_clusters::table
        )
        .values(&links)
        .execute(inner))?;
    }
    let mut cluster_ids = new.cluster_ids.clone();
    cluster_ids.sort_unstable();
    row.with_clusters(cluster_ids)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Organization>> {
    let Some(row) = organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let cluster_ids = organization_clusters::table
        .filter(organization_clusters::organization_id.eq(id))
        .select(organization_clusters::cluster_id)
        .order(organization_clusters::cluster_id)
        .load(conn)?;
    row.with_clusters(cluster_ids).map(Some)
}

/// The kind of an organization, if it exists.
pub fn kind_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrganizationKind>> {
    let kind: Option<String> = organizations::table
        .find(id)
        .select(organizations::kind)
        .first(conn)
        .optional()?;
    kind.map(|kind| {
        OrganizationKind::try_from(kind)
            .map_err(|e| diesel::result::Error::DeserializationError(e.into()))
    })
    .transpose()
}

/// The organizations that stand for statistical groups.
pub fn aggregate_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    organizations::table
        .filter(organizations::aggregate.eq(true))
        .select(organizations::id)
        .load(conn)
}

/// The name and contact address of an organization.
pub fn name_and_email(conn: &mut DbConnection, id: i64) -> QueryResult<(String, String)> {
    organizations::table
        .find(id)
        .select((organizations::name, organizations::email))
        .first(conn)
}

/// The names of these organizations, by id.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The contact addresses of the institutions with a program that trains `profession_id`, each once.
pub fn emails_of_institutions_training(
    conn: &mut DbConnection,
    profession_id: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::{program_professions, programs};
    organizations::table
        .filter(
            organizations::id.eq_any(
                programs::table
                    .filter(
                        programs::id.eq_any(
                            program_professions::table
                                .filter(program_professions::profession_id.eq(profession_id))
                                .select(program_professions::program_id),
                        ),
                    )
                    .select(programs::institution_id),
            ),
        )
        .select(organizations::email)
        .distinct()
        .order(organizations::email)
        .load(conn)
}

/// The contact addresses of the enterprises with demand for `profession_id`, each once.
pub fn emails_of_enterprises_demanding(
    conn: &mut DbConnection,
    profession_id: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::demand;
    organizations::table
        .filter(
            organizations::id.eq_any(
                demand::table
                    .filter(demand::profession_id.eq(profession_id))
                    .select(demand::enterprise_id),
            ),
        )
        .select(organizations::email)
        .distinct()
        .order(organizations::email)
        .load(conn)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub kind: Option<OrganizationKind>,
}

fn filtered(filter: Filter) -> organizations::BoxedQuery<'static, MultiBackend> {
    let mut query = organizations::table.into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(organizations::kind.eq(kind.as_str()));
    }
    query
}

/// A page of organizations with their clusters: two round trips whatever the page size.
pub fn list(
    conn: &mut DbConnection,
    filter: Filter,
    page: Page,
) -> QueryResult<(Vec<Organization>, i64)> {
    let rows: Vec<(OrganizationRow, i64)> = filtered(filter)
        .select((
            OrganizationRow::as_select(),
            sql::<BigInt>("COUNT(*) OVER ()"),
        ))
        .order(organizations::id)
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    let (rows, total) =
        super::page_with_total(rows, page, || filtered(filter).count().get_result(conn))?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let links: Vec<(i64, i64)> = organization_clusters::table
        .filter(organization_clusters::organization_id.eq_any(&ids))
        .select((
            organization_clusters::organization_id,
            organization_clusters::cluster_id,
        ))
        .order((
            organization_clusters::organization_id,
            organization_clusters::cluster_id,
        ))
        .load(conn)?;
    let mut clusters_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (organization_id, cluster_id) in links {
        clusters_of
            .entry(organization_id)
            .or_default()
            .push(cluster_id);
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let cluster_ids = clusters_of.remove(&row.id).unwrap_or_default();
            row.with_clusters(cluster_ids)
        })
        .collect::<QueryResult<_>>()?;
    Ok((items, total))
}

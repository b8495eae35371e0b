//! Queries on industrial clusters.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::DbConnection;
use super::schema::clusters;
use crate::domain::Page;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema, Deserialize)]
#[diesel(table_name = clusters)]
pub struct Cluster {
    pub id: i64,
    pub name: String,
    pub industry: String,
}

pub fn insert(conn: &mut DbConnection, name: &str, industry: &str) -> QueryResult<Cluster> {
    diesel::insert_into(clusters::table)
        .values((
            clusters::name.eq(name),
            clusters::industry.eq(industry),
            clusters::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning((clusters::id, clusters::name, clusters::industry))
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Cluster>> {
    clusters::table
        .find(id)
        .select(Cluster::as_select())
        .first(conn)
        .optional()
}

/// The page and the total in one round trip (a second only when the page is past the end).
pub fn list(conn: &mut DbConnection, page: Page) -> QueryResult<(Vec<Cluster>, i64)> {
    let rows: Vec<(Cluster, i64)> = clusters::table
        .select((Cluster::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order(clusters::id)
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    super::page_with_total(rows, page, || clusters::table.count().get_result(conn))
}

//! Queries on professions.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema::professions;
use super::{DbConnection, MultiBackend};
use crate::domain::Page;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema, Deserialize)]
#[diesel(table_name = professions)]
pub struct Profession {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub cluster_id: i64,
}

pub struct NewProfession {
    pub code: String,
    pub title: String,
    pub cluster_id: i64,
}

pub fn insert(conn: &mut DbConnection, new: &NewProfession) -> QueryResult<Profession> {
    diesel::insert_into(professions::table)
        .values((
            professions::code.eq(&new.code),
            professions::title.eq(&new.title),
            professions::cluster_id.eq(new.cluster_id),
            professions::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning((
            professions::id,
            professions::code,
            professions::title,
            professions::cluster_id,
        ))
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Profession>> {
    professions::table
        .find(id)
        .select(Profession::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub cluster_id: Option<i64>,
}

fn filtered(filter: Filter) -> professions::BoxedQuery<'static, MultiBackend> {
    let mut query = professions::table.into_boxed();
    if let Some(cluster_id) = filter.cluster_id {
        query = query.filter(professions::cluster_id.eq(cluster_id));
    }
    query
}

pub fn list(
    conn: &mut DbConnection,
    filter: Filter,
    page: Page,
) -> QueryResult<(Vec<Profession>, i64)> {
    let rows: Vec<(Profession, i64)> = filtered(filter)
        .select((Profession::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order(professions::code)
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    super::page_with_total(rows, page, || filtered(filter).count().get_result(conn))
}

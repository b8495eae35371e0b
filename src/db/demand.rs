//! Queries on the enterprises' demand records.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema::demand;
use super::{DbConnection, MultiBackend};
use crate::domain::Page;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, ToSchema, Deserialize)]
#[diesel(table_name = demand)]
pub struct Demand {
    pub id: i64,
    pub enterprise_id: i64,
    pub profession_id: i64,
    /// The calendar year the workers start.
    pub year: i32,
    pub headcount: i32,
    pub note: Option<String>,
}

pub struct DemandFields {
    pub profession_id: i64,
    pub year: i32,
    pub headcount: i32,
    pub note: Option<String>,
}

pub fn insert(
    conn: &mut DbConnection,
    enterprise_id: i64,
    fields: &DemandFields,
) -> QueryResult<Demand> {
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(demand::table)
        .values((
            demand::enterprise_id.eq(enterprise_id),
            demand::profession_id.eq(fields.profession_id),
            demand::year.eq(fields.year),
            demand::headcount.eq(fields.headcount),
            demand::note.eq(&fields.note),
            demand::created_at.eq(now),
            demand::updated_at.eq(now),
        ))
        .returning((
            demand::id,
            demand::enterprise_id,
            demand::profession_id,
            demand::year,
            demand::headcount,
            demand::note,
        ))
        .get_result(conn)
}

pub fn replace(
    conn: &mut DbConnection,
    id: i64,
    fields: &DemandFields,
) -> QueryResult<Option<Demand>> {
    diesel::update(demand::table.find(id))
        .set((
            demand::profession_id.eq(fields.profession_id),
            demand::year.eq(fields.year),
            demand::headcount.eq(fields.headcount),
            demand::note.eq(&fields.note),
            demand::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning((
            demand::id,
            demand::enterprise_id,
            demand::profession_id,
            demand::year,
            demand::headcount,
            demand::note,
        ))
        .get_result(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(demand::table.find(id)).execute(conn)? > 0)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Demand>> {
    demand::table
        .find(id)
        .select(Demand::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub enterprise_id: Option<i64>,
    pub profession_id: Option<i64>,
    pub year: Option<i32>,
}

fn filtered(filter: Filter) -> demand::BoxedQuery<'static, MultiBackend> {
    let mut query = demand::table.into_boxed();
    if let Some(enterprise_id) = filter.enterprise_id {
        query = query.filter(demand::enterprise_id.eq(enterprise_id));
    }
    if let Some(profession_id) = filter.profession_id {
        query = query.filter(demand::profession_id.eq(profession_id));
    }
    if let Some(year) = filter.year {
        query = query.filter(demand::year.eq(year));
    }
    query
}

/// A page of demand records by year, then id, with the total in the same round trip.
pub fn list(
    conn: &mut DbConnection,
    filter: Filter,
    page: Page,
) -> QueryResult<(Vec<Demand>, i64)> {
    let rows: Vec<(Demand, i64)> = filtered(filter)
        .select((Demand::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order((demand::year, demand::id))
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    super::page_with_total(rows, page, || filtered(filter).count().get_result(conn))
}

/// The id of the enterprise's record for the profession and year, other
/// than `except`: there is at most one.
pub fn same_record(
    conn: &mut DbConnection,
    enterprise_id: i64,
    profession_id: i64,
    year: i32,
    except: Option<i64>,
) -> QueryResult<Option<i64>> {
    demand::table
        .filter(demand::enterprise_id.eq(enterprise_id))
        .filter(demand::profession_id.eq(profession_id))
        .filter(demand::year.eq(year))
        .filter(demand::id.ne(except.unwrap_or(0)))
        .select(demand::id)
        .first(conn)
        .optional()
}

/// The professions an enterprise has posted demand for.
pub fn professions_of(conn: &mut DbConnection, enterprise_id: i64) -> QueryResult<Vec<i64>> {
    demand::table
        .filter(demand::enterprise_id.eq(enterprise_id))
        .select(demand::profession_id)
        .distinct()
        .order(demand::profession_id)
        .load(conn)
}

//! Published forecasts: the whole answer of a forecast, kept as text exactly
//! as it was written, never changed; deleted by admins only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::published_forecasts as p;

/// A published forecast without its answer, as lists show it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Published {
    pub id: i64,
    pub title: String,
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
}

/// What a publication stores.
#[derive(Debug, Clone)]
pub struct NewPublished<'a> {
    pub title: &'a str,
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    pub published_by: Option<i64>,
    pub generation: i64,
    pub answer: &'a str,
}

type Columns = (
    p::id,
    p::title,
    p::as_of,
    p::from_year,
    p::to_year,
    p::published_at,
    p::published_by,
);

const COLUMNS: Columns = (
    p::id,
    p::title,
    p::as_of,
    p::from_year,
    p::to_year,
    p::published_at,
    p::published_by,
);

pub fn insert(conn: &mut DbConnection, new: &NewPublished<'_>) -> QueryResult<Published> {
    diesel::insert_into(p::table)
        .values((
            p::title.eq(new.title),
            p::as_of.eq(new.as_of),
            p::from_year.eq(new.from),
            p::to_year.eq(new.to),
            p::published_at.eq(chrono::Utc::now().naive_utc()),
            p::published_by.eq(new.published_by),
            p::generation.eq(new.generation),
            p::answer.eq(new.answer),
        ))
        .returning(COLUMNS)
        .get_result(conn)
}

/// Every published forecast, the latest first.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Published>> {
    p::table
        .select(COLUMNS)
        .order((p::published_at.desc(), p::id.desc()))
        .load(conn)
}

/// One published forecast with its answer as it was written.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(Published, String)>> {
    p::table
        .find(id)
        .select((COLUMNS, p::answer))
        .first(conn)
        .optional()
}

/// Whether a published forecast was deleted.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(p::table.find(id)).execute(conn)? > 0)
}

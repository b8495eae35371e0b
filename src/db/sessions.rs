//! Page sessions: only a hash of each cookie's value is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::web_sessions;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub token_version: i32,
    pub csrf: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(&row.token_hash),
            web_sessions::user_id.eq(row.user_id),
            web_sessions::token_version.eq(row.token_version),
            web_sessions::csrf.eq(&row.csrf),
            web_sessions::created_at.eq(row.created_at),
            web_sessions::last_seen_at.eq(row.last_seen_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<SessionRow>> {
    web_sessions::table
        .find(token_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(web_sessions::table.find(token_hash))
        .set(web_sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, token_hash: &str) -> QueryResult<()> {
    diesel::delete(web_sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// Deletes every session last used before `idle_since`.
pub fn delete_idle(conn: &mut DbConnection, idle_since: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::last_seen_at.lt(idle_since)))
        .execute(conn)
}

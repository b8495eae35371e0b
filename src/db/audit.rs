//! The audit log: who changed what, and who read which school's pupil
//! records. Rows are only ever added (the database refuses updates and deletes).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::audit_log;
use crate::domain::Page;

/// What was done to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Delete,
    Read,
}

impl AuditAction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Read => "read",
        }
    }
}

/// One line to add. `actor_id` is `None` for the command line and for kadry
/// itself (retention, the worker).
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor_id: Option<i64>,
    pub entity: &'static str,
    pub entity_id: Option<i64>,
    pub action: AuditAction,
    pub changes: Option<serde_json::Value>,
}

pub fn record(conn: &mut DbConnection, entry: &Entry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(chrono::Utc::now().naive_utc()),
            audit_log::actor_id.eq(entry.actor_id),
            audit_log::entity.eq(entry.entity),
            audit_log::entity_id.eq(entry.entity_id),
            audit_log::action.eq(entry.action.as_str()),
            audit_log::changes.eq(entry.changes.as_ref().map(|changes| changes.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Line {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub changes: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Lines newest first, a page at a time, with the total.
pub fn list(conn: &mut DbConnection, filter: &Filter, page: Page) -> QueryResult<(Vec<Line>, i64)> {
    let filtered = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(entity) = &filter.entity {
            query = query.filter(audit_log::entity.eq(entity.clone()));
        }
        if let Some(entity_id) = filter.entity_id {
            query = query.filter(audit_log::entity_id.eq(entity_id));
        }
        if let Some(actor_id) = filter.actor_id {
            query = query.filter(audit_log::actor_id.eq(actor_id));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::at.lt(to));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let lines = filtered()
        .order(audit_log::id.desc())
        .limit(page.limit)
        .offset(page.offset)
        .select(Line::as_select())
        .load(conn)?;
    Ok((lines, total))
}

//! The audit log as admins read it, and the one way the rest of the
//! application writes to it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Context;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::DbConnection;
use crate::db::audit::{self, AuditAction, Entry, Filter};
use crate::domain::Page;
use crate::error::AppResult;

/// Fields never written to the audit log, whatever the record: a pupil's
/// name and the school's reference for the pupil (so that the log cannot
/// say who a deleted pupil was), passwords and tokens.
const NEVER_LOGGED: [&str; 5] = [
    "display_name",
    "external_ref",
    "password",
    "password_hash",
    "token",
];

/// The fields of `record` as the log keeps them: without a pupil's name or
/// reference, a password or a token.
pub fn changes_of<T: Serialize>(record: &T) -> Option<serde_json::Value> {
    let mut value = serde_json::to_value(record).ok()?;
    if let Some(fields) = value.as_object_mut() {
        for field in NEVER_LOGGED {
            fields.remove(field);
        }
    }
    Some(value)
}

/// Logs a read of pupil records by `user` in a transaction of its own:
/// `id` for one pupil, or `None` with what was read in `changes`.
pub async fn pupils_read(
    ctx: &Context,
    user: &AuthUser,
    id: Option<i64>,
    changes: serde_json::Value,
) -> AppResult<()> {
    let actor = *user;
    ctx.write_log(move |conn| log(conn, &actor, "pupil", id, AuditAction::Read, Some(changes)))
        .await
}

/// Adds a line for `user` doing `action` to `entity` `id`, in the caller's
/// transaction: a change and its line are stored together or not at all.
pub fn log(
    conn: &mut DbConnection,
    user: &AuthUser,
    entity: &'static str,
    id: Option<i64>,
    action: AuditAction,
    changes: Option<serde_json::Value>,
) -> AppResult<()> {
    let actor_id = (*user != AuthUser::command_line()).then_some(user.id);
    audit::record(
        conn,
        &Entry {
            actor_id,
            entity,
            entity_id: id,
            action,
            changes,
        },
    )?;
    Ok(())
}

/// One line of the log as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `null` for the command line and for kadry's own tasks.
    pub actor_id: Option<i64>,
    pub entity: String,
    pub entity_id: Option<i64>,
    /// create, update, delete or read.
    pub action: String,
    /// The fields as stored by the change (never a password, a token or a
    /// pupil's name); for reads, what was read.
    #[schema(value_type = Option<Object>, nullable)]
    pub changes: Option<serde_json::Value>,
}

impl From<audit::Line> for AuditLine {
    fn from(line: audit::Line) -> Self {
        Self {
            id: line.id,
            at: line.at.and_utc(),
            actor_id: line.actor_id,
            entity: line.entity,
            entity_id: line.entity_id,
            action: line.action,
            changes: line
                .changes
                .and_then(|changes| serde_json::from_str(&changes).ok()),
        }
    }
}

/// The log, newest first (admins only).
pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    filter: Filter,
    page: Page,
) -> AppResult<(Vec<AuditLine>, i64)> {
    authorize(user, Action::ReadAudit)?;
    let (lines, total) = ctx
        .run(move |conn| Ok(audit::list(conn, &filter, page)?))
        .await?;
    Ok((lines.into_iter().map(AuditLine::from).collect(), total))
}

/// Logs `record` (which has an `id`) as `action` on `entity` by `user`, and
/// hands it back: `Ok(logged(conn, user, "program", Create, record)?)`.
pub fn logged<T: Serialize>(
    conn: &mut DbConnection,
    user: &AuthUser,
    entity: &'static str,
    action: AuditAction,
    record: T,
) -> AppResult<T> {
    let changes = changes_of(&record);
    let id = changes
        .as_ref()
        .and_then(|changes| changes.get("id"))
        .and_then(serde_json::Value::as_i64);
    log(conn, user, entity, id, action, changes)?;
    Ok(record)
}

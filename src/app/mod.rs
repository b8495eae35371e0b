//! The application layer: every rule of the business, used alike by the API
//! (`routes`), the pages and the command line.
//!
//! A function here takes the acting user, the `Context` and typed input; it
//! applies the policy and the rules, runs its queries through `db`, and
//! returns typed output or an `AppError`. It knows nothing of HTTP. One
//! module per area (catalogue, users and sessions, programs, pupils,
//! younger pupils, demand, forecast, planning, events, guidance,
//! recommendations, notifications); the background loops (`delivery` of
//! the outbox, shortage checks in `notifications`, `retention`); loading a
//! region (`region`, `demo`); and what they share (`context`, `cache`,
//! `standings`, `conditional`, `audit`).

pub mod audit;
pub mod backup;
pub mod cache;
pub mod catalogue;
pub mod conditional;
pub mod context;
pub mod delivery;
pub mod demand;
pub mod demo;
pub mod events;
pub mod forecast;
pub mod gauges;
pub mod grade_counts;
pub mod guidance;
pub mod notifications;
pub mod outcomes;
pub mod planning;
pub mod programs;
pub mod pupils;
pub mod recommendations;
pub mod region;
pub mod registrations;
pub mod retention;
pub mod sessions;
pub mod sign_in;
pub mod standings;
pub mod users;

pub use context::Context;

use crate::db::{self, DbConnection, organizations};
use crate::domain::OrganizationKind;
use crate::error::{AppError, AppResult};

/// Whether the database answers a real read (a locked or missing database
/// is `Unavailable`): the readiness check.
pub async fn ready(ctx: &Context) -> AppResult<()> {
    ctx.run(|conn| {
        db::maintenance::check_ready(conn).map_err(|e| AppError::Unavailable(e.to_string()))
    })
    .await
}

/// 422 on `field` unless organization `id` exists and is of one of `kinds`
/// (`what` names them in the message, e.g. "a college or university").
pub(crate) fn require_kind(
    conn: &mut DbConnection,
    field: &str,
    id: i64,
    kinds: &[OrganizationKind],
    what: &str,
) -> AppResult<OrganizationKind> {
    match organizations::kind_of(conn, id)? {
        Some(kind) if kinds.contains(&kind) => Ok(kind),
        Some(kind) => Err(AppError::invalid(
            field,
            format!("is {}, not {what}", crate::domain::a_or_an(kind.as_str())),
        )),
        None => Err(AppError::invalid(
            field,
            format!("no organization has the id {id}"),
        )),
    }
}

/// 404 unless organization `id` exists and is a school; database faults pass through.
pub(crate) fn existing_school(conn: &mut DbConnection, id: i64) -> AppResult<()> {
    match organizations::kind_of(conn, id)? {
        Some(OrganizationKind::School) => Ok(()),
        _ => Err(AppError::not_found("school", id)),
    }
}

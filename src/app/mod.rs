//! The application layer: every rule of the business, used alike by the API
//! (`routes`), the pages and the command line.
//!
//! A function here takes the acting user, the `Context` and typed input; it
//! applies the policy and the rules, runs its queries through `db`, and
//! returns typed output or an `AppError`. It knows nothing of HTTP.

pub mod audit;
pub mod cache;
pub mod catalogue;
pub mod conditional;
pub mod demand;
pub mod forecast;
pub mod guidance;
pub mod notifications;
pub mod planning;
pub mod programs;
pub mod pupils;
pub mod retention;
pub mod sessions;
pub mod users;
pub mod younger;

use crate::config::{RetentionSettings, Settings, ThrottleSettings};
use crate::db::{self, DbConnection, DbPool, organizations};
use crate::domain::OrganizationKind;
use crate::error::{AppError, AppResult};
use crate::notify::Letterhead;

/// What every application function may reach.
#[derive(Clone)]
pub struct Context {
    pub pool: DbPool,
    /// The language and the base of links of every email.
    pub letterhead: Letterhead,
    pub throttle: ThrottleSettings,
    pub invitation_ttl_hours: i64,
    pub retention: RetentionSettings,
    /// Sent messages are deleted this many days after they were sent.
    pub keep_sent_days: i64,
    /// Answers kept while the data's generation stays (see `cache`).
    pub cache: std::sync::Arc<cache::ReadCache>,
}

impl Context {
    pub fn new(settings: &Settings, pool: DbPool) -> Self {
        Self {
            pool,
            letterhead: Letterhead::from_settings(&settings.email),
            throttle: settings.auth.login_throttle.clone(),
            invitation_ttl_hours: settings.email.invitation_ttl_hours,
            retention: settings.retention,
            keep_sent_days: settings.email.keep_sent_days,
            cache: Default::default(),
        }
    }

    /// Runs `work` on a pooled connection off the async executor.
    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        db::run(&self.pool, work).await
    }

    /// Runs `work` in a write transaction (see `db::write_transaction`).
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        db::run(&self.pool, move |conn| db::write_transaction(conn, work)).await
    }

    /// Runs `work` in a write transaction that changes nothing an answer is
    /// computed from (an audit line of a read), leaving the generation.
    pub async fn write_log<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        db::run(&self.pool, move |conn| db::log_transaction(conn, work)).await
    }
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
            format!("is a {}, not {what}", kind.as_str()),
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

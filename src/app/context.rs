//! What every application function may reach (`Context`: the pool, the
//! settings rules need, the kept answers), and how it runs database work
//! off the async executor and keeps answers while the data's generation stays.

use std::hash::Hash;
use std::sync::Arc;

use super::cache::ReadCache;
use super::standings::Standings;
use crate::config::{RetentionSettings, Settings, ThrottleSettings};
use crate::db::{self, DbConnection, DbPool, generation};
use crate::domain::Zone;
use crate::error::AppResult;
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
    pub cache: Arc<ReadCache>,
    /// The region's local time, for pages.
    pub zone: Zone,
    /// Whether emails go to the log only (`email.url = "log"`, for trials).
    pub email_to_log: bool,
    /// The users' standing as checked, kept exact (see `standings`).
    pub standings: Arc<Standings>,
}

impl Context {
    pub fn new(settings: &Settings, pool: DbPool) -> Self {
        Self {
            letterhead: Letterhead::from_settings(&settings.email),
            throttle: settings.auth.login_throttle.clone(),
            invitation_ttl_hours: settings.email.invitation_ttl_hours,
            retention: settings.retention,
            keep_sent_days: settings.email.keep_sent_days,
            cache: Default::default(),
            zone: settings.region.time_zone.clone(),
            email_to_log: settings.email.url == crate::config::EmailUrl::Log,
            standings: Standings::new(&db::ConnectionManager::new(
                settings.database.url.clone(),
                settings.database.sqlite_busy_timeout_ms,
            )),
            pool,
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

impl Context {
    /// The data's generation as last committed.
    pub async fn generation(&self) -> AppResult<i64> {
        self.run(|conn| Ok(generation::current(conn)?)).await
    }

    /// The answer of kind `kind` kept for `key`, or `compute`d (after the
    /// generation was read) and kept. A reader reads the generation first
    /// and computes after, so what it keeps is at least as new as the
    /// generation it keeps it under (see `cache`).
    pub async fn remembered<K, V, F, Fut>(
        &self,
        kind: &'static str,
        key: K,
        compute: F,
    ) -> AppResult<Arc<V>>
    where
        K: Eq + Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        let generation = self.generation().await?;
        let memo = self.cache.memo::<K, V>(kind);
        if let Some(kept) = memo.as_ref().and_then(|memo| memo.get(generation, &key)) {
            return Ok(kept);
        }
        let value = Arc::new(compute().await?);
        if let Some(memo) = memo {
            memo.put(generation, key, value.clone());
        }
        Ok(value)
    }
}

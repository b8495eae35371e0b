//! One diesel connection type for SQLite and PostgreSQL (the backend chosen
//! from the URL), its pool, and running work on the blocking thread pool.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::config::{DatabaseSettings, DatabaseUrl};
use crate::error::AppError;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Opens a PostgreSQL connection with libpq, OpenSSL made ready first.
///
/// libpq speaks TLS through OpenSSL, which left to itself registers a
/// cleanup to run at process exit that frees its state while other threads'
/// connections still use it: the process could die of a segmentation fault
/// after its work was done. `openssl_sys::init` initialises OpenSSL once
/// without that cleanup (the exit frees the memory anyway). Every
/// PostgreSQL connection of kadry, its tests and benchmarks opens here.
pub fn establish_postgres(url: &str) -> Result<PgConnection, diesel::ConnectionError> {
    init_openssl();
    PgConnection::establish(url)
}

/// OpenSSL made ready, once, without its exit-time cleanup (see `establish_postgres`).
pub fn init_openssl() {
    openssl_sys::init();
}

/// Opens connections for r2d2 with the backend chosen from the URL, so that
/// libpq's own error messages reach the log.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    sqlite_busy_timeout_ms: u32,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl, sqlite_busy_timeout_ms: u32) -> Self {
        Self {
            url,
            sqlite_busy_timeout_ms,
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// A connection whose reads on SQLite never wait for a lock: a busy
    /// database is an error at once, for checks that have a slower way.
    pub fn connect_unwaiting(&self) -> Result<DbConnection, ConnectError> {
        let mut conn = self.connect()?;
        if let DbConnection::Sqlite(sqlite) = &mut conn {
            sqlite.batch_execute("PRAGMA busy_timeout = 0")?;
        }
        Ok(conn)
    }

    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = establish_postgres(url)?;
                // kadry's queries are short and many run at once: starting a
                // parallel worker costs more than it saves (a school's
                // guidance record: 4-5 ms with one, 2.6-2.9 ms without).
                conn.batch_execute("SET max_parallel_workers_per_gather = 0")?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // secure_delete overwrites deleted rows, so a deleted pupil's
                // personal data does not linger in free pages of the file.
                conn.batch_execute(&format!(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; \
                     PRAGMA secure_delete = ON;",
                    self.sqlite_busy_timeout_ms
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// A pooled connection, marked broken when a query through it found the
/// database gone, so that the pool drops it instead of handing it out again.
pub struct PooledConnection {
    conn: DbConnection,
    broken: bool,
}

impl std::ops::Deref for PooledConnection {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = PooledConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<PooledConnection, ConnectError> {
        Ok(PooledConnection {
            conn: ConnectionManager::connect(self)?,
            broken: false,
        })
    }

    fn is_valid(&self, pooled: &mut PooledConnection) -> Result<(), ConnectError> {
        Ok(pooled.conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, pooled: &mut PooledConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        pooled.broken || pooled.conn.is_broken()
    }
}

pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Builds the pool without connecting; `migrations::run` makes the first connection.
pub fn pool(settings: &DatabaseSettings) -> DbPool {
    let manager = ConnectionManager::new(settings.url.clone(), settings.sqlite_busy_timeout_ms);
    r2d2::Pool::builder()
        .max_size(settings.pool_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(settings.timeout_seconds.max(1)))
        // A broken connection still fails its query and is replaced; a check
        // on every checkout costs a round trip per request.
        .test_on_check_out(false)
        .build_unchecked(manager)
}

/// Runs `work` with a pooled connection on the blocking thread pool, never on the async executor.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let asked = std::time::Instant::now();
        let mut pooled = pool.get().map_err(|e| {
            metrics::counter!("kadry_db_pool_timeouts_total").increment(1);
            AppError::Unavailable(e.to_string())
        })?;
        metrics::histogram!("kadry_db_pool_wait_seconds").record(asked.elapsed().as_secs_f64());
        let outcome = work(&mut pooled.conn);
        if matches!(outcome, Err(AppError::Unavailable(_))) {
            pooled.broken = true;
        }
        outcome
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
}

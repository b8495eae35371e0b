//! The database layer: one diesel connection type for SQLite and PostgreSQL, its pool, and the queries.

pub mod audit;
pub mod clusters;
pub mod demand;
pub mod events;
pub mod forecast;
pub mod generation;
pub mod guidance;
pub mod idempotency;
pub mod invitations;
pub mod locks;
pub mod maintenance;
pub mod masses;
pub mod migrations;
pub mod organizations;
pub mod outbox;
pub mod professions;
pub mod programs;
pub mod pupil_counts;
pub mod pupil_stats;
pub mod pupils;
pub mod references;
pub mod schema;
pub mod sessions;
pub mod shortages;
pub mod throttle;
pub mod users;
pub mod younger;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::config::DatabaseSettings;
pub use crate::config::DatabaseUrl;
pub use diesel::QueryResult;

/// An error of a query, as the query functions return it.
pub type DbError = diesel::result::Error;
use crate::error::{AppError, FieldError};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel expression on whichever connection is inside a
/// `DbConnection`, for the few queries that do not compile through the
/// multi-backend type (batch inserts).
#[macro_export]
macro_rules! on_backend {
    ($connection:expr, |$inner:ident| $body:expr) => {
        match $connection {
            $crate::db::DbConnection::Postgres($inner) => $body,
            $crate::db::DbConnection::Sqlite($inner) => $body,
        }
    };
}

/// Loads rows of hand-written SQL (with `?` placeholders) on either backend,
/// for the few aggregates diesel's query builder cannot express:
/// `load_sql!(conn, SQL, Row; Integer => year, BigInt => id)`.
#[macro_export]
macro_rules! load_sql {
    ($connection:expr, $sql:expr, $row:ty; $($sql_type:ty => $value:expr),* $(,)?) => {
        match $connection {
            $crate::db::DbConnection::Postgres(inner) => diesel::RunQueryDsl::load::<$row>(
                diesel::sql_query($crate::db::numbered_placeholders($sql))
                    $(.bind::<$sql_type, _>($value))*,
                inner,
            ),
            $crate::db::DbConnection::Sqlite(inner) => diesel::RunQueryDsl::load::<$row>(
                diesel::sql_query($sql) $(.bind::<$sql_type, _>($value))*,
                inner,
            ),
        }
    };
}

/// `?` placeholders as PostgreSQL's `$1`, `$2`, ... (the SQL holds no `?` in strings).
pub fn numbered_placeholders(sql: &str) -> String {
    let mut numbered = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    numbered
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
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

    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
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
        let mut pooled = pool
            .get()
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        let outcome = work(&mut pooled.conn);
        if matches!(outcome, Err(AppError::Unavailable(_))) {
            pooled.broken = true;
        }
        outcome
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("database task failed: {e}")))?
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &error {
            Error::NotFound => AppError::NotFound("the record".into()),
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                AppError::Conflict("a record with the same unique value already exists".into())
            }
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => {
                AppError::Invalid(vec![FieldError::new(
                    "body",
                    "refers to a record that does not exist",
                )])
            }
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                AppError::Unavailable(info.message().to_string())
            }
            // SQLite answers "database is locked" when its busy timeout runs out.
            Error::DatabaseError(_, info) if info.message().contains("locked") => {
                AppError::Unavailable(info.message().to_string())
            }
            // A full disk is a passing fault of the service, not a bug: SQLite's
            // SQLITE_FULL, PostgreSQL's disk_full (53100, "could not extend file").
            Error::DatabaseError(_, info) if is_disk_full(info.message()) => {
                AppError::Unavailable(info.message().to_string())
            }
            _ => AppError::Internal(anyhow::Error::new(error)),
        }
    }
}

/// Whether a database's error message says its disk (or quota) is full.
fn is_disk_full(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("database or disk is full")
        || message.contains("could not extend file")
        || message.contains("no space left on device")
        || message.contains("disk full")
}

/// A unique violation as a conflict that names what is taken; any other error as it is.
pub fn conflict_as(error: DbError, message: impl FnOnce() -> String) -> AppError {
    match AppError::from(error) {
        AppError::Conflict(_) => AppError::Conflict(message()),
        other => other,
    }
}

/// Splits rows loaded with `COUNT(*) OVER ()` into the items and the total.
/// An empty page past the end carries no total, so only then is it counted.
pub fn page_with_total<T>(
    rows: Vec<(T, i64)>,
    page: crate::domain::Page,
    count: impl FnOnce() -> QueryResult<i64>,
) -> QueryResult<(Vec<T>, i64)> {
    let total = match rows.first() {
        Some((_, total)) => *total,
        None if page.offset > 0 => count()?,
        None => 0,
    };
    Ok((rows.into_iter().map(|(item, _)| item).collect(), total))
}

/// A transaction that will write. On SQLite it begins with `BEGIN IMMEDIATE`,
/// taking the write lock first: a deferred transaction that reads and then
/// writes fails at once ("database is locked") when another writer got in
/// between, whatever the busy timeout. On PostgreSQL it is a plain transaction.
/// Before it commits it raises the data's generation (`generation::raise`),
/// so that no cached answer computed before it is served after it.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    transaction_that_writes(conn, true, work)
}

/// A write transaction that changes nothing any cached answer is computed
/// from (the audit line of a read): the generation stays as it is.
pub fn log_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    transaction_that_writes(conn, false, work)
}

fn transaction_that_writes<T, E>(
    conn: &mut DbConnection,
    raise: bool,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
        DbConnection::Postgres(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
    };
    // Inside a transaction already (a savepoint): the outer one raises the
    // generation, last, so that no transaction holds that row's lock while
    // it waits for another.
    let nested = depth.map_err(E::from)?.is_some();
    let raise = raise && !nested;
    let work = move |conn: &mut DbConnection| -> Result<T, E> {
        let value = work(conn)?;
        if raise {
            generation::raise(conn).map_err(E::from)?;
        }
        Ok(value)
    };
    let DbConnection::Sqlite(inner) = conn else {
        return conn.transaction(work);
    };
    if nested {
        return conn.transaction(work);
    }
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(E::from)?;
    let outcome = work(conn);
    let DbConnection::Sqlite(inner) = conn else {
        return outcome;
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(inner).map_err(E::from)?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one to report; a failed rollback marks the connection broken.
            let _ = AnsiTransactionManager::rollback_transaction(inner);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    use crate::error::AppError;

    /// The finding: a full disk answered 500, as if kadry had a bug. A real
    /// SQLite database that may not grow stands in for the full disk.
    #[test]
    fn a_full_disk_is_a_passing_unavailability_not_a_bug() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE t (x BLOB); PRAGMA max_page_count = 8;")
            .unwrap();
        let error = (0..100)
            .find_map(|_| {
                conn.batch_execute("INSERT INTO t VALUES (randomblob(4000))")
                    .err()
            })
            .expect("the database fills up");
        assert!(
            matches!(AppError::from(error), AppError::Unavailable(_)),
            "a full SQLite database is unavailable"
        );
        // PostgreSQL's disk_full error, as its server words it.
        assert!(super::is_disk_full(
            "could not extend file \"base/16384/16385\": No space left on device"
        ));
        assert!(!super::is_disk_full(
            "duplicate key value violates unique constraint"
        ));
    }

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            super::numbered_placeholders("a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
    }
}

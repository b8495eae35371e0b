//! The database layer, all of kadry's SQL: the connection for SQLite and
//! PostgreSQL and its pool (`connection`), errors in the application's
//! words (`errors`), transactions that write (`transaction`), migrations,
//! and one file of queries per aggregate.

pub mod audit;
pub mod cells;
pub mod clusters;
pub mod connection;
pub mod demand;
pub mod errors;
pub mod events;
pub mod evidence;
pub mod forecast;
pub mod generation;
pub mod grade_counts;
pub mod guidance;
pub mod idempotency;
pub mod invitations;
pub mod locks;
pub mod maintenance;
pub mod masses;
pub mod migrations;
pub mod organizations;
pub mod outbox;
pub mod outcomes;
pub mod professions;
pub mod programs;
pub mod published;
pub mod pupil_counts;
pub mod pupil_stats;
pub mod pupils;
pub mod references;
pub mod schema;
pub mod sessions;
pub mod shortages;
pub mod throttle;
pub mod transaction;
pub mod user_changes;
pub mod users;

pub use crate::config::DatabaseUrl;
pub use connection::{
    ConnectError, ConnectionManager, DbConnection, DbPool, MultiBackend, PooledConnection,
    establish_postgres, pool, run,
};
pub use diesel::QueryResult;
pub use errors::{DbError, conflict_as};
pub use migrations::prepare;
pub use transaction::{log_transaction, write_transaction};

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

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            super::numbered_placeholders("a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
    }
}

//! Transactions that write: on SQLite they take the write lock first, and
//! before they commit they raise the data's generation, so that no kept
//! answer computed before a write is served after it.

use diesel::prelude::*;

use super::connection::DbConnection;
use super::generation;

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

//! Database errors in the application's words: a unique violation is a
//! conflict, a missing reference is invalid input, a lost connection, a lock
//! timeout or a full disk is a passing unavailability; the rest is internal.

use crate::error::{AppError, FieldError};

/// An error of a query, as the query functions return it.
pub type DbError = diesel::result::Error;

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
}

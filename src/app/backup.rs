//! A copy of a live SQLite database, taken while kadry serves writes.

use super::Context;
use crate::db::maintenance;
use crate::error::{AppError, AppResult};

/// Copies the SQLite database to `to`, which must not exist; the copy is
/// a whole database `kadry serve` can serve as it is. A conflict on
/// PostgreSQL (use `pg_dump`).
pub async fn copy_sqlite(ctx: &Context, to: String) -> AppResult<()> {
    let copied = ctx
        .run(move |conn| Ok(maintenance::copy_sqlite_into(conn, &to)?))
        .await?;
    if copied {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "a PostgreSQL database is copied with pg_dump".into(),
        ))
    }
}

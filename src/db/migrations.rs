//! The migrations of both backends, embedded in the binary and run at start-up and by `kadry migrate`.

use anyhow::{Context, anyhow};
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::{ConnectionManager, DbConnection, DbPool};
use crate::config::DatabaseSettings;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Connects once (so a wrong URL or a down server is reported with the
/// database's own message), switches SQLite to WAL, and applies what is pending.
/// Returns the versions it applied.
pub fn run(manager: &ConnectionManager) -> anyhow::Result<Vec<String>> {
    let mut conn = manager
        .connect()
        .map_err(|e| anyhow!("cannot connect to the database: {e}"))?;
    let applied = match &mut conn {
        DbConnection::Sqlite(inner) => {
            inner
                .batch_execute("PRAGMA journal_mode = WAL;")
                .context("switching SQLite to WAL")?;
            inner.run_pending_migrations(SQLITE).map(versions)
        }
        DbConnection::Postgres(inner) => inner.run_pending_migrations(POSTGRES).map(versions),
    };
    applied.map_err(|e| anyhow!("running the database migrations: {e}"))
}

/// Reverts the latest migration applied (`kadry`'s tests use it to build a
/// database as an older kadry left it); returns its version.
pub fn revert_last(manager: &ConnectionManager) -> anyhow::Result<String> {
    let mut conn = manager
        .connect()
        .map_err(|e| anyhow!("cannot connect to the database: {e}"))?;
    let reverted = match &mut conn {
        DbConnection::Sqlite(inner) => inner.revert_last_migration(SQLITE),
        DbConnection::Postgres(inner) => inner.revert_last_migration(POSTGRES),
    };
    reverted
        .map(|version| version.to_string())
        .map_err(|e| anyhow!("reverting the latest migration: {e}"))
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}

/// Runs the pending migrations and builds the pool.
pub async fn prepare(settings: &DatabaseSettings) -> anyhow::Result<DbPool> {
    let manager = ConnectionManager::new(settings.url.clone(), settings.sqlite_busy_timeout_ms);
    let applied = tokio::task::spawn_blocking(move || run(&manager)).await??;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied database migrations");
    }
    Ok(super::connection::pool(settings))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn versions(backend: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().join("up.sql").is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_backends_hold_the_same_migration_versions() {
        let sqlite = versions("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("postgres"));
    }
}

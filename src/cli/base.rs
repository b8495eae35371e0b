//! What every subcommand shares: opening the database, saying an
//! application error the command line's way, the output formats.

use crate::app::Context;
use crate::config::Settings;
use crate::error::AppError;

/// Migrates and opens the configured database, with the application's context.
pub async fn open(settings: &Settings) -> anyhow::Result<Context> {
    let pool = crate::db::prepare(&settings.database).await?;
    Ok(Context::new(settings, pool))
}

/// Opens the configured database for a command that reads (or adds to)
/// data already there: a SQLite file that does not exist is refused, naming
/// it, rather than created empty.
pub async fn open_existing(settings: &Settings) -> anyhow::Result<Context> {
    if let crate::config::DatabaseUrl::Sqlite(path) = &settings.database.url
        && !path.exists()
    {
        anyhow::bail!(
            "there is no database at {} (KADRY_DATABASE_URL); create one with `kadry migrate`, or load the demo with `kadry demo`",
            path.display()
        );
    }
    open(settings).await
}

/// An application error as the command line says it: invalid fields named
/// as the options that carry them (`--to: ...`).
pub(super) fn failure(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{}", other.describe()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

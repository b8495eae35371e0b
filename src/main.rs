//! The `kadry` command: serve the API, or run the migrations.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kadry::config::Settings;
use kadry::db::DatabaseUrl;
use kadry::startup::{Application, prepare_database};

/// kadry: career guidance and workforce planning for a region.
///
/// Settings come from config/default.toml (built in), a file named by
/// KADRY_CONFIG, and KADRY_* environment variables (see README.md).
#[derive(Parser)]
#[command(name = "kadry", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (the default): applies pending migrations, creates the
    /// first admin from KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD, listens on KADRY_BIND.
    Serve,
    /// Apply pending database migrations to KADRY_DATABASE_URL and exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("kadry: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    kadry::telemetry::init(&settings.log.filter);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("kadry: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(settings).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kadry: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    application.run_until_stopped().await?;
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&settings.database.url)?;
    prepare_database(&settings, &url).await?;
    println!("kadry: the {} database is up to date", url.backend_name());
    Ok(())
}

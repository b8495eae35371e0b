//! What the `kadry` subcommands other than `serve` do: each opens the database
//! itself and goes through the application layer, as the API does.

use std::io::{IsTerminal, Write};

use anyhow::{Context as _, bail};

use crate::app::forecast::{ForecastResponse, Span};
use crate::app::users::NewUserBody;
use crate::app::{self, Context};
use crate::auth::AuthUser;
use crate::config::Settings;
use crate::db::{self, maintenance};
use crate::error::AppError;
use crate::forecast::export::rows_as_csv;
use crate::forecast::model::round2;
use crate::startup::prepare_database;
use crate::synth::{self, Catalogue, Scale, Stage};

/// Migrates and opens the configured database, with the application's context.
pub async fn open(settings: &Settings) -> anyhow::Result<Context> {
    let pool = prepare_database(settings).await?;
    Ok(Context::new(settings, pool))
}

/// An application error as the command line says it: invalid fields named
/// as the options that carry them (`--to: ...`).
fn failure(error: AppError) -> anyhow::Error {
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

/// `kadry forecast`: the same table as `GET /api/v1/forecast`, printed.
pub async fn forecast(
    settings: &Settings,
    from: i32,
    to: i32,
    profession: Option<String>,
    format: Format,
) -> anyhow::Result<String> {
    let span = Span::parse(Some(from), Some(to)).map_err(failure)?;
    let ctx = open(settings).await?;
    let response = app::forecast::stored_forecast_by_code(
        &ctx,
        &AuthUser::command_line(),
        span,
        profession.as_deref(),
    )
    .await
    .map_err(failure)?;
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&response)? + "\n",
        Format::Csv => rows_as_csv(&response.rows),
        Format::Table => table(&response),
    })
}

fn table(response: &ForecastResponse) -> String {
    let mut out = format!(
        "{:<12} {:>5} {:>10} {:>10} {:>10} {:>9}\n",
        "profession", "year", "demand", "supply", "gap", "coverage"
    );
    for row in &response.rows {
        let coverage = row
            .coverage
            .map(|c| format!("{:.2}", round2(c)))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<12} {:>5} {:>10.2} {:>10.2} {:>10.2} {:>9}\n",
            row.profession_code, row.year, row.demand, row.supply, row.gap, coverage
        ));
    }
    if response.rows.is_empty() {
        out.push_str("(no demand or supply in these years)\n");
    }
    for unplaced in &response.unplaced {
        out.push_str(&format!(
            "unplaced: {} leavers after grade {} without a regional place: {:.2}\n",
            unplaced.year, unplaced.entry_grade, unplaced.pupils
        ));
    }
    out
}

/// A one-line progress bar on standard error, redrawn in place on a terminal.
pub struct Progress {
    terminal: bool,
    last: Option<(Stage, usize)>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last: None,
        }
    }
}

impl Progress {
    pub fn update(&mut self, stage: Stage, done: usize, total: usize) {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        // On a terminal every percent; in a log only each stage's end.
        let changed = self.last.is_none_or(|(s, p)| s != stage || p != percent);
        if !changed || (!self.terminal && done < total) {
            return;
        }
        self.last = Some((stage, percent));
        let width = 30;
        let filled = percent * width / 100;
        let name = match stage {
            Stage::Catalogue => "catalogue",
            Stage::Programs => "programs",
            Stage::Pupils => "pupils",
            Stage::Demand => "demand",
        };
        let line = format!(
            "{name:<10} [{}{}] {percent:>3}% {done}/{total}",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        let mut stderr = std::io::stderr();
        if self.terminal {
            let _ = write!(stderr, "\r{line}");
            if done >= total {
                let _ = writeln!(stderr);
            }
        } else {
            let _ = writeln!(stderr, "{line}");
        }
    }
}

/// `kadry generate`: a synthetic region of the given size, for trying kadry at scale.
pub async fn generate(
    settings: &Settings,
    pupils: usize,
    seed: u64,
) -> anyhow::Result<synth::Loaded> {
    let ctx = open(settings).await?;
    on_connection(&ctx, move |conn| {
        if maintenance::has_data(conn)? {
            bail!("the database already has data; generate into an empty one");
        }
        let scale = Scale::with_pupils(seed, pupils);
        let catalogue = Catalogue::numbered(&scale);
        let mut progress = Progress::default();
        synth::load(conn, &scale, &catalogue, |stage, done, total| {
            progress.update(stage, done, total)
        })
    })
    .await
}

/// Bulk work (loading a region) on one pooled connection, off the async executor.
async fn on_connection<T: Send + 'static>(
    ctx: &Context,
    work: impl FnOnce(&mut db::DbConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    ctx.run(|conn| work(conn).map_err(AppError::Internal))
        .await
        .map_err(|error| match error {
            AppError::Internal(error) => error,
            other => failure(other),
        })
}

/// Demo sign-ins when KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD are not set.
pub const DEMO_ADMIN: (&str, &str) = ("admin@kadry.demo", "demo-admin-pass");

/// `kadry demo`: loads the Vladimir region into the database (empty, or
/// wiped with `replace`) and returns the demo users; the caller serves it.
pub async fn load_demo(
    settings: &mut Settings,
    seed: u64,
    pupils: usize,
    replace: bool,
) -> anyhow::Result<(synth::Loaded, Vec<crate::demo::DemoUser>)> {
    if settings.auth.admin_email.is_none() && settings.auth.admin_password.is_none() {
        settings.auth.admin_email = Some(DEMO_ADMIN.0.into());
        settings.auth.admin_password = Some(DEMO_ADMIN.1.into());
    }
    let ctx = open(settings).await?;
    let started = std::time::Instant::now();
    let loaded = on_connection(&ctx, move |conn| {
        if maintenance::has_data(conn)? {
            if !replace {
                bail!("the database already has data; run `kadry demo --replace` to wipe it and load the demo");
            }
            maintenance::wipe(conn)?;
        }
        let scale = Scale::with_pupils(seed, pupils);
        let catalogue = crate::demo::vladimir();
        let mut progress = Progress::default();
        let loaded = synth::load(conn, &scale, &catalogue, |stage, done, total| progress.update(stage, done, total))?;
        let users = crate::demo::create_users(conn, &loaded)?;
        Ok((loaded, users))
    })
    .await?;
    crate::startup::bootstrap_admin(settings, &ctx).await?;
    eprintln!(
        "kadry: loaded the Vladimir demo region in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(loaded)
}

/// `kadry import pupils`: a school's roster CSV, all rows or none.
pub async fn import_pupils(
    settings: &Settings,
    school_id: i64,
    file: &std::path::Path,
) -> anyhow::Result<String> {
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let ctx = open(settings).await?;
    match app::pupils::import_roster(&ctx, &AuthUser::command_line(), school_id, csv).await {
        Ok(summary) => Ok(format!(
            "kadry: imported {}: {} pupils created, {} updated\n",
            file.display(),
            summary.created,
            summary.updated
        )),
        Err(AppError::Invalid(errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| match e.line {
                    Some(line) => format!("  line {line}: {}: {}", e.field, e.message),
                    None => format!("  {}: {}", e.field, e.message),
                })
                .collect();
            bail!(
                "{} has {} problems; nothing was imported:\n{}",
                file.display(),
                errors.len(),
                lines.join("\n")
            )
        }
        Err(AppError::NotFound(_)) => bail!("--school {school_id} is not a school"),
        Err(other) => Err(failure(other)),
    }
}

/// `kadry user create`: a user with a password, as `POST /api/v1/users` makes one.
pub async fn create_user(
    settings: &Settings,
    email: &str,
    role: crate::domain::Role,
    organization_id: Option<i64>,
    password: &str,
) -> anyhow::Result<String> {
    let ctx = open(settings).await?;
    let body = NewUserBody {
        email: email.to_string(),
        role,
        organization_id,
        password: Some(password.to_string()),
    };
    let user = app::users::create_user(&ctx, &AuthUser::command_line(), body)
        .await
        .map_err(|error| match error {
            AppError::Invalid(mut errors) => {
                for e in &mut errors {
                    if e.field == "organization_id" {
                        e.field = "organization".into();
                    }
                }
                failure(AppError::Invalid(errors))
            }
            other => failure(other),
        })?;
    Ok(format!("kadry: created user {}\n", user.id))
}

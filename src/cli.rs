//! What the `kadry` subcommands other than `serve` do: each opens the database itself, no server needed.

use std::io::{IsTerminal, Write};

use anyhow::{Context, bail};

use crate::config::Settings;
use crate::db::{self, DatabaseUrl, DbPool};
use crate::forecast::model::round2;
use crate::routes::forecast::{ForecastResponse, rows_as_csv};
use crate::startup::prepare_database;
use crate::synth::{self, Catalogue, Scale, Stage};

/// Migrates and opens the configured database.
pub async fn open(settings: &Settings) -> anyhow::Result<DbPool> {
    let url = DatabaseUrl::parse(&settings.database.url)?;
    prepare_database(settings, &url).await
}

/// Runs database work on the blocking pool and flattens the errors.
pub async fn with_connection<T: Send + 'static>(
    pool: &DbPool,
    work: impl FnOnce(&mut db::DbConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().context("connecting to the database")?;
        work(&mut conn)
    })
    .await?
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
    if to < from || to - from > crate::routes::forecast::MAX_SPAN {
        bail!("--to must be from --from to 30 years after it");
    }
    let pool = open(settings).await?;
    let (inputs, parameters) = with_connection(&pool, |conn| {
        Ok((
            db::forecast::load_inputs(conn)?,
            db::forecast::parameters(conn)?,
        ))
    })
    .await?;
    let profession_id = match &profession {
        Some(code) => Some(
            inputs
                .professions
                .iter()
                .find(|(_, p)| &p.code == code)
                .map(|(id, _)| *id)
                .with_context(|| format!("no profession has the code {code}"))?,
        ),
        None => None,
    };
    let result = crate::forecast::run(&inputs, &parameters, from, to);
    let response = ForecastResponse {
        from,
        to,
        parameters,
        rows: result
            .rows
            .into_iter()
            .filter(|row| profession_id.is_none_or(|id| row.profession_id == id))
            .collect(),
        unplaced: result.unplaced,
    };
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
    let pool = open(settings).await?;
    with_connection(&pool, move |conn| {
        if has_data(conn)? {
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

/// Whether the database holds any catalogue or pupil data (users do not count).
pub fn has_data(conn: &mut db::DbConnection) -> anyhow::Result<bool> {
    use diesel::prelude::*;

    use crate::db::schema::{clusters, organizations, pupils};
    let any_cluster: bool =
        diesel::select(diesel::dsl::exists(clusters::table.select(clusters::id)))
            .get_result(conn)?;
    let any_organization: bool = diesel::select(diesel::dsl::exists(
        organizations::table.select(organizations::id),
    ))
    .get_result(conn)?;
    let any_pupil: bool =
        diesel::select(diesel::dsl::exists(pupils::table.select(pupils::id))).get_result(conn)?;
    Ok(any_cluster || any_organization || any_pupil)
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
    let pool = open(settings).await?;
    let started = std::time::Instant::now();
    let loaded = with_connection(&pool, move |conn| {
        if has_data(conn)? {
            if !replace {
                bail!("the database already has data; run `kadry demo --replace` to wipe it and load the demo");
            }
            crate::demo::wipe(conn)?;
        }
        let scale = Scale::with_pupils(seed, pupils);
        let catalogue = crate::demo::vladimir();
        let mut progress = Progress::default();
        let loaded = synth::load(conn, &scale, &catalogue, |stage, done, total| progress.update(stage, done, total))?;
        let users = crate::demo::create_users(conn, &loaded)?;
        Ok((loaded, users))
    })
    .await?;
    crate::startup::bootstrap_admin(settings, &pool).await?;
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
    let pool = open(settings).await?;
    let outcome = with_connection(&pool, move |conn| {
        crate::routes::pupils::check_school(conn, school_id)
            .map_err(|_| anyhow::anyhow!("organization {school_id} is not a school"))?;
        Ok(crate::roster::import(conn, school_id, &csv))
    })
    .await?;
    match outcome {
        Ok(summary) => Ok(format!(
            "kadry: imported {}: {} pupils created, {} updated\n",
            file.display(),
            summary.created,
            summary.updated
        )),
        Err(crate::error::ApiError::Invalid(errors)) => {
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
        Err(other) => Err(anyhow::anyhow!("{other}")),
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
    use crate::domain::{EmailAddress, Password};
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let organization_id = crate::routes::users::organization_for(role, organization_id)
        .map_err(|e| anyhow::anyhow!("--organization {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("--password {e}"))?;
    let hash = crate::auth::password::hash_blocking(password).await?;
    let pool = open(settings).await?;
    let id = with_connection(&pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            if let Some(organization_id) = organization_id {
                crate::routes::users::check_organization_kind(conn, role, organization_id)
                    .map_err(|_| anyhow::anyhow!("--organization {organization_id} is not an organization a {} user can belong to", role.as_str()))?;
            }
            if crate::db::users::find_by_email(conn, email.as_str())?.is_some() {
                bail!("a user with the email {email} already exists");
            }
            let user = crate::db::users::insert(
                conn,
                &crate::db::users::NewUser {
                    email: email.as_str(),
                    password_hash: Some(&hash),
                    role: role.as_str(),
                    organization_id,
                },
            )?;
            Ok(user.id)
        })
    })
    .await?;
    Ok(format!("kadry: created user {id}\n"))
}

//! What the `kadry` subcommands other than `serve` do: each opens the database
//! itself and goes through the application layer, as the API does.

use std::io::{IsTerminal, Write};

use anyhow::{Context as _, bail};

mod backup;
mod base;
mod evidence;

pub use backup::backup;
use base::failure;
pub use base::{Format, open, open_existing};
pub use evidence::{CalibrateArgs, backtest, calibrate};

use crate::app;
use crate::app::demo::DemoOutcome;
use crate::app::forecast::{ForecastResponse, Span};
use crate::app::region::{Loaded, Scale, Stage};
use crate::app::users::NewUserBody;
use crate::auth::AuthUser;
use crate::config::Settings;
use crate::domain::count_en;
use crate::error::AppError;
use crate::forecast::export::rows_as_csv;
use crate::forecast::model::two_decimals_text;

/// `--as-of`, `--from`, `--to` as given; the defaults are the API's.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForecastWindow {
    pub as_of: Option<i32>,
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// `kadry forecast`: the same table as `GET /api/v1/forecast`, printed.
pub async fn forecast(
    settings: &Settings,
    window: ForecastWindow,
    profession: Option<String>,
    format: Format,
) -> anyhow::Result<String> {
    let as_of = app::forecast::as_of(window.as_of).map_err(failure)?;
    let span = Span::parse(as_of, window.from, window.to).map_err(failure)?;
    let ctx = open_existing(settings).await?;
    let response = app::forecast::stored_forecast_by_code(
        &ctx,
        &AuthUser::command_line(),
        as_of,
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

/// The forecast as a table for a terminal: titles, two decimals, and
/// incomplete rows marked with `*` (the pupils behind them are not all known).
fn table(response: &ForecastResponse) -> String {
    let title_width = response
        .rows
        .iter()
        .map(|row| row.profession_title.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(10, 40);
    let mut out = format!(
        "as of academic year {}; complete until {}\n",
        response.as_of,
        response
            .complete_until
            .map_or("(not even the first year)".to_string(), |y| y.to_string())
    );
    out.push_str(&format!(
        "{:<10} {:<title_width$} {:>5} {:>10} {:>10} {:>10} {:>9} {:>21}\n",
        "code", "profession", "year", "demand", "supply", "gap", "coverage", "supply low..high"
    ));
    for row in &response.rows {
        let coverage = row.coverage.map_or_else(|| "-".into(), two_decimals_text);
        let title: String = row.profession_title.chars().take(title_width).collect();
        let range = format!(
            "{}..{}",
            two_decimals_text(row.supply_low),
            two_decimals_text(row.supply_high)
        );
        out.push_str(&format!(
            "{:<10} {:<title_width$} {:>5} {:>10} {:>10} {:>10} {:>9} {:>21}{}\n",
            row.profession_code,
            title,
            row.year,
            two_decimals_text(row.demand),
            two_decimals_text(row.supply),
            two_decimals_text(row.gap),
            coverage,
            range,
            if row.complete { "" } else { " *" }
        ));
    }
    if response.rows.is_empty() {
        out.push_str("(no profession is trained or demanded)\n");
    }
    if response.rows.iter().any(|row| !row.complete) {
        out.push_str(
            "* incomplete: some pupils who could graduate into it are not known to kadry yet\n",
        );
    }
    for unplaced in &response.unplaced {
        out.push_str(&format!(
            "unplaced: {} leavers after grade {} without a regional place: {}\n",
            unplaced.year,
            unplaced.entry_grade,
            two_decimals_text(unplaced.pupils)
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
            Stage::Guidance => "guidance",
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
pub async fn generate(settings: &Settings, pupils: usize, seed: u64) -> anyhow::Result<Loaded> {
    let ctx = open(settings).await?;
    let mut progress = Progress::default();
    let scale = Scale::with_pupils(seed, pupils);
    app::demo::generate(&ctx, scale, move |stage, done, total| {
        progress.update(stage, done, total)
    })
    .await
    .map_err(failure)
}

/// Demo sign-ins when KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD are not set.
pub const DEMO_ADMIN: (&str, &str) = ("admin@kadry.demo", "demo-admin-pass");

/// `kadry demo`: loads the Vladimir region into the database (empty, or
/// wiped with `replace`) and returns the demo users; the caller serves it.
/// A database that already holds the demo is kept as it is; one with other
/// data is refused.
pub async fn load_demo(
    settings: &mut Settings,
    seed: u64,
    pupils: usize,
    replace: bool,
) -> anyhow::Result<DemoOutcome> {
    if settings.auth.admin_email.is_none() && settings.auth.admin_password.is_none() {
        settings.auth.admin_email = Some(DEMO_ADMIN.0.into());
        settings.auth.admin_password = Some(DEMO_ADMIN.1.into());
    }
    let ctx = open(settings).await?;
    let started = std::time::Instant::now();
    let mut progress = Progress::default();
    let outcome = app::demo::load(
        &ctx,
        Scale::with_pupils(seed, pupils),
        replace,
        move |stage, done, total| progress.update(stage, done, total),
    )
    .await
    .map_err(failure)?;
    app::users::bootstrap_admin(
        &ctx,
        settings.auth.admin_email.as_deref(),
        settings.auth.admin_password.as_deref(),
    )
    .await?;
    match &outcome.loaded {
        Some(loaded) => eprintln!(
            "kadry: loaded the Vladimir demo region in {:.1} s: {} pupils, {} programs, {} demand records, {} career-guidance events; {} shortages known now, recorded as told",
            started.elapsed().as_secs_f64(),
            loaded.pupils,
            loaded.programs,
            loaded.demand_records,
            loaded.events,
            outcome.shortages_known
        ),
        None => eprintln!(
            "kadry: the database already holds the Vladimir demo; serving it as it is (`kadry demo --replace` loads it afresh)"
        ),
    }
    if !outcome.calibrated.is_empty() {
        eprintln!(
            "kadry: calibrated {} from the demo's records (`kadry calibrate` shows the table)",
            outcome.calibrated.join(", ")
        );
    }
    if let Some((id, title)) = &outcome.published {
        eprintln!("kadry: published «{title}» (/forecast/published/{id}) to compare with today's");
    }
    Ok(outcome)
}

/// `kadry import pupils`: a school's roster CSV, all rows or none.
pub async fn import_pupils(
    settings: &Settings,
    school_id: i64,
    file: &std::path::Path,
) -> anyhow::Result<String> {
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let ctx = open_existing(settings).await?;
    match app::pupils::import_roster(&ctx, &AuthUser::command_line(), school_id, csv).await {
        Ok(summary) => Ok(format!(
            "kadry: imported {}: {} created, {} updated\n",
            file.display(),
            count_en(summary.created, "pupil", "pupils"),
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
                "{} has {}; nothing was imported:\n{}",
                file.display(),
                count_en(errors.len(), "problem", "problems"),
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
    let user = app::users::create_user(&ctx, &AuthUser::command_line(), body, None)
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

/// `kadry import younger-pupils`: a school's counts of grades 1 to 4
/// (`academic_year,grade,pupils`), every year in the file replaced, all or nothing.
pub async fn import_younger(
    settings: &Settings,
    school_id: i64,
    file: &std::path::Path,
) -> anyhow::Result<String> {
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let ctx = open_existing(settings).await?;
    match app::grade_counts::import_younger(&ctx, &AuthUser::command_line(), school_id, &csv).await
    {
        Ok(years) => Ok(format!(
            "kadry: imported {}: counts of {} for school {school_id}\n",
            file.display(),
            years
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(AppError::Invalid(errors)) => bail!(
            "{}: nothing was imported: {}",
            file.display(),
            AppError::Invalid(errors).describe()
        ),
        Err(AppError::NotFound(_)) => bail!("--school {school_id} is not a school"),
        Err(other) => Err(failure(other)),
    }
}

/// The region-wide records `kadry import` takes from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    GradeCounts,
    Graduations,
    Destinations,
}

/// `kadry import grade-counts|graduations|destinations FILE`: all rows or
/// none, every bad row named with its line.
pub async fn import_records(
    settings: &Settings,
    what: Records,
    file: &std::path::Path,
) -> anyhow::Result<String> {
    let csv = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let ctx = open_existing(settings).await?;
    let user = AuthUser::command_line();
    let stored = match what {
        Records::GradeCounts => app::grade_counts::import_region(&ctx, &user, &csv)
            .await
            .map(|done| {
                format!(
                    "{} counts for {} school years",
                    done.counts, done.school_years
                )
            }),
        Records::Graduations => app::outcomes::import_graduations(&ctx, &user, &csv)
            .await
            .map(|done| format!("{} graduation records", done.stored)),
        Records::Destinations => app::outcomes::import_destinations(&ctx, &user, &csv)
            .await
            .map(|done| format!("{} destination records", done.stored)),
    };
    match stored {
        Ok(stored) => Ok(format!("kadry: imported {}: {stored}\n", file.display())),
        Err(AppError::Invalid(errors)) => bail!(
            "{}: nothing was imported: {}",
            file.display(),
            AppError::Invalid(errors).describe()
        ),
        Err(other) => Err(failure(other)),
    }
}

/// `kadry plan seats` as given.
#[derive(Debug, Clone)]
pub struct PlanArgs {
    pub year: i32,
    pub budget: i32,
    pub step: i32,
    pub window: ForecastWindow,
    pub programs: Vec<i64>,
    pub limits: Vec<(i64, i32)>,
}

/// `--max ID=SEATS`.
pub fn parse_limit(raw: &str) -> Result<(i64, i32), String> {
    let (id, seats) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?} is not ID=SEATS"))?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| format!("{id:?} is not a program id"))?;
    let seats = seats
        .trim()
        .parse()
        .map_err(|_| format!("{seats:?} is not a number of seats"))?;
    Ok((id, seats))
}

/// `kadry plan seats`: the seat planner on the stored data, as `POST /api/v1/plans/seats`.
pub async fn plan_seats(
    settings: &Settings,
    args: PlanArgs,
    format: Format,
) -> anyhow::Result<String> {
    let as_of = app::forecast::as_of(args.window.as_of).map_err(failure)?;
    let span = Span::parse(as_of, args.window.from, args.window.to).map_err(failure)?;
    let body = app::planning::SeatPlanBody {
        as_of: Some(as_of),
        year: args.year,
        from: span.from,
        to: span.to,
        budget: args.budget,
        step: Some(args.step),
        parameters: None,
        intakes: Vec::new(),
        program_ids: (!args.programs.is_empty()).then_some(args.programs),
        limits: args
            .limits
            .into_iter()
            .map(|(program_id, max_seats)| app::planning::SeatLimit {
                program_id,
                max_seats,
            })
            .collect(),
    };
    let ctx = open_existing(settings).await?;
    let plan = app::planning::plan_seats(&ctx, &AuthUser::command_line(), body)
        .await
        .map_err(|error| match error {
            AppError::Invalid(mut errors) => {
                for e in &mut errors {
                    e.field = e
                        .field
                        .replace("program_ids", "program")
                        .replace("limits", "max");
                }
                failure(AppError::Invalid(errors))
            }
            other => failure(other),
        })?;
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&plan)? + "\n",
        Format::Csv => rows_as_csv(&plan.rows),
        Format::Table => plan_table(&plan),
    })
}

fn plan_table(plan: &app::planning::SeatPlanResponse) -> String {
    let mut out = format!(
        "seats for the intake of {}: {} of {} given in steps of {} (as of academic year {})\n",
        plan.year, plan.allocated, plan.budget, plan.step, plan.as_of
    );
    out.push_str(&format!(
        "unmet demand {}..{}: {} before, {} after (person-years)\n",
        plan.from,
        plan.to,
        two_decimals_text(plan.objective_before),
        two_decimals_text(plan.objective_after)
    ));
    if plan.programs.is_empty() {
        out.push_str("no step of seats cuts the unmet demand\n");
        return out;
    }
    out.push_str(&format!(
        "{:>8} {:>8} {:>8}  {}\n",
        "program", "before", "after", "title (institution)"
    ));
    for program in &plan.programs {
        out.push_str(&format!(
            "{:>8} {:>8} {:>8}  {} ({})\n",
            program.program_id,
            program.seats_before,
            program.seats_after,
            program.title,
            program.institution_name
        ));
    }
    out.push_str("steps (program: seats -> unmet demand):\n");
    for step in &plan.steps {
        out.push_str(&format!(
            "  {}: {} -> {}\n",
            step.program_id,
            step.seats,
            two_decimals_text(step.objective)
        ));
    }
    out
}

/// `kadry prune`: deletes pupils' records past the retention and old sent messages, once.
pub async fn prune(settings: &Settings) -> anyhow::Result<String> {
    let ctx = open_existing(settings).await?;
    let now = chrono::Utc::now().naive_utc();
    let pruned = app::retention::prune(&ctx, now).await.map_err(failure)?;
    Ok(format!(
        "kadry: deleted {} of pupils who left school before {} and {} sent more than {} ago\n",
        count_en(pruned.pupils, "record", "records"),
        app::retention::kept_from(now, settings.retention.keep_pupil_years),
        count_en(pruned.sent_messages, "message", "messages"),
        count_en(settings.email.keep_sent_days.max(0) as usize, "day", "days"),
    ))
}

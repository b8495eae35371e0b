//! The `kadry` command: serve the API, run the migrations, print the forecast, generate data.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kadry::cli::{self, Format};
use kadry::config::Settings;
use kadry::domain::Role;
use kadry::startup::Application;

/// kadry: career guidance and workforce planning for a region.
///
/// Settings come from config/default.toml (built in), a file named by
/// KADRY_CONFIG, and KADRY_* environment variables (see README.md); every
/// command works on the database of KADRY_DATABASE_URL.
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
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the API's OpenAPI 3.1 document (as `GET /api/v1/openapi.json`).
    Openapi,
    /// Delete what is kept no longer: pupils' records past the retention
    /// (KADRY_KEEP_PUPIL_YEARS after leaving school) and sent messages older
    /// than KADRY_EMAIL_KEEP_SENT_DAYS. `kadry serve` does this every hour.
    Prune,
    /// Copy the database while kadry serves: on SQLite a consistent copy
    /// (`VACUUM INTO`) that `kadry serve` serves as it is, with the generated
    /// signing secret beside it; on PostgreSQL `pg_dump` (run when it is on the PATH).
    Backup {
        /// The copy; must not exist yet.
        file: std::path::PathBuf,
    },
    /// Print the staffing-gap forecast from the database, without the server.
    Forecast {
        /// The academic year in progress to start from (default: the clock's).
        #[arg(long)]
        as_of: Option<i32>,
        /// First calendar year shown (default: --as-of + 1).
        #[arg(long)]
        from: Option<i32>,
        /// Last calendar year shown, at most 30 after --from (default: --from + 10).
        #[arg(long)]
        to: Option<i32>,
        /// Only the rows of the profession with this code.
        #[arg(long)]
        profession: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Load the Vladimir region demo (real clusters, colleges, enterprises and
    /// specialty codes; generated pupils, seats and demand) into an empty
    /// database, print demo users for every role, and serve it.
    Demo {
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 33)]
        seed: u64,
        /// Pupils in grades 5-11 (the region has about 85,000).
        #[arg(long, default_value_t = 85_000)]
        pupils: usize,
        /// Wipe a database that already has data, then load the demo.
        #[arg(long)]
        replace: bool,
        /// Load the demo and exit without serving it.
        #[arg(long)]
        no_serve: bool,
    },
    /// Import data from files.
    #[command(subcommand)]
    Import(Import),
    /// Plan with the forecast.
    #[command(subcommand)]
    Plan(Plan),
    /// Manage user accounts.
    #[command(subcommand)]
    User(User),
    /// Estimate the parameters from the region's records (step 10 of
    /// docs/forecast.md) and print the table; --apply stores them.
    Calibrate {
        /// The academic year the records run up to (default: the clock's).
        #[arg(long)]
        as_of: Option<i32>,
        /// Years of records, 1 to 15 (default 5).
        #[arg(long)]
        window: Option<i32>,
        /// Store the estimates of the parameters with at least 3 valid years.
        #[arg(long)]
        apply: bool,
        /// With --apply: also set each program's proposed completion rate.
        #[arg(long)]
        programs: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Forecast again from what was known at past origins and score it
    /// against what happened, beside the naive forecast (step 11).
    Backtest {
        /// The academic year the records run up to (default: the clock's).
        #[arg(long)]
        as_of: Option<i32>,
        /// The first origin (default: --as-of - 5).
        #[arg(long)]
        first_origin: Option<i32>,
        /// The last origin (default: --as-of - 1).
        #[arg(long)]
        last_origin: Option<i32>,
        /// Years of records each origin's calibration uses (default 5).
        #[arg(long)]
        window: Option<i32>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Fill an empty database with a deterministic synthetic region (numbered
    /// names) of the given size, for trying kadry and its benchmarks at scale.
    Generate {
        /// Pupils in grades 5-11; schools, programs and demand scale with them.
        #[arg(long, default_value_t = 85_000)]
        pupils: usize,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum Import {
    /// A school's roster CSV (header external_ref,grade,academic_year,consent,display_name,interests):
    /// all rows or none; rows whose external_ref the school has update that pupil.
    Pupils {
        /// The school's organization id.
        #[arg(long)]
        school: i64,
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// A school's counts of pupils in grades 1 to 4 (header academic_year,grade,pupils):
    /// each academic year in the file replaces that year's counts; all rows or none.
    YoungerPupils {
        /// The school's organization id.
        #[arg(long)]
        school: i64,
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// The region's school counts (header school_id,academic_year,grade,pupils,
    /// grades 1 to 11): each (school, academic year) named is replaced whole; all rows or none.
    GradeCounts {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Programs' graduations (header program_id,year,graduates,targeted_graduates): all rows or none.
    Graduations {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// Programs' graduates' destinations (header program_id,year,employed_in_profession,
    /// employed_in_profession_targeted,employed_other,continued_study,military_service,
    /// left_region,unknown): all rows or none.
    Destinations {
        /// The CSV file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum Plan {
    /// Where more first-year seats for one intake year cut the coming
    /// shortage most (the unmet demand over --from..--to). Nothing is stored.
    Seats {
        /// The intake year the seats are for (after --as-of).
        #[arg(long)]
        year: i32,
        /// Seats to give.
        #[arg(long)]
        budget: i32,
        /// Seats given at a time.
        #[arg(long, default_value_t = 5)]
        step: i32,
        /// The academic year in progress to start from (default: the clock's).
        #[arg(long)]
        as_of: Option<i32>,
        /// First year whose unmet demand counts (default: --as-of + 1).
        #[arg(long)]
        from: Option<i32>,
        /// Last year whose unmet demand counts (default: --from + 10).
        #[arg(long)]
        to: Option<i32>,
        /// A candidate program id (repeat for several; default every program).
        #[arg(long = "program")]
        programs: Vec<i64>,
        /// A cap on a program's total seats in the year, as ID=SEATS (repeatable).
        #[arg(long = "max", value_parser = cli::parse_limit)]
        limits: Vec<(i64, i32)>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum User {
    /// Create a user who signs in with a password.
    Create {
        #[arg(long)]
        email: String,
        /// admin, analyst, school, college or enterprise.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The user's organization (school, college or university, enterprise);
        /// not for admins and analysts.
        #[arg(long)]
        organization: Option<i64>,
        /// 10 to 128 characters.
        #[arg(long, env = "KADRY_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw)
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
            Command::Openapi => {
                use utoipa::OpenApi;
                println!("{}", kadry::routes::ApiDoc::openapi().to_pretty_json()?);
                Ok(())
            }
            Command::Prune => {
                print!("{}", cli::prune(&settings).await?);
                Ok(())
            }
            Command::Backup { file } => {
                print!("{}", cli::backup(&settings, &file).await?);
                Ok(())
            }
            Command::Forecast {
                as_of,
                from,
                to,
                profession,
                format,
            } => {
                let window = cli::ForecastWindow { as_of, from, to };
                print!("{}", cli::forecast(&settings, window, profession, format).await?);
                Ok(())
            }
            Command::Calibrate {
                as_of,
                window,
                apply,
                programs,
                format,
            } => {
                let args = cli::CalibrateArgs {
                    as_of,
                    window,
                    apply,
                    programs,
                };
                print!("{}", cli::calibrate(&settings, args, format).await?);
                Ok(())
            }
            Command::Backtest {
                as_of,
                first_origin,
                last_origin,
                window,
                format,
            } => {
                let asked = kadry::app::forecast::BacktestAsked {
                    as_of,
                    first_origin,
                    last_origin,
                    window,
                };
                print!("{}", cli::backtest(&settings, asked, format).await?);
                Ok(())
            }
            Command::Demo {
                seed,
                pupils,
                replace,
                no_serve,
            } => demo(settings, seed, pupils, replace, no_serve).await,
            Command::Import(Import::Pupils { school, file }) => {
                print!("{}", cli::import_pupils(&settings, school, &file).await?);
                Ok(())
            }
            Command::Import(Import::YoungerPupils { school, file }) => {
                print!("{}", cli::import_younger(&settings, school, &file).await?);
                Ok(())
            }
            Command::Import(Import::GradeCounts { file }) => {
                print!("{}", cli::import_records(&settings, cli::Records::GradeCounts, &file).await?);
                Ok(())
            }
            Command::Import(Import::Graduations { file }) => {
                print!("{}", cli::import_records(&settings, cli::Records::Graduations, &file).await?);
                Ok(())
            }
            Command::Import(Import::Destinations { file }) => {
                print!("{}", cli::import_records(&settings, cli::Records::Destinations, &file).await?);
                Ok(())
            }
            Command::Plan(Plan::Seats {
                year,
                budget,
                step,
                as_of,
                from,
                to,
                programs,
                limits,
                format,
            }) => {
                let request = cli::PlanArgs {
                    year,
                    budget,
                    step,
                    window: cli::ForecastWindow { as_of, from, to },
                    programs,
                    limits,
                };
                print!("{}", cli::plan_seats(&settings, request, format).await?);
                Ok(())
            }
            Command::User(User::Create {
                email,
                role,
                organization,
                password,
            }) => {
                print!("{}", cli::create_user(&settings, &email, role, organization, &password).await?);
                Ok(())
            }
            Command::Generate { pupils, seed } => {
                let loaded = cli::generate(&settings, pupils, seed).await?;
                println!(
                    "kadry: generated {} pupils in {} schools, {} programs in {} institutions, {} enterprises, {} demand records",
                    loaded.pupils,
                    loaded.schools.len(),
                    loaded.programs,
                    loaded.institutions.len(),
                    loaded.enterprises.len(),
                    loaded.demand_records
                );
                Ok(())
            }
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

async fn demo(
    mut settings: Settings,
    seed: u64,
    pupils: usize,
    replace: bool,
    no_serve: bool,
) -> anyhow::Result<()> {
    let outcome = cli::load_demo(&mut settings, seed, pupils, replace).await?;
    let users = outcome.users;
    let application = if no_serve {
        None
    } else {
        Some(Application::build(settings.clone()).await?)
    };
    let address = match &application {
        Some(application) => {
            let host = settings
                .server
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(host, _)| host);
            format!("http://{host}:{}", application.port())
        }
        None => format!("http://{}", settings.server.bind),
    };
    println!();
    if let Some(loaded) = &outcome.loaded {
        println!(
            "The Vladimir region demo: {} pupils in {} schools, {} programs in {} colleges and universities, {} employers, {} demand records, {} career-guidance events.",
            loaded.pupils,
            loaded.schools.len(),
            loaded.programs,
            loaded.institutions.len(),
            loaded.enterprises.len(),
            loaded.demand_records,
            loaded.events
        );
    } else {
        println!("The Vladimir region demo, as it was.");
    }
    println!();
    println!("Sign in as (role, email, password):");
    let admin_email = settings.auth.admin_email.clone().unwrap_or_default();
    let admin_password = if admin_email == cli::DEMO_ADMIN.0 {
        cli::DEMO_ADMIN.1
    } else {
        "(KADRY_ADMIN_PASSWORD)"
    };
    println!("  {:<11} {:<24} {}", "admin", admin_email, admin_password);
    for user in &users {
        println!(
            "  {:<11} {:<24} {:<22} {}",
            user.role.as_str(),
            user.email,
            user.password,
            user.organization.as_deref().unwrap_or("")
        );
    }
    println!();
    println!("In a browser: {address}/ (sign in with any of the users above).");
    println!("API: {address}/api/v1 (reference: {address}/api/docs/). Try:");
    println!(
        "  TOKEN=$(curl -s {address}/api/v1/auth/login -H 'content-type: application/json' -d '{{\"email\":\"analyst@kadry.demo\",\"password\":\"demo-analyst-pass\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')"
    );
    println!("  curl -s '{address}/api/v1/forecast' -H \"authorization: Bearer $TOKEN\"");
    if let Some(application) = application {
        println!();
        println!("Serving; stop with Ctrl-C.");
        application.run_until_stopped().await?;
    }
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    kadry::db::prepare(&settings.database).await?;
    println!(
        "kadry: the {} database is up to date",
        settings.database.url.backend_name()
    );
    Ok(())
}

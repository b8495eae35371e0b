//! The demo: the Vladimir region loaded into an empty database (or one
//! that is wiped first), with a user of every role, for a newcomer to try
//! kadry on; and the numbered region `kadry generate` makes for benchmarks.
//! Both are application use cases the command line calls.

use super::region::{self, Catalogue, Loaded, Scale, Stage};
use super::{Context, forecast, notifications};
use crate::auth::AuthUser;
use crate::db::{DbConnection, maintenance, organizations, users};
use crate::domain::{Password, Role};
use crate::error::{AppError, AppResult};

/// What `load` found or made.
pub struct DemoOutcome {
    /// What was loaded; `None` when the database already held the demo.
    pub loaded: Option<Loaded>,
    pub users: Vec<DemoUser>,
    /// Shortages present at load, recorded as already told (no burst of email).
    pub shortages_known: usize,
    /// The parameters calibration set from the demo's history, by name.
    pub calibrated: Vec<String>,
    /// The forecast of the year before, published, as (id, title).
    pub published: Option<(i64, String)>,
}

/// Loads the Vladimir region into the database (empty, or wiped with
/// `replace`) and returns the demo users. A database that already holds
/// the demo is kept as it is; one with other data is refused.
/// `progress(stage, done, total)` is called as it goes.
pub async fn load(
    ctx: &Context,
    scale: Scale,
    replace: bool,
    progress: impl FnMut(Stage, usize, usize) + Send + 'static,
) -> AppResult<DemoOutcome> {
    let as_of = scale.academic_year;
    let (loaded, users) = bulk(ctx, move |conn| {
        let mut progress = progress;
        if maintenance::has_data(conn)? {
            if replace {
                maintenance::wipe(conn)?;
            } else if is_demo(conn)? {
                return Ok((None, users(conn)?));
            } else {
                anyhow::bail!(
                    "the database already has data that is not the demo: serve it with `kadry serve`, \
                     or wipe it and load the demo with `kadry demo --replace`"
                );
            }
        }
        let catalogue = region::vladimir::catalogue()?;
        let loaded = region::load(conn, &scale, &catalogue, &mut progress)?;
        let users = create_users(conn, &loaded)?;
        Ok((Some(loaded), users))
    })
    .await?;
    let (calibrated, published) = match &loaded {
        Some(_) => calibrate_and_publish(ctx, as_of).await?,
        None => (Vec::new(), None),
    };
    let shortages_known = match &loaded {
        Some(_) => notifications::acknowledge_shortages(ctx).await?,
        None => 0,
    };
    Ok(DemoOutcome {
        loaded,
        users,
        shortages_known,
        calibrated,
        published,
    })
}

/// The demo's history put to work: calibration as of `as_of` applied (its
/// audit line says so), and the forecast of the year before published, so
/// that a newcomer sees where each rate came from and a forecast to compare.
async fn calibrate_and_publish(
    ctx: &Context,
    as_of: i32,
) -> AppResult<(Vec<String>, Option<(i64, String)>)> {
    let admin = AuthUser::command_line();
    let applied = forecast::apply_calibration(
        ctx,
        &admin,
        forecast::ApplyBody {
            as_of: Some(as_of),
            ..forecast::ApplyBody::default()
        },
    )
    .await?;
    let last_year = as_of - 1;
    let title = format!("Прогноз {last_year}/{as_of} учебного года");
    let published = forecast::publish(
        ctx,
        &admin,
        forecast::PublishBody {
            title: title.clone(),
            from: None,
            to: None,
            as_of: Some(last_year),
        },
        None,
    )
    .await?;
    Ok((applied.parameters, Some((published.id, title))))
}

/// Fills an empty database with a numbered region of this scale.
pub async fn generate(
    ctx: &Context,
    scale: Scale,
    progress: impl FnMut(Stage, usize, usize) + Send + 'static,
) -> AppResult<Loaded> {
    bulk(ctx, move |conn| {
        let mut progress = progress;
        if maintenance::has_data(conn)? {
            anyhow::bail!("the database already has data; generate into an empty one");
        }
        let catalogue = Catalogue::numbered(&scale);
        region::load(conn, &scale, &catalogue, &mut progress)
    })
    .await
}

/// Bulk work (loading a region) on one pooled connection, off the async executor.
async fn bulk<T: Send + 'static>(
    ctx: &Context,
    work: impl FnOnce(&mut DbConnection) -> anyhow::Result<T> + Send + 'static,
) -> AppResult<T> {
    ctx.run(|conn| work(conn).map_err(AppError::Internal)).await
}

/// A demo user and the password to sign in with.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub organization: Option<String>,
}

/// The demo's users other than the admin: role, email, password.
const DEMO_USERS: [(Role, &str, &str); 4] = [
    (Role::Analyst, "analyst@kadry.demo", "demo-analyst-pass"),
    (Role::School, "school@kadry.demo", "demo-school-pass"),
    (Role::College, "college@kadry.demo", "demo-college-pass"),
    (
        Role::Enterprise,
        "enterprise@kadry.demo",
        "demo-enterprise-pass",
    ),
];

/// Whether the database holds the demo: its analyst signs in there.
pub fn is_demo(conn: &mut DbConnection) -> anyhow::Result<bool> {
    Ok(users::find_by_email(conn, DEMO_USERS[0].1)?.is_some())
}

/// The demo's users as the database has them, with their passwords.
pub fn users(conn: &mut DbConnection) -> anyhow::Result<Vec<DemoUser>> {
    let mut found = Vec::new();
    for (role, email, password) in DEMO_USERS {
        let Some(user) = users::find_by_email(conn, email)? else {
            continue;
        };
        let organization = user
            .organization_id
            .map(|id| organizations::name_and_email(conn, id).map(|(name, _)| name))
            .transpose()?;
        found.push(DemoUser {
            role,
            email: email.into(),
            password: password.into(),
            organization,
        });
    }
    Ok(found)
}

/// One user of each role but admin, in the first school, the Gusev Glass
/// College and «Красное Эхо»; the admin comes from the bootstrap settings.
pub fn create_users(conn: &mut DbConnection, loaded: &Loaded) -> anyhow::Result<Vec<DemoUser>> {
    let organizations = [
        None,
        loaded.schools.first().copied(),
        loaded.institutions.first().copied(),
        loaded.enterprises.first().copied(),
    ];
    let wanted = DEMO_USERS
        .iter()
        .zip(organizations)
        .map(|((role, email, password), organization)| (*role, *email, *password, organization));
    let mut users = Vec::new();
    for (role, email, password, organization_id) in wanted {
        let hash =
            crate::auth::password::hash(&Password::parse(password).map_err(anyhow::Error::msg)?)?;
        users::insert(
            conn,
            &users::NewUser {
                email,
                password_hash: Some(&hash),
                role,
                organization_id,
            },
        )?;
        let organization = organization_id
            .map(|id| organizations::name_and_email(conn, id).map(|(name, _)| name))
            .transpose()?;
        users.push(DemoUser {
            role,
            email: email.into(),
            password: password.into(),
            organization,
        });
    }
    Ok(users)
}

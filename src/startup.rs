//! `Application::build(Settings)`: migrations, the first admin, and a bound server; used by `kadry serve` and the tests.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::middleware::ErrorHandlers;
use actix_web::{App, HttpServer, web};
use anyhow::{Context, bail};
use futures_util::FutureExt;
use utoipa::OpenApi;

use crate::auth::{JwtKeys, password};
use crate::config::{Settings, resolve_jwt_secret};
use crate::db::{self, ConnectionManager, DatabaseUrl, DbPool, users};
use crate::domain::{EmailAddress, Password, Role};
use crate::routes::extract::{self, BodyLimit, ImportLimit};
use crate::routes::openapi::{ApiDoc, OpenApiJson};
use crate::routes::{self, AppState};

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(&settings.database.url)?;
        let secret = resolve_jwt_secret(&settings)?;
        let pool = prepare_database(&settings, &url).await?;
        bootstrap_admin(&settings, &pool).await?;

        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        let letterhead = crate::notify::Letterhead::from_settings(&settings.email)?;
        if settings.email.worker {
            let worker = crate::notify::worker::Worker::new(pool.clone(), &settings.email)?;
            tokio::spawn(worker.run());
            tokio::spawn(crate::notify::shortage::run(
                pool.clone(),
                letterhead.clone(),
                std::time::Duration::from_secs(settings.email.shortage_check_seconds.max(1)),
            ));
        }
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            jwt: JwtKeys::new(&secret, &settings.auth),
            throttle: settings.auth.login_throttle.clone(),
            letterhead,
            invitation_ttl_hours: settings.email.invitation_ttl_hours,
        });
        let jwt = web::Data::new(state.jwt.clone());
        let openapi = web::Data::new(OpenApiJson(ApiDoc::openapi().to_json()?));
        let body_limit = web::Data::new(BodyLimit(settings.server.body_limit_bytes));
        let import_limit = web::Data::new(ImportLimit(settings.server.import_limit_bytes));

        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(extract::problem_for_bare_errors))
                .wrap_fn(|request, service| {
                    let started = Instant::now();
                    let method = request.method().clone();
                    let path = request.path().to_string();
                    service.call(request).map(move |response| {
                        if let Ok(response) = &response {
                            tracing::info!(
                                %method,
                                %path,
                                status = response.status().as_u16(),
                                millis = started.elapsed().as_millis() as u64,
                                "request"
                            );
                        }
                        response
                    })
                })
                .app_data(state.clone())
                .app_data(jwt.clone())
                .app_data(openapi.clone())
                .app_data(body_limit.clone())
                .app_data(import_limit.clone())
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .configure(routes::configure)
                .default_service(web::to(extract::no_such_route))
        })
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        tracing::info!(
            port,
            backend = url.backend_name(),
            "kadry is listening on {}",
            settings.server.bind
        );
        Ok(Self {
            port,
            server: server.run(),
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn pool(&self) -> DbPool {
        self.pool.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Runs the pending migrations and builds the pool.
pub async fn prepare_database(settings: &Settings, url: &DatabaseUrl) -> anyhow::Result<DbPool> {
    let manager = ConnectionManager::new(url.clone(), settings.database.sqlite_busy_timeout_ms);
    let applied = tokio::task::spawn_blocking(move || db::migrations::run(&manager)).await??;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied database migrations");
    }
    db::pool(&settings.database)
}

/// Creates the admin named by KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD
/// when the database has no admin yet.
pub async fn bootstrap_admin(settings: &Settings, pool: &DbPool) -> anyhow::Result<()> {
    let has_admin = db::run(pool, |conn| Ok(users::admin_exists(conn)?))
        .await
        .map_err(|e| anyhow::anyhow!("checking for an admin: {e}"))?;
    if has_admin {
        return Ok(());
    }
    let (Some(email), Some(password)) = (&settings.auth.admin_email, &settings.auth.admin_password)
    else {
        tracing::warn!(
            "the database has no admin: set KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD to create one"
        );
        return Ok(());
    };
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_EMAIL {e}"))?;
    let password =
        Password::parse(password).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_PASSWORD {e}"))?;
    let hash = password::hash_blocking(password).await?;
    let address = email.to_string();
    let created = db::run(pool, move |conn| {
        if users::find_by_email(conn, email.as_str())?.is_some() {
            return Ok(false);
        }
        users::insert(
            conn,
            &users::NewUser {
                email: email.as_str(),
                password_hash: Some(&hash),
                role: Role::Admin.as_str(),
                organization_id: None,
            },
        )?;
        Ok(true)
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?;
    if !created {
        bail!("KADRY_ADMIN_EMAIL {address} already belongs to a user who is not an admin");
    }
    tracing::info!(email = %address, "created the first admin");
    Ok(())
}

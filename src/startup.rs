//! `Application::build(Settings)`: migrations, the first admin, and a bound server; used by `kadry serve` and the tests.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::middleware::ErrorHandlers;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use futures_util::FutureExt;
use utoipa::OpenApi;

use crate::app::{self, Context};
use crate::auth::JwtKeys;
use crate::config::{Settings, resolve_jwt_secret};
use crate::db::{self, DbPool};
use crate::http::limits::{BodyLimit, ImportLimit};
use crate::routes::extract;
use crate::routes::openapi::OpenApiJson;
use crate::routes::scrape::MetricsGate;
use crate::routes::{self, ApiDoc};

pub struct Application {
    port: u16,
    server: Server,
    pool: DbPool,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        crate::auth::password::return_freed_memory();
        let secret = resolve_jwt_secret(&settings)?;
        let pool = db::prepare(&settings.database).await?;
        let context = Context::new(&settings, pool.clone());
        bootstrap_admin(&settings, &context).await?;

        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let port = listener.local_addr()?.port();
        if settings.email.worker {
            let worker = app::delivery::Worker::new(context.clone(), &settings.email)?;
            tokio::spawn(worker.run());
            tokio::spawn(app::notifications::watch_shortages(
                context.clone(),
                std::time::Duration::from_secs(settings.email.shortage_check_seconds.max(1)),
            ));
        }
        if settings.retention.prune_every_seconds > 0 {
            tokio::spawn(app::retention::keep_pruning(
                context.clone(),
                std::time::Duration::from_secs(settings.retention.prune_every_seconds),
            ));
        }
        let state = web::Data::new(context);
        let jwt = web::Data::new(JwtKeys::new(&secret, &settings.auth));
        let document = ApiDoc::openapi();
        let routes = web::Data::new(extract::RouteMethods::of(&document));
        let openapi = web::Data::new(OpenApiJson(document.to_json()?));
        let body_limit = web::Data::new(BodyLimit(settings.server.body_limit_bytes));
        let import_limit = web::Data::new(ImportLimit(settings.server.import_limit_bytes));
        let metrics_gate = web::Data::new(MetricsGate(settings.server.metrics_token.clone()));
        // The recorder only where a scraper may read it: otherwise every
        // metric is a call that does nothing.
        let metrics_on =
            settings.server.metrics_token.is_some() && crate::http::metrics::recorder().is_some();

        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(extract::problem_for_bare_errors))
                .wrap_fn(crate::web::secure)
                .wrap_fn(|request, service| service.call(crate::http::pace::pace(request)))
                .wrap_fn(move |request, service| {
                    let started = Instant::now();
                    let method = request.method().clone();
                    let path = request.path().to_string();
                    service.call(request).map(move |response| {
                        if let Ok(response) = &response {
                            let status = response.status();
                            if metrics_on {
                                crate::http::metrics::record_request(
                                    response.request().match_pattern(),
                                    method.as_str(),
                                    status.as_u16(),
                                    started.elapsed(),
                                );
                            }
                            tracing::info!(
                                %method,
                                %path,
                                status = status.as_u16(),
                                millis = started.elapsed().as_millis() as u64,
                                "request"
                            );
                            // A 500 that did happen says why: the error the
                            // response was made from (an invalid header, say).
                            if status.is_server_error()
                                && let Some(error) = response.response().error()
                            {
                                tracing::error!(%method, %path, cause = %error, "server error");
                            }
                        }
                        response
                    })
                })
                // Outermost: gzip or brotli when the client asks, for every
                // answer but those already encoded (the XLSX says identity).
                .wrap(actix_web::middleware::Compress::default())
                .app_data(state.clone())
                .app_data(jwt.clone())
                .app_data(openapi.clone())
                .app_data(routes.clone())
                .app_data(body_limit.clone())
                .app_data(import_limit.clone())
                .app_data(metrics_gate.clone())
                .app_data(extract::query_config())
                .app_data(extract::path_config())
                .configure(routes::configure)
                .configure(crate::web::configure)
                .default_service(web::to(no_such_route))
        })
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        tracing::info!(
            port,
            backend = settings.database.url.backend_name(),
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

/// A request no route matched: the API's 404 or 405 for its paths, the
/// pages' 404 page for every other path. Here, above both faces, so that
/// neither imports the other.
async fn no_such_route(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    match extract::unrouted(&req) {
        Some(error) => actix_web::ResponseError::error_response(&error),
        None => crate::web::not_found_page(&req),
    }
}

/// Creates the admin named by KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD
/// when the database has no admin yet.
pub async fn bootstrap_admin(settings: &Settings, context: &Context) -> anyhow::Result<()> {
    app::users::bootstrap_admin(
        context,
        settings.auth.admin_email.as_deref(),
        settings.auth.admin_password.as_deref(),
    )
    .await?;
    Ok(())
}

//! The pages, one face of kadry: server-rendered HTML for the people who
//! plan, on the same application layer as the API. Who is looking
//! (`viewer`), the frame every page shares (`chrome`), posted forms
//! (`form`), a page's answer (`render`) or failure (`error`), long lists
//! (`pager`), the language asked for (`i18n`), charts (`svg`), and one
//! module per area in `pages`.

pub mod chrome;
pub mod error;
pub mod form;
pub mod i18n;
pub mod notice;
pub mod pager;
pub mod pages;
pub mod render;
pub mod svg;
pub mod viewer;
pub mod wording;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt;

const CSS: &str = include_str!("static/kadry.css");

/// What every page, and the API, answers with; `/api/docs` (Swagger UI)
/// also needs inline styles.
const CSP: &str = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Every page's route, the stylesheet and the API's reference.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/kadry.css", web::get().to(stylesheet));
    pages::configure(cfg);
    cfg.route("/api/docs/", web::get().to(docs_index));
    cfg.service(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
            .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
    );
    cfg.route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/api/docs/"))
                .finish()
        }),
    );
}

/// Swagger UI's own page with a way back to the app above it.
async fn docs_index() -> HttpResponse {
    let config = std::sync::Arc::new(utoipa_swagger_ui::Config::from("/api/v1/openapi.json"));
    let Ok(Some(file)) = utoipa_swagger_ui::serve("index.html", config) else {
        return HttpResponse::NotFound().finish();
    };
    let html = String::from_utf8_lossy(&file.bytes).replacen(
        "<body>",
        "<body><p style=\"margin:.5rem 1rem;font-family:sans-serif\"><a href=\"/\" id=\"back-to-app\">← kadry</a> · <a href=\"/api/v1/openapi.json\">openapi.json</a></p>",
        1,
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CSS)
}

/// Adds the security headers to every response, and remembers a language
/// asked for with `?lang=` in a cookie.
pub fn secure<S, B>(
    request: actix_web::dev::ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<
            actix_web::dev::ServiceRequest,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let docs = request.path().starts_with("/api/docs");
    let lang = i18n::asked_in_query(request.request());
    service.call(request).map(move |response| {
        response.map(|mut response| {
            let headers = response.headers_mut();
            let csp = if docs { DOCS_CSP } else { CSP };
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            if let Some(lang) = lang {
                let cookie = format!(
                    "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                    i18n::LANG_COOKIE,
                    lang.code()
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    headers.append(header::SET_COOKIE, value);
                }
            }
            response
        })
    })
}

/// The 404 page of a path that is neither a page nor an API route.
pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    error::WebError::new(
        crate::error::AppError::NotFound(req.path().to_string()),
        i18n::lang_of(req),
    )
    .error_response()
}

//! Signing in and out, and each role's home page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{self, Context, sessions};
use crate::domain::Role;
use crate::error::AppError;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::Form;
use crate::web::i18n::lang_of;
use crate::web::render::{page, page_with};
use crate::web::viewer::{SESSION_COOKIE, Viewer, check_origin, session_cookie};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout));
}

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage {
    c: Chrome,
    next: String,
    email: String,
    message: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site: never a redirect elsewhere, never a header
/// that cannot be sent. Accepted: a path starting with one `/`, of visible
/// ASCII only (no control characters, no spaces, no backslash: browsers
/// drop tabs and newlines and read `\\` as `/`, so `/\t/evil.example` is
/// `//evil.example` to them), that parses as a path and query without a
/// scheme or a host. Anything else goes to the home page.
pub(crate) fn safe_next(next: &str) -> String {
    let visible = next.bytes().all(|b| b.is_ascii_graphic()) && !next.contains('\\');
    let own_path = next.starts_with('/')
        && !next.starts_with("//")
        && next
            .parse::<actix_web::http::Uri>()
            .is_ok_and(|uri| uri.scheme().is_none() && uri.authority().is_none());
    if visible && own_path {
        next.to_string()
    } else {
        "/".to_string()
    }
}

async fn login_form(req: HttpRequest) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    let next = web::Query::<NextQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().next)
        .unwrap_or_else(|| "/".into());
    page(&LoginPage {
        c: Chrome::anonymous(lang, lang.tr("Вход", "Sign in"), "/login"),
        next: safe_next(&next),
        email: String::new(),
        message: None,
    })
}

async fn login(
    req: HttpRequest,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    check_origin(&req, lang)?;
    let form = Form::parse(&body, lang);
    let client = req.peer_addr().map(|address| address.ip());
    let email = form.get("email").to_string();
    let next = safe_next(form.get("next"));
    match sessions::open(&ctx, &email, form.get("password").to_string(), client).await {
        Ok((token, _)) => {
            let secure = ctx.letterhead.public_url.starts_with("https://");
            Ok(HttpResponse::SeeOther()
                .cookie(session_cookie(token, secure))
                .insert_header(("Location", next))
                .finish())
        }
        Err(AppError::BadCredentials) => page_with(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                c: Chrome::anonymous(lang, lang.tr("Вход", "Sign in"), "/login"),
                next,
                email,
                message: Some(
                    lang.tr(
                        "Неверная почта или пароль.",
                        "The email or the password is wrong.",
                    )
                    .into(),
                ),
            },
        ),
        Err(other) => Err(WebError::new(other, lang)),
    }
}

async fn logout(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        sessions::close(&ctx, cookie.value())
            .await
            .map_err(|e| viewer.error(e))?;
    }
    let mut gone = session_cookie(String::new(), false);
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header(("Location", "/login"))
        .finish())
}

#[derive(Template)]
#[template(path = "home.html", config = "src/web/askama.toml")]
struct HomePage {
    c: Chrome,
    organization: Option<String>,
    todo: Vec<(String, String)>,
}

async fn home(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    let user = viewer.user;
    let organization = match user.organization_id {
        Some(id) => Some(
            app::catalogue::get_organization(&ctx, &user, id)
                .await
                .map_err(|e| viewer.error(e))?
                .name,
        ),
        None => None,
    };
    let l = viewer.lang;
    let todo: Vec<(String, String)> = match user.role {
        Role::Admin => vec![
            (
                "/admin/notifications?status=failed".into(),
                l.tr(
                    "Проверить неотправленные письма",
                    "Check the emails that failed",
                )
                .into(),
            ),
            (
                "/admin/users".into(),
                l.tr("Пригласить пользователей", "Invite users").into(),
            ),
        ],
        Role::Analyst => vec![
            (
                "/forecast".into(),
                l.tr(
                    "Посмотреть, где не хватает кадров",
                    "See where workers will be short",
                )
                .into(),
            ),
            (
                "/plans/seats".into(),
                l.tr(
                    "Распределить новые места в колледжах",
                    "Place new college seats",
                )
                .into(),
            ),
        ],
        Role::School => vec![
            (
                "/pupils/import".into(),
                l.tr("Загрузить список учеников", "Upload the pupils' roster")
                    .into(),
            ),
            (
                "/guidance".into(),
                l.tr("Проверить часы профориентации", "Check the guidance hours")
                    .into(),
            ),
            (
                "/younger-pupils".into(),
                l.tr(
                    "Указать число учеников 1–4 классов",
                    "Record the pupils of grades 1-4",
                )
                .into(),
            ),
        ],
        Role::College => vec![
            (
                "/programs".into(),
                l.tr(
                    "Указать места и зачисление на программы",
                    "Record seats and enrollments",
                )
                .into(),
            ),
            (
                "/events".into(),
                l.tr("Провести день открытых дверей", "Hold an open day")
                    .into(),
            ),
        ],
        Role::Enterprise => vec![
            (
                "/demand".into(),
                l.tr(
                    "Указать, сколько работников понадобится",
                    "Say how many workers you will need",
                )
                .into(),
            ),
            (
                "/forecast?mine=1".into(),
                l.tr(
                    "Посмотреть прогноз по вашим профессиям",
                    "See the forecast of your professions",
                )
                .into(),
            ),
        ],
    };
    page(&HomePage {
        c: viewer.chrome(viewer.tr("Главная", "Home")),
        organization,
        todo,
    })
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_kadry_itself_is_a_place_to_go_back_to() {
        for good in ["/", "/forecast?from=2027&to=2030", "/programs/7", "/a%20b"] {
            assert_eq!(safe_next(good), good);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            "/\u{7f}",
            "/программы",
            "/\u{200b}/evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}

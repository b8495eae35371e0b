//! A page's failure as a page in the user's language: the sign-in redirect,
//! the CSRF refusal, and every application error with its status.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::chrome::Chrome;
use super::wording;
use crate::domain::Language;
use crate::error::AppError;

/// A page's failure, shown as a page in the user's language.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: to the sign-in page, then back to this path.
    SignIn(String),
    /// A form without the right CSRF token or from another origin.
    Csrf(Language),
    App(AppError, Language),
}

impl WebError {
    pub fn new(error: AppError, lang: Language) -> Self {
        WebError::App(error, lang)
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebError::SignIn(_) => f.write_str("not signed in"),
            WebError::Csrf(_) => f.write_str("CSRF check failed"),
            WebError::App(error, _) => write!(f, "{error}"),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    heading: String,
    detail: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn(_) => StatusCode::SEE_OTHER,
            WebError::Csrf(_) => StatusCode::FORBIDDEN,
            WebError::App(error, _) => crate::http::status_of(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let lang = match self {
            WebError::SignIn(next) => {
                let target = format!("/login?next={}", urlencode(next));
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .finish();
            }
            WebError::Csrf(lang) | WebError::App(_, lang) => *lang,
        };
        let status = self.status_code();
        let (heading, detail) = match self {
            WebError::Csrf(_) => (
                lang.tr("Запрос отклонён", "Request refused"),
                lang.tr(
                    "Форма пришла без действующего ключа защиты или с чужого сайта. Откройте страницу заново и повторите.",
                    "The form came without a valid protection token or from another site. Open the page again and retry.",
                )
                .to_string(),
            ),
            WebError::App(error, _) => describe(error, lang),
            WebError::SignIn(_) => unreachable!("answered above"),
        };
        if let WebError::App(AppError::Internal(cause), _) = self {
            tracing::error!(error = %format!("{cause:#}"), "page failed");
        }
        let page = ErrorPage {
            c: Chrome::anonymous(lang, heading, ""),
            status: status.as_u16(),
            heading: heading.to_string(),
            detail,
        };
        let mut response = HttpResponse::build(status);
        match self {
            WebError::App(
                AppError::TooManyRequests {
                    retry_after_seconds,
                },
                _,
            ) => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            WebError::App(AppError::Unavailable(cause), _) => {
                tracing::warn!(%cause, "database unavailable");
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response
            .content_type("text/html; charset=utf-8")
            .body(page.render().unwrap_or_else(|_| heading.to_string()))
    }
}

fn describe(error: &AppError, lang: Language) -> (&'static str, String) {
    match error {
        AppError::NotFound(_) => (
            lang.tr("Не найдено", "Not found"),
            lang.tr(
                "Такой страницы или записи нет, или она вам не видна.",
                "There is no such page or record, or it is not visible to you.",
            )
            .to_string(),
        ),
        AppError::Forbidden => (
            lang.tr("Нет доступа", "Not allowed"),
            lang.tr("Вашей роли это не разрешено.", "Your role may not do this.")
                .to_string(),
        ),
        AppError::Unauthenticated | AppError::BadCredentials => (
            lang.tr("Нужно войти", "Please sign in"),
            lang.tr("Войдите заново.", "Sign in again.").to_string(),
        ),
        AppError::Conflict(message) => (
            lang.tr("Конфликт", "Conflict"),
            wording::message(message, lang),
        ),
        AppError::PreconditionFailed => (
            lang.tr("Запись изменилась", "The record has changed"),
            lang.tr(
                "Кто-то изменил запись после того, как вы её открыли. Откройте её заново.",
                "Someone changed the record after you opened it. Open it again.",
            )
            .to_string(),
        ),
        AppError::Invalid(errors) => (
            lang.tr("Неверные данные", "Invalid input"),
            errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        wording::field(&e.field, lang),
                        wording::message(&e.message, lang)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AppError::TooManyRequests { .. } => (
            lang.tr("Слишком много попыток", "Too many attempts"),
            lang.tr(
                "Подождите и попробуйте снова.",
                "Wait a little and try again.",
            )
            .to_string(),
        ),
        AppError::Unavailable(_) => (
            lang.tr("Сервис временно недоступен", "Temporarily unavailable"),
            lang.tr("Попробуйте через минуту.", "Try again in a minute.")
                .to_string(),
        ),
        AppError::Internal(_) => (
            lang.tr("Внутренняя ошибка", "Internal error"),
            lang.tr(
                "Что-то пошло не так; ошибка записана в журнал сервиса.",
                "Something went wrong; the error was written to the service's log.",
            )
            .to_string(),
        ),
    }
}

/// `text` percent-encoded for a query string.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

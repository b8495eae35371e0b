//! Who is looking at a page (`Viewer`, from the session cookie), the frame
//! every page shares (`Chrome`), forms with their CSRF check, and errors as pages.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;

use super::i18n::Lang;
use crate::app::Context;
use crate::app::sessions;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::error::{AppError, FieldError};

pub const SESSION_COOKIE: &str = "kadry_session";

/// The signed-in user looking at a page; a request without a live session
/// is sent to the sign-in page.
pub struct Viewer {
    pub user: AuthUser,
    pub csrf: String,
    pub lang: Lang,
    pub path: String,
}

impl FromRequest for Viewer {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let path = req.path().to_string();
        let next = match req.query_string() {
            "" => path.clone(),
            query => format!("{path}?{query}"),
        };
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let ctx = req.app_data::<web::Data<Context>>().cloned();
        Box::pin(async move {
            let ctx = ctx.ok_or_else(|| {
                WebError::new(AppError::Internal(anyhow::anyhow!("no context")), lang)
            })?;
            let token = token.ok_or(WebError::SignIn(next.clone()))?;
            match sessions::resume(&ctx, &token).await {
                Ok(session) => Ok(Viewer {
                    user: session.user,
                    csrf: session.csrf,
                    lang,
                    path,
                }),
                Err(AppError::Unauthenticated) => Err(WebError::SignIn(next)),
                Err(other) => Err(WebError::new(other, lang)),
            }
        })
    }
}

impl Viewer {
    pub fn chrome(&self, title: &str) -> Chrome {
        Chrome {
            lang: self.lang,
            user: Some(self.user),
            csrf: self.csrf.clone(),
            title: title.to_string(),
            path: self.path.clone(),
        }
    }

    pub fn tr<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        self.lang.tr(ru, en)
    }

    pub fn error(&self, error: AppError) -> WebError {
        WebError::new(error, self.lang)
    }

    /// The fields of a posted form, once its CSRF token and origin are
    /// checked: 403 (and nothing done) otherwise.
    pub fn checked(&self, req: &HttpRequest, body: &[u8]) -> Result<Form, WebError> {
        let form = Form::parse(body);
        self.check_token(req, form.get("csrf"))?;
        Ok(form)
    }

    /// 403 unless `token` is this session's CSRF token and the request
    /// comes from kadry's own origin.
    pub fn check_token(&self, req: &HttpRequest, token: &str) -> Result<(), WebError> {
        check_origin(req, self.lang)?;
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::Csrf(self.lang))
        }
    }
}

/// 403 when the request names an origin other than kadry's own.
pub fn check_origin(req: &HttpRequest, lang: Lang) -> Result<(), WebError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let info = req.connection_info();
    let own = format!("{}://{}", info.scheme(), info.host());
    if origin.to_str().ok() == Some(own.as_str()) {
        Ok(())
    } else {
        Err(WebError::Csrf(lang))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What every page's frame needs: language, user, CSRF token, title.
pub struct Chrome {
    pub lang: Lang,
    pub user: Option<AuthUser>,
    pub csrf: String,
    pub title: String,
    pub path: String,
}

impl Chrome {
    /// The frame of a page shown to someone not signed in.
    pub fn anonymous(lang: Lang, title: &str, path: &str) -> Self {
        Self {
            lang,
            user: None,
            csrf: String::new(),
            title: title.to_string(),
            path: path.to_string(),
        }
    }

    pub fn tr<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        self.lang.tr(ru, en)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The same page in the other language.
    pub fn other_lang(&self) -> (String, &'static str) {
        match self.lang {
            Lang::Ru => (format!("{}?lang=en", self.path), "English"),
            Lang::En => (format!("{}?lang=ru", self.path), "Русский"),
        }
    }

    /// A whole number (of people), in the page's format.
    pub fn n0(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 0)
    }

    /// A number with two decimals, in the page's format.
    pub fn n2(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 2)
    }

    /// A count, in the page's format.
    pub fn int(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 0)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.map(|u| u.role)
    }

    pub fn role_name(&self) -> &'static str {
        let Some(role) = self.role() else { return "" };
        match (role, self.lang) {
            (Role::Admin, Lang::Ru) => "администратор",
            (Role::Admin, Lang::En) => "admin",
            (Role::Analyst, Lang::Ru) => "аналитик",
            (Role::Analyst, Lang::En) => "analyst",
            (Role::School, Lang::Ru) => "школа",
            (Role::School, Lang::En) => "school",
            (Role::College, Lang::Ru) => "колледж / вуз",
            (Role::College, Lang::En) => "college",
            (Role::Enterprise, Lang::Ru) => "предприятие",
            (Role::Enterprise, Lang::En) => "enterprise",
        }
    }

    /// The links of the user's role, in order.
    pub fn nav(&self) -> Vec<(&'static str, &'static str)> {
        let Some(role) = self.role() else {
            return Vec::new();
        };
        let l = self.lang;
        let mut links = vec![("/forecast", l.tr("Прогноз", "Forecast"))];
        if matches!(role, Role::Admin | Role::Analyst) {
            links.push(("/scenario", l.tr("Сценарий", "Scenario")));
            links.push(("/plans/seats", l.tr("План мест", "Seat plan")));
        }
        links.push(("/programs", l.tr("Программы", "Programs")));
        if matches!(role, Role::Admin | Role::Analyst | Role::Enterprise) {
            links.push(("/demand", l.tr("Потребность", "Demand")));
        }
        if matches!(role, Role::Admin | Role::School) {
            links.push(("/pupils", l.tr("Ученики", "Pupils")));
            links.push(("/pupils/import", l.tr("Загрузка списка", "Roster upload")));
            links.push(("/younger-pupils", l.tr("1–4 классы", "Grades 1-4")));
        }
        links.push(("/guidance", l.tr("Профориентация", "Guidance")));
        links.push(("/events", l.tr("События", "Events")));
        if role == Role::Admin {
            links.push(("/admin/organizations", l.tr("Организации", "Organizations")));
            links.push(("/admin/users", l.tr("Пользователи", "Users")));
            links.push(("/admin/notifications", l.tr("Письма", "Emails")));
        }
        links.push(("/api/docs", "API"));
        links
    }

    pub fn is_current(&self, href: &str) -> bool {
        self.path == href
    }
}

/// A number a template may format, given by value or by reference.
pub trait Numeric {
    fn value(&self) -> f64;
}

impl Numeric for f64 {
    fn value(&self) -> f64 {
        *self
    }
}

impl Numeric for i32 {
    fn value(&self) -> f64 {
        f64::from(*self)
    }
}

impl Numeric for i64 {
    fn value(&self) -> f64 {
        *self as f64
    }
}

impl<T: Numeric> Numeric for &T {
    fn value(&self) -> f64 {
        (**self).value()
    }
}

/// A posted form's fields (every value of a repeated name kept in order).
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self {
            fields: serde_urlencoded::from_bytes(body).unwrap_or_default(),
        }
    }

    pub fn from_pairs(fields: Vec<(String, String)>) -> Self {
        Self { fields }
    }

    /// The first value of `name`, trimmed; "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.trim())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// `name` as a number, or an error on that field ("required" when empty).
    pub fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
        lang: Lang,
    ) -> Option<T> {
        let text = self
            .get(name)
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".");
        if text.is_empty() {
            errors.push(FieldError::new(
                name,
                lang.tr("обязательное поле", "required"),
            ));
            return None;
        }
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(FieldError::new(
                    name,
                    lang.tr("должно быть числом", "must be a number"),
                ));
                None
            }
        }
    }

    /// `name` as a number when filled in.
    pub fn optional<T: std::str::FromStr>(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
        lang: Lang,
    ) -> Option<T> {
        if self.get(name).is_empty() {
            None
        } else {
            self.number(name, errors, lang)
        }
    }
}

/// A form shown again: what was typed, and what is wrong with which field.
#[derive(Debug, Default)]
pub struct FormState {
    pub values: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
}

impl FormState {
    pub fn failed(form: &Form, errors: Vec<FieldError>) -> Self {
        Self {
            values: form.fields.clone(),
            errors,
        }
    }

    pub fn value(&self, name: &str) -> String {
        self.value_or(name, "")
    }

    /// The typed value, or `default` when the form is shown the first time.
    pub fn value_or(&self, name: &str, default: impl ToString) -> String {
        self.values
            .iter()
            .find(|(key, _)| key == name)
            .map_or_else(|| default.to_string(), |(_, value)| value.clone())
    }

    /// Whether `value` was one of the values chosen for `name`.
    pub fn chosen(&self, name: &str, value: impl ToString) -> bool {
        let value = value.to_string();
        self.values
            .iter()
            .any(|(key, v)| key == name && *v == value)
    }

    /// What is wrong with `name` (joined when several things are).
    pub fn error(&self, name: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| {
                e.field == name
                    || e.field.starts_with(&format!("{name}."))
                    || e.field.starts_with(&format!("{name}["))
            })
            .map(|e| e.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// The answer to a form with bad input: shown again, or a page-level error.
pub fn invalid_or(error: AppError, form: &Form, lang: Lang) -> Result<FormState, WebError> {
    match error {
        AppError::Invalid(errors) => Ok(FormState::failed(form, errors)),
        AppError::Conflict(message) => {
            Ok(FormState::failed(form, vec![FieldError::new("", message)]))
        }
        AppError::PreconditionFailed => Ok(FormState::failed(
            form,
            vec![FieldError::new(
                "",
                lang.tr(
                    "Пока вы редактировали, запись изменил кто-то другой. Ниже она такая, как сейчас, а в форме ваши изменения: проверьте их и сохраните снова.",
                    "Someone else changed the record while you were editing it. It is shown below as it is now, with your changes in the form: check them and save again.",
                ),
            )],
        )),
        other => Err(WebError::new(other, lang)),
    }
}

/// The entity tag of a record a form edits, for its hidden `etag` field.
pub fn tag_of<T: serde::Serialize>(record: &T) -> String {
    crate::app::conditional::entity_tag(record).unwrap_or_default()
}

/// The `If-Match` of a form that carries the `etag` it was shown with:
/// saving it fails (and shows the record as it is now) when someone else
/// saved the record in between.
pub fn if_match(form: &Form) -> crate::app::conditional::IfMatch {
    match form.get("etag") {
        "" => crate::app::conditional::IfMatch::Absent,
        tag => crate::app::conditional::IfMatch::Tags(vec![tag.to_string()]),
    }
}

/// A page's failure, shown as a page in the user's language.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: to the sign-in page, then back to this path.
    SignIn(String),
    /// A form without the right CSRF token or from another origin.
    Csrf(Lang),
    App(AppError, Lang),
}

impl WebError {
    pub fn new(error: AppError, lang: Lang) -> Self {
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
            WebError::App(error, _) => match error {
                AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
                AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
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

fn describe(error: &AppError, lang: Lang) -> (&'static str, String) {
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
        AppError::Conflict(message) => (lang.tr("Конфликт", "Conflict"), message.clone()),
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
                .map(|e| format!("{}: {}", e.field, e.message))
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

/// A rendered page, 200.
pub fn page(template: &impl Template) -> Result<HttpResponse, WebError> {
    page_with(StatusCode::OK, template)
}

/// A rendered page with another status (a form shown again is 422).
pub fn page_with(status: StatusCode, template: &impl Template) -> Result<HttpResponse, WebError> {
    let body = template.render().map_err(|e| {
        WebError::new(
            AppError::Internal(anyhow::anyhow!("template: {e}")),
            Lang::Ru,
        )
    })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The status of a form page: 422 when it is shown again with errors.
pub fn form_status(state: &FormState) -> StatusCode {
    if state.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// After a successful POST: see the result at `to` (POST-redirect-GET).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// The session cookie: HttpOnly, SameSite=Strict, Secure when kadry is served over https.
pub fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// Rows per page of the long lists (demand, events, the outbox).
pub const LIST_PAGE: i64 = 100;

/// One page of a long list: where it starts, how many there are in all,
/// and the links to the pages before and after (the other query values kept).
pub struct Pager {
    pub offset: i64,
    pub size: i64,
    pub total: i64,
    path: String,
    keep: Vec<(String, String)>,
}

impl Pager {
    /// The page a request asks for with `?offset=` (0 when absent or bad).
    pub fn of(req: &HttpRequest, size: i64) -> Self {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let offset = pairs
            .iter()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0);
        Self {
            offset,
            size,
            total: 0,
            path: req.path().to_string(),
            keep: pairs
                .into_iter()
                .filter(|(k, _)| k != "offset" && k != "lang")
                .collect(),
        }
    }

    pub fn page(&self) -> crate::domain::Page {
        crate::domain::Page {
            limit: self.size,
            offset: self.offset,
        }
    }

    fn link(&self, offset: i64) -> String {
        let mut pairs = self.keep.clone();
        pairs.push(("offset".into(), offset.to_string()));
        format!(
            "{}?{}",
            self.path,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }

    pub fn previous(&self) -> Option<String> {
        (self.offset > 0).then(|| self.link((self.offset - self.size).max(0)))
    }

    pub fn next(&self) -> Option<String> {
        (self.offset + self.size < self.total).then(|| self.link(self.offset + self.size))
    }

    /// The first and last positions shown (1-based), for "51–100 of 756".
    pub fn shown(&self) -> (i64, i64) {
        if self.total == 0 {
            (0, 0)
        } else {
            (self.offset + 1, (self.offset + self.size).min(self.total))
        }
    }
}

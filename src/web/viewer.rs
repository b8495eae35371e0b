//! Who is looking at a page: the `Viewer` from the session cookie (a request
//! without a live session goes to the sign-in page), the CSRF and origin
//! checks every posted form passes, and the session cookie itself.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::chrome::Chrome;
use super::error::WebError;
use super::form::Form;
use super::i18n::lang_of;
use crate::app::Context;
use crate::app::sessions;
use crate::auth::AuthUser;
use crate::auth::token::same_secret;
use crate::domain::{Language, Zone};
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "kadry_session";

/// The signed-in user looking at a page; a request without a live session
/// is sent to the sign-in page.
pub struct Viewer {
    pub user: AuthUser,
    pub csrf: String,
    pub lang: Language,
    pub path: String,
    /// The query string, for the notice a redirect after a save asks for.
    pub query: String,
    /// The region's local time.
    pub zone: Zone,
}

impl FromRequest for Viewer {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let lang = lang_of(req);
        let path = req.path().to_string();
        let query = req.query_string().to_string();
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
                    query,
                    zone: ctx.zone.clone(),
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
            zone: self.zone.clone(),
            notice: super::notice::of_query(&self.query, self.lang),
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
        let form = Form::parse(body, self.lang);
        self.check_token(req, form.get("csrf"))?;
        Ok(form)
    }

    /// 403 unless `token` is this session's CSRF token and the request
    /// comes from kadry's own origin.
    pub fn check_token(&self, req: &HttpRequest, token: &str) -> Result<(), WebError> {
        check_origin(req, self.lang)?;
        if same_secret(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::Csrf(self.lang))
        }
    }
}

/// 403 when the request names an origin other than kadry's own: the
/// origin of `KADRY_PUBLIC_URL` (what a deployment behind a proxy sets, as
/// its email links need it anyway), or `http://` and the `Host` the
/// request came to. Forwarded headers (`X-Forwarded-Host`, `Forwarded`,
/// `X-Forwarded-Proto`) are never believed: any client can send them.
pub fn check_origin(req: &HttpRequest, lang: Language) -> Result<(), WebError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    let public = req
        .app_data::<web::Data<Context>>()
        .and_then(|ctx| origin_of(&ctx.letterhead.public_url));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let direct = host.map(|host| format!("http://{host}"));
    if !origin.is_empty()
        && (public.as_deref() == Some(origin) || direct.as_deref() == Some(origin))
    {
        Ok(())
    } else {
        Err(WebError::Csrf(lang))
    }
}

/// `scheme://host[:port]` of a URL, as a browser writes an `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        )
    })
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

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_public_urls_origin_is_its_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Kadry.Example.ru/base/?x#y").as_deref(),
            Some("https://kadry.example.ru")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("kadry.example"), None);
        assert_eq!(origin_of("https:///path"), None);
    }
}

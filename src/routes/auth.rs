//! Sign-in and the caller's own account.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::extract::ApiJson;
use super::problem::{ApiError, Problem};
use crate::app::users::{self, UserView};
use crate::auth::{AuthUser, JwtKeys};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@kadry.demo", "password": "demo-admin-pass"}))]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// Signs in with email and password. A wrong email and a wrong password get
/// the same 401. Every attempt is counted before its password is checked,
/// per email and per client address; repeated failures are slowed down and
/// then refused with 429 for a while; other emails are not affected.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "wrong email or password", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "too many failed attempts for this email or from this address, or too many sign-ins at once", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/login")]
pub async fn login(
    request: HttpRequest,
    app: web::Data<AppState>,
    jwt: web::Data<JwtKeys>,
    body: ApiJson<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.0;
    let client = request.peer_addr().map(|address| address.ip());
    let signed_in = crate::app::sign_in::sign_in(&app, &email, password, client).await?;
    let user = signed_in.user;
    let access_token = jwt
        .issue(
            user.id,
            user.role,
            user.organization_id,
            signed_in.token_version,
        )
        .map_err(crate::error::AppError::Internal)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: jwt.ttl_seconds(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordBody {
    /// The token of the invitation link.
    pub token: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

/// Sets a new user's password with the single-use token of an invitation.
#[utoipa::path(post, path = "/api/v1/auth/set-password", tag = "auth", request_body = SetPasswordBody, responses(
    (status = 204, description = "the password is set; sign in with it"),
    (status = 422, description = "a bad password, or a token that is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/set-password")]
pub async fn set_password(
    app: web::Data<AppState>,
    body: ApiJson<SetPasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let SetPasswordBody { token, password } = body.0;
    users::set_password(&app, token, &password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/me")]
pub async fn me(user: AuthUser, app: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(users::me(&app, &user).await?))
}

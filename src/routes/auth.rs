//! Sign-in and the caller's own account.

use std::time::Duration;

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::extract::ApiJson;
use super::users::UserView;
use crate::auth::{AuthUser, password};
use crate::config::ThrottleSettings;
use crate::db::{self, throttle, users};
use crate::domain::{EmailAddress, Role};
use crate::error::{ApiError, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// Passwords longer than this are not even hashed: no user can have one.
const LONGEST_PASSWORD_BYTES: usize = 1024;

/// Signs in with email and password. A wrong email and a wrong password get
/// the same 401. Repeated failures for one email are slowed down and then
/// refused with 429 for a while; other emails are not affected.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "wrong email or password", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "too many failed attempts for this email", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.0;
    let email = EmailAddress::parse(&email).map_err(|_| ApiError::Unauthorized)?;
    let now = chrono::Utc::now().naive_utc();

    let key = email.as_str().to_string();
    let (attempts, user) = db::run(&state.pool, move |conn| {
        Ok((
            throttle::find(conn, &key)?,
            users::find_by_email(conn, &key)?,
        ))
    })
    .await?;
    if let Some(attempts) = &attempts {
        if let Some(until) = attempts.locked_until.filter(|until| *until > now) {
            let retry_after_seconds =
                u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
            return Err(ApiError::TooManyRequests {
                retry_after_seconds,
            });
        }
        let delay = slow_down(
            attempts.recent_failures(now, &state.throttle),
            &state.throttle,
        );
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }

    let stored = user.as_ref().and_then(|user| user.password_hash.clone());
    let verified = password.len() <= LONGEST_PASSWORD_BYTES
        && password::verify_blocking(password, stored).await;
    let signed_in = match user {
        Some(user) if verified => user,
        _ => {
            let key = email.into_inner();
            let settings = state.throttle.clone();
            db::run(&state.pool, move |conn| {
                Ok(throttle::record_failure(conn, &key, now, &settings)?)
            })
            .await?;
            return Err(ApiError::Unauthorized);
        }
    };
    if attempts.is_some() {
        let key = email.into_inner();
        db::run(&state.pool, move |conn| Ok(throttle::clear(conn, &key)?)).await?;
    }
    let role = Role::parse(&signed_in.role).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    let access_token = state
        .jwt
        .issue(signed_in.id, role, signed_in.organization_id)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.ttl_seconds(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordBody {
    /// The token of the invitation link.
    pub token: String,
    /// 10 to 128 characters.
    pub password: String,
}

/// Sets a new user's password with the single-use token of an invitation.
#[utoipa::path(post, path = "/api/v1/auth/set-password", tag = "auth", request_body = SetPasswordBody, responses(
    (status = 204, description = "the password is set; sign in with it"),
    (status = 422, description = "a bad password, or a token that is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/set-password")]
pub async fn set_password(
    state: web::Data<AppState>,
    body: ApiJson<SetPasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let SetPasswordBody { token, password } = body.0;
    let password =
        crate::domain::Password::parse(&password).map_err(|m| ApiError::invalid("password", m))?;
    if token.len() > 128 {
        return Err(ApiError::invalid("token", "is unknown, used or expired"));
    }
    let hash = password::hash_blocking(password).await?;
    let redeemed = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            Ok(crate::notify::triggers::redeem(conn, &token, &hash)?)
        })
    })
    .await?;
    if !redeemed {
        return Err(ApiError::invalid("token", "is unknown, used or expired"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The delay before checking a password after `failures` recent failures:
/// none at first, then `slow_down_ms` doubling per failure, at most 5 s.
pub fn slow_down(failures: u32, settings: &ThrottleSettings) -> Duration {
    if failures < settings.slow_down_after || settings.slow_down_ms == 0 {
        return Duration::ZERO;
    }
    let doublings = (failures - settings.slow_down_after).min(8);
    Duration::from_millis(
        settings
            .slow_down_ms
            .saturating_mul(1 << doublings)
            .min(5_000),
    )
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/me")]
pub async fn me(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let row = db::run(&state.pool, move |conn| Ok(users::find(conn, user.id)?))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(HttpResponse::Ok().json(UserView::try_from(row)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_slows_down_after_repeated_failures_and_is_capped() {
        let settings = ThrottleSettings {
            window_seconds: 900,
            slow_down_after: 3,
            slow_down_ms: 500,
            max_failures: 8,
            lockout_seconds: 900,
        };
        assert_eq!(slow_down(2, &settings), Duration::ZERO);
        assert_eq!(slow_down(3, &settings), Duration::from_millis(500));
        assert_eq!(slow_down(4, &settings), Duration::from_millis(1000));
        assert_eq!(slow_down(7, &settings), Duration::from_millis(5000));
        assert_eq!(slow_down(40, &settings), Duration::from_millis(5000));
    }
}

//! Signing in: passwords checked with throttling shared by every kadry
//! process, per email and per client address.

use std::net::IpAddr;
use std::time::Duration;

use super::Context;
use crate::auth::{AuthUser, password};
use crate::config::ThrottleSettings;
use crate::db::{throttle, users};
use crate::domain::EmailAddress;
use crate::error::{AppError, AppResult};

/// Passwords longer than this are not even hashed: no user can have one.
const LONGEST_PASSWORD_BYTES: usize = 1024;

fn per_email(settings: &ThrottleSettings) -> throttle::Limit {
    throttle::Limit {
        window_seconds: settings.window_seconds,
        max_failures: settings.max_failures,
        lockout_seconds: settings.lockout_seconds,
    }
}

fn per_address(settings: &ThrottleSettings) -> throttle::Limit {
    throttle::Limit {
        max_failures: settings.max_failures_per_address,
        ..per_email(settings)
    }
}

fn refused_until(until: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> AppError {
    AppError::TooManyRequests {
        retry_after_seconds: u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1),
    }
}

impl From<password::Busy> for AppError {
    fn from(_: password::Busy) -> Self {
        AppError::TooManyRequests {
            retry_after_seconds: 1,
        }
    }
}

/// Checks an email and password. A wrong email and a wrong password fail the
/// same way. Every attempt is counted before its password is checked, per
/// email and per client address: repeated failures are slowed down and then
/// refused for a while (`TooManyRequests`), so that however many attempts
/// arrive at once, at most `max_failures` passwords of one email are checked.
pub async fn sign_in(
    ctx: &Context,
    email: &str,
    password: String,
    client: Option<IpAddr>,
) -> AppResult<SignedIn> {
    let email = EmailAddress::parse(email).map_err(|_| {
        metrics::counter!("kadry_sign_in_failures_total").increment(1);
        AppError::BadCredentials
    })?;
    let now = chrono::Utc::now().naive_utc();
    let email_key = email.into_inner();
    let address_key = client.as_ref().map(throttle::address_key);
    let settings = ctx.throttle.clone();
    let (n, user) = {
        let (email_key, address_key) = (email_key.clone(), address_key.clone());
        ctx.run(move |conn| {
            let n = match throttle::reserve(conn, &email_key, now, per_email(&settings))? {
                throttle::Reservation::Locked { until } => return Ok(Err(until)),
                throttle::Reservation::Granted { n } => n,
            };
            if let Some(address_key) = &address_key {
                let by_address = throttle::reserve(conn, address_key, now, per_address(&settings))?;
                if let throttle::Reservation::Locked { until } = by_address {
                    throttle::release(conn, &email_key)?;
                    return Ok(Err(until));
                }
            }
            Ok(Ok((n, users::find_by_email(conn, &email_key)?)))
        })
        .await?
        .map_err(|until| {
            metrics::counter!("kadry_sign_in_lockouts_total").increment(1);
            refused_until(until, now)
        })?
    };
    let delay = slow_down(n.saturating_sub(1), &ctx.throttle);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let stored = user
        .as_ref()
        .filter(|user| !user.disabled)
        .and_then(|user| user.password_hash.clone());
    let verified = password.len() <= LONGEST_PASSWORD_BYTES
        && match password::verify_blocking(password, stored).await {
            Ok(verified) => verified,
            Err(busy) => {
                // Not checked, so not counted.
                ctx.run(move |conn| {
                    throttle::release(conn, &email_key)?;
                    if let Some(address_key) = &address_key {
                        throttle::release(conn, address_key)?;
                    }
                    Ok(())
                })
                .await?;
                return Err(busy.into());
            }
        };
    let signed_in = match user {
        Some(user) if verified && !user.disabled => user,
        _ => {
            metrics::counter!("kadry_sign_in_failures_total").increment(1);
            return Err(AppError::BadCredentials);
        }
    };
    ctx.run(move |conn| {
        throttle::clear(conn, &email_key)?;
        if let Some(address_key) = &address_key {
            throttle::release(conn, address_key)?;
        }
        Ok(())
    })
    .await?;
    Ok(SignedIn {
        user: AuthUser {
            id: signed_in.id,
            role: signed_in.role,
            organization_id: signed_in.organization_id,
        },
        token_version: signed_in.token_version,
    })
}

/// A user whose password was right, and the version every token or session
/// issued now must carry.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    pub user: AuthUser,
    pub token_version: i32,
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
            max_failures_per_address: 100,
        };
        assert_eq!(slow_down(2, &settings), Duration::ZERO);
        assert_eq!(slow_down(3, &settings), Duration::from_millis(500));
        assert_eq!(slow_down(4, &settings), Duration::from_millis(1000));
        assert_eq!(slow_down(7, &settings), Duration::from_millis(5000));
        assert_eq!(slow_down(40, &settings), Duration::from_millis(5000));
    }
}

//! Users and signing in: accounts created by admins, passwords checked with
//! throttling shared by every kadry process, invitations redeemed once.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Context, notifications};
use crate::auth::policy::{Action, authorize};
use crate::auth::{AuthUser, password};
use crate::config::ThrottleSettings;
use crate::db::{self, conflict_as, invitations, organizations, throttle, users};
use crate::domain::{EmailAddress, Password, Role};
use crate::error::{AppError, AppResult};
use crate::parse_fields;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub role: Role,
    /// Required for school, college and enterprise users (an organization of
    /// the matching kind); absent for admins and analysts.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// 10 to 128 characters. Without one the user cannot sign in until a
    /// password is set through an invitation.
    #[serde(default)]
    pub password: Option<String>,
}

/// A user as the API shows one: never with a secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub organization_id: Option<i64>,
}

impl From<users::UserRow> for UserView {
    fn from(row: users::UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            role: row.role,
            organization_id: row.organization_id,
        }
    }
}

/// Region-wide roles belong to no organization; the others to exactly one.
fn organization_for(role: Role, organization_id: Option<i64>) -> Result<Option<i64>, String> {
    match (role.organization_kinds().is_empty(), organization_id) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(format!("must be absent for the role {}", role.as_str())),
        (false, None) => Err(format!("is required for the role {}", role.as_str())),
        (false, Some(id)) => crate::domain::positive_id(id).map(Some),
    }
}

/// Creates a user (admins only). Without a password the user is sent an
/// invitation with a set-password link, in the same transaction.
pub async fn create_user(ctx: &Context, user: &AuthUser, body: NewUserBody) -> AppResult<UserView> {
    authorize(user, Action::ManageUsers)?;
    let role = body.role;
    parse_fields!(
        email = "email" => EmailAddress::parse(&body.email),
        organization_id = "organization_id" => organization_for(role, body.organization_id),
        password = "password" => body.password.as_deref().map(Password::parse).transpose(),
    );
    let password_hash = match password {
        Some(password) => Some(password::hash_blocking(password).await?),
        None => None,
    };
    let letterhead = ctx.letterhead.clone();
    let ttl_hours = ctx.invitation_ttl_hours;
    let row = ctx
        .write(move |conn| {
            if let Some(organization_id) = organization_id {
                let Some(kind) = organizations::kind_of(conn, organization_id)? else {
                    return Err(AppError::invalid(
                        "organization_id",
                        format!("no organization has the id {organization_id}"),
                    ));
                };
                if !role.organization_kinds().contains(&kind) {
                    return Err(AppError::invalid(
                        "organization_id",
                        format!(
                            "a {} user cannot belong to a {}",
                            role.as_str(),
                            kind.as_str()
                        ),
                    ));
                }
            }
            let row = users::insert(
                conn,
                &users::NewUser {
                    email: email.as_str(),
                    password_hash: password_hash.as_deref(),
                    role,
                    organization_id,
                },
            )
            .map_err(|e| {
                conflict_as(e, || {
                    format!("a user with the email {email} already exists")
                })
            })?;
            if row.password_hash.is_none() {
                notifications::invite(conn, &letterhead, &row, ttl_hours)?;
            }
            Ok(row)
        })
        .await?;
    Ok(row.into())
}

/// One user (admins only).
pub async fn get_user(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<UserView> {
    authorize(user, Action::ManageUsers)?;
    ctx.run(move |conn| {
        users::find(conn, id)?
            .map(UserView::from)
            .ok_or_else(|| AppError::not_found("user", id))
    })
    .await
}

/// The caller's own account.
pub async fn me(ctx: &Context, user: &AuthUser) -> AppResult<UserView> {
    let id = user.id;
    ctx.run(move |conn| {
        users::find(conn, id)?
            .map(UserView::from)
            .ok_or(AppError::Unauthenticated)
    })
    .await
}

/// Passwords longer than this are not even hashed: no user can have one.
const LONGEST_PASSWORD_BYTES: usize = 1024;

/// Checks an email and password. A wrong email and a wrong password fail the
/// same way; repeated failures for one email are slowed down and then refused
/// for a while (`TooManyRequests`); other emails are not affected.
pub async fn sign_in(ctx: &Context, email: &str, password: String) -> AppResult<AuthUser> {
    let email = EmailAddress::parse(email).map_err(|_| AppError::BadCredentials)?;
    let now = chrono::Utc::now().naive_utc();
    let key = email.as_str().to_string();
    let (attempts, user) = ctx
        .run(move |conn| {
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
            return Err(AppError::TooManyRequests {
                retry_after_seconds,
            });
        }
        let delay = slow_down(attempts.recent_failures(now, &ctx.throttle), &ctx.throttle);
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
            let settings = ctx.throttle.clone();
            ctx.run(move |conn| Ok(throttle::record_failure(conn, &key, now, &settings)?))
                .await?;
            return Err(AppError::BadCredentials);
        }
    };
    if attempts.is_some() {
        let key = email.into_inner();
        ctx.run(move |conn| Ok(throttle::clear(conn, &key)?))
            .await?;
    }
    Ok(AuthUser {
        id: signed_in.id,
        role: signed_in.role,
        organization_id: signed_in.organization_id,
    })
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

/// Sets a new user's password with the single-use token of an invitation.
pub async fn set_password(ctx: &Context, token: String, password: &str) -> AppResult<()> {
    let password = Password::parse(password).map_err(|m| AppError::invalid("password", m))?;
    if token.len() > 128 {
        return Err(AppError::invalid("token", "is unknown, used or expired"));
    }
    let hash = password::hash_blocking(password).await?;
    let token_hash = notifications::token_hash(&token);
    let redeemed = ctx
        .write(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            Ok(invitations::redeem_in_transaction(
                conn,
                &token_hash,
                &hash,
                now,
            )?)
        })
        .await?;
    if !redeemed {
        return Err(AppError::invalid("token", "is unknown, used or expired"));
    }
    Ok(())
}

/// Creates the admin named by the settings when the database has no admin
/// yet; `Ok(false)` when one exists or none is configured.
pub async fn bootstrap_admin(
    ctx: &Context,
    email: Option<&str>,
    password: Option<&str>,
) -> anyhow::Result<bool> {
    let has_admin = ctx
        .run(|conn| Ok(users::admin_exists(conn)?))
        .await
        .map_err(|e| anyhow::anyhow!("checking for an admin: {}", e.describe()))?;
    if has_admin {
        return Ok(false);
    }
    let (Some(email), Some(password)) = (email, password) else {
        tracing::warn!(
            "the database has no admin: set KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD to create one"
        );
        return Ok(false);
    };
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_EMAIL {e}"))?;
    let password =
        Password::parse(password).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_PASSWORD {e}"))?;
    let hash = password::hash_blocking(password).await?;
    let address = email.to_string();
    let created = db::run(&ctx.pool, move |conn| {
        if users::find_by_email(conn, email.as_str())?.is_some() {
            return Ok(false);
        }
        users::insert(
            conn,
            &users::NewUser {
                email: email.as_str(),
                password_hash: Some(&hash),
                role: Role::Admin,
                organization_id: None,
            },
        )?;
        Ok(true)
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating the first admin: {}", e.describe()))?;
    if !created {
        anyhow::bail!("KADRY_ADMIN_EMAIL {address} already belongs to a user who is not an admin");
    }
    tracing::info!(email = %address, "created the first admin");
    Ok(true)
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

    #[test]
    fn region_wide_roles_have_no_organization_and_the_others_one() {
        assert_eq!(organization_for(Role::Analyst, None), Ok(None));
        assert!(organization_for(Role::Analyst, Some(1)).is_err());
        assert!(organization_for(Role::School, None).is_err());
        assert_eq!(organization_for(Role::School, Some(3)), Ok(Some(3)));
        assert!(organization_for(Role::College, Some(0)).is_err());
    }
}

//! Page sessions: opened by a sign-in (the API's, with its throttling),
//! resumed from the cookie while the user is unchanged and active, closed by
//! signing out. The user's authority is read live on every request, as for
//! tokens, so an admin's change ends every session of the user at once.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime, Utc};

use super::Context;
use crate::auth::AuthUser;
use crate::auth::token::{random_hex, token_hash};
use crate::db::sessions::{self, SessionRow};
use crate::error::{AppError, AppResult};

/// A session ends after this long without a request.
pub const IDLE_HOURS: i64 = 8;
/// `last_seen_at` is written at most this often per session.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A signed-in page user: who, and the token every form of theirs must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: AuthUser,
    pub csrf: String,
}

/// Checks the email and password as the API's sign-in does and opens a
/// session; returns the cookie's value and the session.
pub async fn open(
    ctx: &Context,
    email: &str,
    password: String,
    client: Option<IpAddr>,
) -> AppResult<(String, Session)> {
    let signed_in = super::sign_in::sign_in(ctx, email, password, client).await?;
    let token = random_hex(32)?;
    let csrf = random_hex(32)?;
    let now = Utc::now().naive_utc();
    let row = SessionRow {
        token_hash: token_hash(&token),
        user_id: signed_in.user.id,
        token_version: signed_in.token_version,
        csrf: csrf.clone(),
        created_at: now,
        last_seen_at: now,
    };
    ctx.run(move |conn| {
        sessions::delete_idle(conn, now - Duration::hours(IDLE_HOURS))?;
        Ok(sessions::insert(conn, &row)?)
    })
    .await?;
    Ok((
        token,
        Session {
            user: signed_in.user,
            csrf,
        },
    ))
}

/// The session of a cookie's value: `Unauthenticated` when it is unknown,
/// idle for too long, or its user changed, was disabled or deleted since.
pub async fn resume(ctx: &Context, token: &str) -> AppResult<Session> {
    let hash = token_hash(token);
    let now = Utc::now().naive_utc();
    let row = {
        let hash = hash.clone();
        ctx.run(move |conn| Ok(sessions::find(conn, &hash)?))
            .await?
    }
    .ok_or(AppError::Unauthenticated)?;
    if is_idle(row.last_seen_at, now) {
        close_hash(ctx, hash).await?;
        return Err(AppError::Unauthenticated);
    }
    let user = match super::users::current(ctx, row.user_id, row.token_version).await {
        Ok(user) => user,
        Err(AppError::Unauthenticated) => {
            close_hash(ctx, hash).await?;
            return Err(AppError::Unauthenticated);
        }
        Err(other) => return Err(other),
    };
    if (now - row.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        ctx.run(move |conn| Ok(sessions::touch(conn, &hash, now)?))
            .await?;
    }
    Ok(Session {
        user,
        csrf: row.csrf,
    })
}

fn is_idle(last_seen_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - last_seen_at > Duration::hours(IDLE_HOURS)
}

/// Ends the session of a cookie's value (nothing when there is none).
pub async fn close(ctx: &Context, token: &str) -> AppResult<()> {
    close_hash(ctx, token_hash(token)).await
}

async fn close_hash(ctx: &Context, hash: String) -> AppResult<()> {
    ctx.run(move |conn| Ok(sessions::delete(conn, &hash)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_idle_after_eight_hours_without_a_request() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert!(!is_idle(t, t + Duration::hours(8)));
        assert!(is_idle(t, t + Duration::hours(8) + Duration::seconds(1)));
    }
}

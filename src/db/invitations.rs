//! Single-use set-password links: only a hash of each token is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{invitations, users};

/// Keeps the hash of an invitation's token for `user_id` until `expires_at`.
pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: i64,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::token_hash.eq(token_hash),
            invitations::user_id.eq(user_id),
            invitations::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user an unused, unexpired invitation is for.
pub fn valid_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    invitations::table
        .find(token_hash)
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(invitations::user_id)
        .first(conn)
        .optional()
}

/// Whether an invitation with this token could be redeemed now.
pub fn is_redeemable(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    Ok(valid_user(conn, token_hash, now)?.is_some())
}

/// Uses an invitation and sets its user's password hash; `false` when the
/// token is unknown, used or expired. Call inside a transaction.
pub fn redeem_in_transaction(
    conn: &mut DbConnection,
    token_hash: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let Some(user_id) = valid_user(conn, token_hash, now)? else {
        return Ok(false);
    };
    let used = diesel::update(
        invitations::table
            .find(token_hash)
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    if used == 0 {
        return Ok(false);
    }
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(true)
}

//! The answers to creates sent with an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::idempotency_keys;

/// What the key of a create found, inside the creating transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No earlier request used it: this one goes ahead and calls `answer`.
    Claimed,
    /// An earlier request used it, with this fingerprint and answer.
    Used { fingerprint: String, answer: String },
}

/// Claims `key` for `user_id`, forgetting a use older than `expired_before`.
/// On PostgreSQL the insert waits for a concurrent transaction that claimed
/// the same key and then sees its answer; on SQLite write transactions
/// already run one at a time.
pub fn claim(
    conn: &mut DbConnection,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
    expired_before: NaiveDateTime,
) -> QueryResult<Claim> {
    let of_key = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::idempotency_key.eq(key));
    diesel::delete(of_key.filter(idempotency_keys::created_at.lt(expired_before))).execute(conn)?;
    let row = (
        idempotency_keys::user_id.eq(user_id),
        idempotency_keys::idempotency_key.eq(key),
        idempotency_keys::fingerprint.eq(fingerprint),
        idempotency_keys::answer.eq(""),
        idempotency_keys::created_at.eq(now),
    );
    let inserted = crate::on_backend!(conn, |inner| diesel::insert_into(idempotency_keys::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(inner))?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let (fingerprint, answer) = of_key
        .select((idempotency_keys::fingerprint, idempotency_keys::answer))
        .first(conn)?;
    Ok(Claim::Used {
        fingerprint,
        answer,
    })
}

/// Keeps the answer of the request that claimed `key`.
pub fn answer(conn: &mut DbConnection, user_id: i64, key: &str, answer: &str) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::idempotency_key.eq(key)),
    )
    .set(idempotency_keys::answer.eq(answer))
    .execute(conn)?;
    Ok(())
}

/// Deletes every key used before `before`.
pub fn delete_older(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}

/// What a kept answer becomes when the record it made is deleted: the key
/// stays used (a retry creates nothing), but answers no record.
pub const FORGOTTEN: &str = "{\"forgotten\":true}";

/// Forgets the kept answer of the create that made pupil `id` (its name
/// must not outlive its record); call inside the pupil's deletion. A
/// pupil's answer is its record as the API writes it, which begins with
/// its `id` and `school_id`.
pub fn forget_pupil(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::answer.like(format!("{{\"id\":{id},\"school_id\":%"))),
    )
    .set(idempotency_keys::answer.eq(FORGOTTEN))
    .execute(conn)
}

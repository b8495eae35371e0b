//! Failed sign-ins per key (an email, or a client address), shared by every
//! kadry process through the database.
//!
//! An attempt is reserved before its password is checked, in one atomic
//! statement: the count goes up first, and an attempt that would pass the
//! limit is refused without a check. However many requests arrive at once, at
//! most `limit` passwords are checked per key and window, and the stored
//! count is exactly the number of reservations made.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use super::DbConnection;
use super::schema::login_throttle;
use crate::load_sql;

/// The key under which the failures of one client address are counted. No
/// email can take this form (an email has no space).
pub fn address_key(address: &std::net::IpAddr) -> String {
    format!("address {address}")
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct Attempts {
    pub email: String,
    pub failures: i32,
    pub first_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// The rules of one key's counting.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Attempts counted within this many seconds of the first.
    pub window_seconds: i64,
    /// The attempt that reaches this count is the last one checked.
    pub max_failures: u32,
    /// How long the key is refused once the limit is reached.
    pub lockout_seconds: i64,
}

/// The answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may be checked; it is the `n`th counted in the window.
    Granted { n: u32 },
    /// Refused until then.
    Locked { until: NaiveDateTime },
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Reserves one attempt for `key`, counting it as a failure until
/// [`clear`] or [`release`] says otherwise.
pub fn reserve(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
    limit: Limit,
) -> QueryResult<Reservation> {
    let window_start = now - chrono::Duration::seconds(limit.window_seconds);
    let lock_until = now + chrono::Duration::seconds(limit.lockout_seconds);
    let max = i32::try_from(limit.max_failures).unwrap_or(i32::MAX);
    // A row whose window has passed, or whose lockout has ended, starts again at 1.
    // The WHERE leaves a locked row untouched, and then nothing is returned.
    let counted = load_sql!(conn,
        "INSERT INTO login_throttle (email, failures, first_failure_at, locked_until) \
         VALUES (?, 1, ?, CASE WHEN 1 >= ? THEN ? ELSE NULL END) \
         ON CONFLICT (email) DO UPDATE SET \
           failures = CASE WHEN login_throttle.first_failure_at < ? OR login_throttle.locked_until IS NOT NULL \
                      THEN 1 ELSE login_throttle.failures + 1 END, \
           first_failure_at = CASE WHEN login_throttle.first_failure_at < ? OR login_throttle.locked_until IS NOT NULL \
                      THEN ? ELSE login_throttle.first_failure_at END, \
           locked_until = CASE WHEN (CASE WHEN login_throttle.first_failure_at < ? OR login_throttle.locked_until IS NOT NULL \
                      THEN 1 ELSE login_throttle.failures + 1 END) >= ? THEN ? ELSE NULL END \
         WHERE login_throttle.locked_until IS NULL OR login_throttle.locked_until <= ? \
         RETURNING failures",
        Counted;
        Text => key, Timestamp => now, Integer => max, Timestamp => lock_until,
        Timestamp => window_start,
        Timestamp => window_start, Timestamp => now,
        Timestamp => window_start, Integer => max, Timestamp => lock_until,
        Timestamp => now,
    )?;
    if let Some(counted) = counted.first() {
        return Ok(Reservation::Granted {
            n: u32::try_from(counted.failures).unwrap_or(0),
        });
    }
    let until = find(conn, key)?
        .and_then(|attempts| attempts.locked_until)
        .unwrap_or(now);
    Ok(Reservation::Locked { until })
}

pub fn find(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Attempts>> {
    login_throttle::table
        .find(key)
        .select(Attempts::as_select())
        .first(conn)
        .optional()
}

/// Forgets every failure of `key` (a correct password for an email).
pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Takes back one reservation of `key` that turned out not to be a failure
/// (a correct password, counted against its client address; or an attempt
/// refused for another reason before its password was checked).
pub fn release(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failures.gt(0)),
    )
    .set(login_throttle::failures.eq(login_throttle::failures - 1))
    .execute(conn)?;
    Ok(())
}

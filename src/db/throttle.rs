//! Failed sign-ins per email, shared by every kadry process through the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::login_throttle;
use crate::config::ThrottleSettings;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct Attempts {
    pub email: String,
    pub failures: i32,
    pub first_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

impl Attempts {
    /// Failures that still count at `now`: those inside the window.
    pub fn recent_failures(&self, now: NaiveDateTime, settings: &ThrottleSettings) -> u32 {
        let window = chrono::Duration::seconds(settings.window_seconds);
        if now - self.first_failure_at > window {
            0
        } else {
            u32::try_from(self.failures).unwrap_or(0)
        }
    }
}

pub fn find(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Attempts>> {
    login_throttle::table
        .find(email)
        .select(Attempts::as_select())
        .first(conn)
        .optional()
}

/// Counts one more failure; at `max_failures` inside the window the email is locked out.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    now: NaiveDateTime,
    settings: &ThrottleSettings,
) -> QueryResult<()> {
    super::write_transaction(conn, |conn| {
        let previous = find(conn, email)?;
        let failures = previous
            .as_ref()
            .map(|attempts| attempts.recent_failures(now, settings))
            .unwrap_or(0)
            + 1;
        let first_failure_at = match &previous {
            Some(attempts) if failures > 1 => attempts.first_failure_at,
            _ => now,
        };
        let locked_until = (failures >= settings.max_failures)
            .then(|| now + chrono::Duration::seconds(settings.lockout_seconds));
        let failures = i32::try_from(failures).unwrap_or(i32::MAX);
        if previous.is_some() {
            diesel::update(login_throttle::table.find(email))
                .set((
                    login_throttle::failures.eq(failures),
                    login_throttle::first_failure_at.eq(first_failure_at),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::email.eq(email),
                    login_throttle::failures.eq(failures),
                    login_throttle::first_failure_at.eq(first_failure_at),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn clear(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(email)).execute(conn)?;
    Ok(())
}

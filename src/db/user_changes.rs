//! How a process learns that a user's authority changed, whichever process
//! changed it: on SQLite a counter row that the triggers on `users` move on
//! (read with each check), on PostgreSQL the notices on channel
//! `kadry_users` (heard by a connection of its own, waiting on its socket).

use std::ffi::{CStr, CString};
use std::time::Duration;

use diesel::prelude::*;

use super::DbConnection;

/// The channel the trigger on `users` announces each changed user's id on.
pub const CHANNEL: &str = "kadry_users";

diesel::table! {
    /// One row (SQLite only): moved on by every change of a user's authority.
    user_changes (id) {
        id -> Integer,
        n -> BigInt,
    }
}

/// The SQLite counter of changes to users' authority.
pub fn counter(conn: &mut DbConnection) -> QueryResult<i64> {
    user_changes::table
        .find(1)
        .select(user_changes::n)
        .first(conn)
}

/// User `id`'s standing and the counter, read in one transaction and so in
/// one snapshot (SQLite): the standing is exactly what the counter says.
pub fn standing_and_counter(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<(Option<super::users::Standing>, i64)> {
    conn.transaction(|conn| {
        let standing = super::users::standing(conn, id)?;
        Ok((standing, counter(conn)?))
    })
}

/// A libpq connection that listens on [`CHANNEL`] and waits on its socket,
/// so that a notice is heard the moment it arrives rather than at the next
/// poll. diesel's connection does not give its socket away, hence libpq
/// itself here, in the one place that needs it.
pub struct Listener(*mut pq_sys::PGconn);

// SAFETY: a PGconn may move between threads; the listener is used by one
// thread at a time (it is not Sync).
unsafe impl Send for Listener {}

impl Listener {
    /// Connects to `url` and listens on [`CHANNEL`]; libpq's message when it cannot.
    pub fn connect(url: &str) -> Result<Self, String> {
        super::connection::init_openssl();
        let conninfo = CString::new(url).map_err(|_| "the URL holds a NUL byte".to_string())?;
        // SAFETY: conninfo is a valid C string for the call's duration.
        let conn = unsafe { pq_sys::PQconnectdb(conninfo.as_ptr()) };
        if conn.is_null() {
            return Err("libpq could not allocate a connection".into());
        }
        let listener = Self(conn);
        // SAFETY: a live connection; the processor ignores the notices (a
        // lost connection is reported by `wait` as an error, and logged).
        unsafe { pq_sys::PQsetNoticeProcessor(conn, Some(ignore_notice), std::ptr::null_mut()) };
        listener.healthy()?;
        listener.execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(listener)
    }

    fn healthy(&self) -> Result<(), String> {
        // SAFETY: self.0 is a live connection until drop.
        let status = unsafe { pq_sys::PQstatus(self.0) };
        if status == pq_sys::ConnStatusType::CONNECTION_OK {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn error(&self) -> String {
        // SAFETY: PQerrorMessage returns a string owned by the connection,
        // valid until the next call on it; it is copied at once.
        let message = unsafe { CStr::from_ptr(pq_sys::PQerrorMessage(self.0)) };
        let message = message.to_string_lossy().trim().to_string();
        if message.is_empty() {
            "the connection was lost".into()
        } else {
            message
        }
    }

    fn execute(&self, sql: &str) -> Result<(), String> {
        let sql = CString::new(sql).map_err(|_| "the statement holds a NUL byte".to_string())?;
        // SAFETY: a live connection and a valid C string; the result is
        // cleared before returning.
        unsafe {
            let result = pq_sys::PQexec(self.0, sql.as_ptr());
            let status = if result.is_null() {
                None
            } else {
                Some(pq_sys::PQresultStatus(result))
            };
            pq_sys::PQclear(result);
            match status {
                Some(
                    pq_sys::ExecStatusType::PGRES_COMMAND_OK
                    | pq_sys::ExecStatusType::PGRES_EMPTY_QUERY,
                ) => Ok(()),
                _ => Err(self.error()),
            }
        }
    }

    /// The connection's socket, for a check that a notice is waiting to be read.
    pub fn socket(&self) -> i32 {
        // SAFETY: a live connection.
        unsafe { pq_sys::PQsocket(self.0) }
    }

    /// Waits up to `timeout` for notices and returns their payloads (none
    /// when the time ran out: the connection is then asked an empty query,
    /// so that a server gone quietly is noticed); an error when the
    /// connection is lost.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<String>, String> {
        // SAFETY: a live connection.
        let socket = unsafe { pq_sys::PQsocket(self.0) };
        if socket < 0 {
            return Err(self.error());
        }
        let mut ready = libc::pollfd {
            fd: socket,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for the call's duration.
        let polled = unsafe { libc::poll(&mut ready, 1, millis) };
        if polled < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                return Ok(Vec::new());
            }
            return Err(error.to_string());
        }
        if polled == 0 {
            self.execute("")?;
        }
        // SAFETY: a live connection; each notice is copied, then freed.
        unsafe {
            if pq_sys::PQconsumeInput(self.0) == 0 {
                return Err(self.error());
            }
            let mut heard = Vec::new();
            loop {
                let notice = pq_sys::PQnotifies(self.0);
                if notice.is_null() {
                    break;
                }
                let payload = CStr::from_ptr((*notice).extra)
                    .to_string_lossy()
                    .into_owned();
                pq_sys::PQfreemem(notice.cast());
                heard.push(payload);
            }
            self.healthy()?;
            Ok(heard)
        }
    }
}

extern "C" fn ignore_notice(_: *mut libc::c_void, _: *const libc::c_char) {}

/// Whether `socket` has data waiting to be read, without waiting or reading.
pub fn waiting(socket: i32) -> bool {
    let mut ready = libc::pollfd {
        fd: socket,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the call's duration; a zero timeout.
    let polled = unsafe { libc::poll(&mut ready, 1, 0) };
    polled != 0
}

impl Drop for Listener {
    fn drop(&mut self) {
        // SAFETY: the connection is live and not used after this.
        unsafe { pq_sys::PQfinish(self.0) }
    }
}

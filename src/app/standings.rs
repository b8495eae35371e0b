//! Each process's copy of the users' standing (role, organization, disabled,
//! token version) that every request's authority is checked against, kept
//! exact: a copy is used only while nothing can have changed it.
//!
//! - SQLite: every check reads the counter the triggers on `users` move on
//!   (one row, on a connection of the cache's own that never waits for a
//!   lock); when it moved, whichever process changed a user, every copy is
//!   dropped. A user not kept is read on that connection together with the
//!   counter, in one snapshot, and kept only when it was read under the
//!   counter the check read. A check that cannot read them reads the user
//!   on a pooled connection and keeps nothing.
//! - PostgreSQL: a thread of the process listens on `kadry_users`, which the
//!   trigger announces each changed user's id on when the change commits,
//!   and drops that user's copy as the notice arrives. While it is not
//!   listening (starting, or the connection lost) nothing is kept and every
//!   check reads the user; when it listens again, every copy is dropped,
//!   since a notice may have been missed.
//!
//! A change made by this process drops its copy before the change's answer
//! is sent, whatever the backend. A copy read from the database is kept only
//! when nothing was dropped while it was read, so a read that raced a change
//! never brings the old standing back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, Once, RwLock};
use std::time::Duration;

use crate::db::users::Standing;
use crate::db::{ConnectionManager, DatabaseUrl, DbConnection, user_changes};

pub struct Standings {
    kept: RwLock<Kept>,
    source: Source,
}

#[derive(Default)]
struct Kept {
    users: HashMap<i64, Standing>,
    /// Moved on whenever a copy is dropped.
    generation: u64,
    /// SQLite: the counter the copies were read under.
    counter: Option<i64>,
}

enum Source {
    Sqlite {
        manager: ConnectionManager,
        conn: Mutex<Option<DbConnection>>,
    },
    Postgres {
        url: String,
        started: Once,
        /// The listener's socket while it listens, else -1.
        listening: Arc<AtomicI32>,
        /// How many notices the listener has heard, and of whom the last.
        heard: tokio::sync::watch::Sender<(u64, i64)>,
    },
}

/// What a read of a user may be kept under: the generation it started in.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// The answer of [`Standings::look`].
#[derive(Debug)]
pub enum Look {
    /// The user's standing, exact now (`None`: there is no such user).
    Known(Option<Standing>),
    /// Read the user; keep it under the ticket, if there is one.
    Read(Option<Ticket>),
}

/// Copies kept at most; past it they are all dropped (a region has a few
/// thousand users, so this is only a bound).
const MOST: usize = 100_000;

impl Standings {
    pub fn new(manager: &ConnectionManager) -> Arc<Self> {
        let source = match manager.url() {
            DatabaseUrl::Postgres(url) => Source::Postgres {
                url: url.clone(),
                started: Once::new(),
                listening: Arc::new(AtomicI32::new(-1)),
                heard: tokio::sync::watch::Sender::new((0, 0)),
            },
            DatabaseUrl::Sqlite(_) => Source::Sqlite {
                manager: manager.clone(),
                conn: Mutex::new(None),
            },
        };
        Arc::new(Self {
            kept: RwLock::new(Kept::default()),
            source,
        })
    }

    /// The copy of user `id` if one may be used now, else whether what is
    /// read of the user from the database may be kept.
    pub fn look(self: &Arc<Self>, id: i64) -> Look {
        let Some((ticket, counter)) = self.ticket() else {
            return Look::Read(None);
        };
        {
            let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
            if kept.generation != ticket.0 {
                return Look::Read(None);
            }
            if let Some(standing) = kept.users.get(&id) {
                metrics::counter!("kadry_kept_users_total", "result" => "hit").increment(1);
                return Look::Known(Some(standing.clone()));
            }
        }
        metrics::counter!("kadry_kept_users_total", "result" => "miss").increment(1);
        let Source::Sqlite { manager, conn } = &self.source else {
            return Look::Read(Some(ticket));
        };
        // SQLite: the user and the counter are read in one snapshot, so a
        // copy is kept only when it was read under the very counter the
        // check read, whatever else happened meanwhile.
        match read_standing(manager, conn, id) {
            Some((standing, read_under)) => {
                if read_under == counter
                    && let Some(standing) = &standing
                {
                    self.keep(ticket, id, standing.clone());
                }
                Look::Known(standing)
            }
            None => Look::Read(None),
        }
    }

    /// Keeps what was read of user `id` under `ticket`, unless a copy was
    /// dropped since (the read may have raced a change).
    pub fn keep(&self, ticket: Ticket, id: i64, standing: Standing) {
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if kept.generation != ticket.0 {
            return;
        }
        if kept.users.len() >= MOST {
            kept.users.clear();
        }
        kept.users.insert(id, standing);
    }

    /// How many users are kept, for the metrics.
    pub fn kept_count(&self) -> usize {
        self.kept
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .users
            .len()
    }

    /// Drops the copy of user `id` (this process changed it).
    pub fn forget(&self, id: i64) {
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        kept.users.remove(&id);
        kept.generation += 1;
    }

    fn forget_all(&self) {
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        kept.users.clear();
        kept.generation += 1;
    }

    /// The ticket a check may use copies under, with the SQLite counter it
    /// read (0 on PostgreSQL); `None` when the user is to be read, not kept.
    fn ticket(self: &Arc<Self>) -> Option<(Ticket, i64)> {
        match &self.source {
            Source::Sqlite { manager, conn } => {
                let counter = read_counter(manager, conn)?;
                {
                    let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
                    match kept.counter {
                        Some(kept_under) if kept_under == counter => {
                            return Some((Ticket(kept.generation), counter));
                        }
                        // A check that read the counter before another
                        // check moved the copies on: the counter only
                        // grows, so this one reads the user.
                        Some(kept_under) if kept_under > counter => return None,
                        _ => {}
                    }
                }
                let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
                match kept.counter {
                    Some(kept_under) if kept_under > counter => return None,
                    Some(kept_under) if kept_under == counter => {}
                    _ => {
                        kept.users.clear();
                        kept.generation += 1;
                        kept.counter = Some(counter);
                    }
                }
                Some((Ticket(kept.generation), counter))
            }
            Source::Postgres {
                url,
                started,
                listening,
                ..
            } => {
                started.call_once(|| self.start_listening(url.clone(), listening.clone()));
                // Not listening, or a notice arrived that the listener has
                // not read yet: the user is read.
                let socket = listening.load(Ordering::Acquire);
                if socket < 0 || user_changes::waiting(socket) {
                    return None;
                }
                let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
                Some((Ticket(kept.generation), 0))
            }
        }
    }

    /// Where the listener's count of notices stands (PostgreSQL), for
    /// [`Standings::heard_since`].
    pub fn mark(&self) -> u64 {
        match &self.source {
            Source::Postgres { heard, .. } => heard.borrow().0,
            Source::Sqlite { .. } => 0,
        }
    }

    /// Waits, at most `most`, until this process's listener has heard the
    /// notice of user `id` changed after `mark` (PostgreSQL): every other
    /// process was sent it at the same moment, so a change answered after
    /// this is already being dropped everywhere. At once on SQLite, where
    /// every check reads the counter.
    pub async fn heard_since(&self, mark: u64, id: i64, most: Duration) {
        let Source::Postgres {
            heard, listening, ..
        } = &self.source
        else {
            return;
        };
        if listening.load(Ordering::Acquire) < 0 {
            return;
        }
        let mut seen = heard.subscribe();
        let _ = tokio::time::timeout(
            most,
            seen.wait_for(|(count, last)| *count > mark && *last == id),
        )
        .await;
    }

    fn heard(&self, id: i64) {
        if let Source::Postgres { heard, .. } = &self.source {
            heard.send_modify(|(count, last)| {
                *count += 1;
                *last = id;
            });
        }
    }

    fn start_listening(self: &Arc<Self>, url: String, listening: Arc<AtomicI32>) {
        let standings = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("kadry-users-listener".into())
            .spawn(move || listen(&url, &listening, &standings));
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start listening for changed users; every request reads its user");
        }
    }
}

/// The SQLite counter on the cache's own connection: read with a zero busy
/// timeout, so the check never waits (a read in WAL mode takes no lock that
/// a writer holds); `None` when it could not be read.
fn read_counter(manager: &ConnectionManager, conn: &Mutex<Option<DbConnection>>) -> Option<i64> {
    on_own_connection(manager, conn, user_changes::counter)
}

/// User `id` and the counter, read in one snapshot on the cache's own
/// connection (never waiting for a lock); `None` when they could not be read.
fn read_standing(
    manager: &ConnectionManager,
    conn: &Mutex<Option<DbConnection>>,
    id: i64,
) -> Option<(Option<Standing>, i64)> {
    on_own_connection(manager, conn, |conn| {
        user_changes::standing_and_counter(conn, id)
    })
}

/// `query` on the cache's own connection, opened when there is none and
/// dropped when a query on it fails (the next check opens a new one).
fn on_own_connection<T>(
    manager: &ConnectionManager,
    conn: &Mutex<Option<DbConnection>>,
    query: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> Option<T> {
    let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
    if conn.is_none() {
        *conn = manager.connect_unwaiting().ok();
    }
    match query(conn.as_mut()?) {
        Ok(read) => Some(read),
        Err(_) => {
            *conn = None;
            None
        }
    }
}

/// The listener's loop: (re)connect, drop every copy and say it listens,
/// then drop each announced user's copy; when the connection is lost, keep
/// nothing until it listens again. Ends when the cache is gone.
fn listen(url: &str, listening: &AtomicI32, standings: &std::sync::Weak<Standings>) {
    let mut pause = Duration::from_millis(100);
    loop {
        let Some(alive) = standings.upgrade() else {
            return;
        };
        drop(alive);
        match user_changes::Listener::connect(url) {
            Ok(mut listener) => {
                pause = Duration::from_millis(100);
                let Some(alive) = standings.upgrade() else {
                    return;
                };
                alive.forget_all();
                listening.store(listener.socket(), Ordering::Release);
                drop(alive);
                loop {
                    let heard = listener.wait(Duration::from_secs(5));
                    let Some(alive) = standings.upgrade() else {
                        return;
                    };
                    match heard {
                        Ok(ids) => {
                            for id in ids {
                                match id.parse() {
                                    Ok(id) => {
                                        alive.forget(id);
                                        alive.heard(id);
                                    }
                                    Err(_) => alive.forget_all(),
                                }
                            }
                        }
                        Err(error) => {
                            listening.store(-1, Ordering::Release);
                            alive.forget_all();
                            tracing::warn!(%error, "lost the connection listening for changed users; every request reads its user until it is back");
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                tracing::debug!(%error, "cannot listen for changed users yet");
            }
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;

    use super::*;
    use crate::db::users::{self, NewUser};
    use crate::domain::Role;

    fn standings() -> (tempfile::TempDir, ConnectionManager, Arc<Standings>, i64) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("kadry.db").display());
        let manager = ConnectionManager::new(DatabaseUrl::parse(&url).unwrap(), 1000);
        crate::db::migrations::run(&manager).unwrap();
        let mut conn = manager.connect().unwrap();
        let user = users::insert(
            &mut conn,
            &NewUser {
                email: "kept@kadry.test",
                password_hash: None,
                role: Role::Analyst,
                organization_id: None,
            },
        )
        .unwrap();
        (dir, manager.clone(), Standings::new(&manager), user.id)
    }

    fn disable(manager: &ConnectionManager, id: i64) {
        diesel::sql_query(format!("UPDATE users SET disabled = TRUE WHERE id = {id}"))
            .execute(&mut manager.connect().unwrap())
            .unwrap();
    }

    #[test]
    fn a_user_read_once_is_kept_until_the_counter_moves() {
        let (_dir, manager, standings, id) = standings();
        let Look::Known(Some(read)) = standings.look(id) else {
            panic!("the first look reads the user on the cache's connection");
        };
        assert!(!read.disabled);
        assert_eq!(standings.kept_count(), 1);
        assert!(matches!(standings.look(id), Look::Known(Some(_))));
        disable(&manager, id);
        // Another connection changed the user: the copy is dropped, the user read again.
        let Look::Known(Some(read)) = standings.look(id) else {
            panic!("the user is read again");
        };
        assert!(read.disabled);
        assert!(matches!(standings.look(99_999), Look::Known(None)));
    }

    #[test]
    fn a_check_that_read_an_older_counter_than_the_copies_keeps_nothing() {
        let (_dir, _manager, standings, id) = standings();
        let Look::Known(Some(_)) = standings.look(id) else {
            panic!("the user is read");
        };
        // As if a slower check had read the counter before another check
        // moved the copies on to a newer one.
        standings.kept.write().unwrap().counter = Some(i64::MAX);
        assert!(matches!(standings.look(id), Look::Read(None)));
        let kept = standings.kept.read().unwrap();
        assert_eq!(
            kept.counter,
            Some(i64::MAX),
            "the copies are not moved back"
        );
        assert_eq!(kept.users.len(), 1);
    }
}

//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1), always on the blocking pool.
//!
//! Each hash holds 19 MiB for its whole run, so the number running at once is
//! bounded by a gate sized to the cores, with a short queue behind it; past the
//! queue a caller is told to come back (`Busy`) instead of waiting with memory
//! and a thread taken. Freed hash memory goes back to the system (see
//! [`return_freed_memory`]).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Password;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params =
        Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new password into a PHC string. CPU-heavy: call off the async executor.
pub fn hash(password: &Password) -> anyhow::Result<String> {
    let hash = hasher()?
        .hash_password(password.expose().as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored hash. Without a stored hash (an unknown
/// email, or a user who has not set a password yet) it still spends the time
/// of one verification, so that the answer's timing does not tell which.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let Ok(argon2) = hasher() else {
        return false;
    };
    let candidate = stored.and_then(|stored| PasswordHash::new(stored).ok());
    match candidate {
        Some(hash) => argon2.verify_password(password.as_bytes(), &hash).is_ok(),
        None => {
            let _ = argon2.hash_password(password.as_bytes());
            false
        }
    }
}

/// Hashes waiting for a turn, per core, before callers are turned away.
const QUEUE_PER_CORE: usize = 16;

/// How the hashing gate stands: hashes running, and admitted but waiting.
pub fn gate_load() -> (usize, usize) {
    let gate = gate();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let running = cores.saturating_sub(gate.running.available_permits());
    let admitted = gate.admitted.load(Ordering::Acquire);
    (running, admitted.saturating_sub(running))
}

/// Every hash is already running or queued: try again in a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

struct Gate {
    running: Semaphore,
    admitted: AtomicUsize,
    capacity: usize,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Gate {
            running: Semaphore::new(cores),
            admitted: AtomicUsize::new(0),
            capacity: cores * (1 + QUEUE_PER_CORE),
        }
    })
}

/// Leaves the gate's count when the caller is done or gives up (a dropped request).
struct Admitted(&'static Gate);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `work` on the blocking pool once a core is free for it, or refuses at
/// once when the cores and the queue are all taken.
async fn through_gate<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let gate = gate();
    if gate.admitted.fetch_add(1, Ordering::AcqRel) >= gate.capacity {
        gate.admitted.fetch_sub(1, Ordering::AcqRel);
        metrics::counter!("kadry_hashing_refused_total").increment(1);
        return Err(Busy);
    }
    let _admitted = Admitted(gate);
    let _permit = gate.running.acquire().await.map_err(|_| Busy)?;
    tokio::task::spawn_blocking(work).await.map_err(|_| Busy)
}

/// Runs `hash` on the blocking pool, through the gate.
pub async fn hash_blocking(password: Password) -> Result<anyhow::Result<String>, Busy> {
    through_gate(move || hash(&password)).await
}

/// Runs `verify` on the blocking pool, through the gate.
pub async fn verify_blocking(password: String, stored: Option<String>) -> Result<bool, Busy> {
    through_gate(move || verify(&password, stored.as_deref())).await
}

/// Makes the allocator hand large freed blocks back to the system at once.
///
/// glibc raises its mmap threshold after a large block is freed, so from the
/// second hash on each 19 MiB block comes from a per-thread heap that keeps it:
/// a burst of hashes on many threads left gigabytes resident for good. A fixed
/// threshold keeps every block above 1 MiB in its own mapping, unmapped on free.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes the allocator's tuning; it is called
            // once, before the server's threads allocate hash memory.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_turns_away_what_it_cannot_queue() {
        let capacity = gate().capacity;
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
        let mut held = Vec::new();
        for _ in 0..capacity {
            let wait = wait.clone();
            held.push(tokio::spawn(through_gate(move || {
                let _ = wait.lock().unwrap().recv();
            })));
        }
        while gate().admitted.load(Ordering::Acquire) < capacity {
            tokio::task::yield_now().await;
        }
        assert_eq!(through_gate(|| ()).await, Err(Busy));
        for _ in 0..capacity {
            release.send(()).unwrap();
        }
        for task in held {
            assert_eq!(task.await.unwrap(), Ok(()));
        }
        assert_eq!(through_gate(|| 7).await, Ok(7));
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let password = Password::parse("correct horse battery").unwrap();
        let stored = hash(&password).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse batterY", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("correct horse battery", Some("not a hash")));
    }
}

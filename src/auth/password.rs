//! Password hashing with argon2id (m = 19456 KiB, t = 2, p = 1), always on the blocking pool.

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

/// Runs `hash` on the blocking pool.
pub async fn hash_blocking(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// Runs `verify` on the blocking pool.
pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

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

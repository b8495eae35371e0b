//! Conditional and repeatable writes.
//!
//! An entity tag is a digest of a record's representation, exactly as the
//! API writes it: any change a reader could see changes the tag. A write
//! with `If-Match` locks the record, reads its representation in the same
//! transaction and refuses (`AppError::PreconditionFailed`) unless the tag
//! is one of those given. A create with an `Idempotency-Key` keeps its
//! answer in the creating transaction; the same key again returns it.

use chrono::{Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::Context;
use crate::db::locks::{self, Lock};
use crate::db::{DbConnection, idempotency};
use crate::error::{AppError, AppResult};

/// How long the answer to an idempotent create is kept.
pub const KEEP_KEYS_HOURS: i64 = 24;

/// The strong entity tag of a representation, quotes included.
pub fn entity_tag_of_json(json: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(json)[..16]))
}

/// The strong entity tag of `record` as the API serializes it.
pub fn entity_tag<T: Serialize>(record: &T) -> AppResult<String> {
    let json = serde_json::to_vec(record).map_err(|e| AppError::Internal(e.into()))?;
    Ok(entity_tag_of_json(&json))
}

/// The `If-Match` of a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// None sent: the write goes through.
    #[default]
    Absent,
    /// `*`: the record must exist.
    Any,
    /// The write goes through only when the record's tag is one of these.
    Tags(Vec<String>),
}

impl IfMatch {
    /// Within a write transaction: locks the record, reads its current
    /// representation with `current` (`None` when it does not exist) and
    /// refuses the write unless the precondition holds.
    pub fn check<T: Serialize>(
        &self,
        conn: &mut DbConnection,
        lock: Lock,
        current: impl FnOnce(&mut DbConnection) -> AppResult<Option<T>>,
    ) -> AppResult<()> {
        if *self == Self::Absent {
            return Ok(());
        }
        locks::lock(conn, lock)?;
        let holds = match (self, current(conn)?) {
            (_, None) => false,
            (Self::Tags(tags), Some(record)) => tags.contains(&entity_tag(&record)?),
            _ => true,
        };
        if holds {
            Ok(())
        } else {
            Err(AppError::PreconditionFailed)
        }
    }
}

/// The `Idempotency-Key` of a create, with a digest of the request
/// (method, path and body) it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Once {
    pub key: String,
    pub fingerprint: String,
}

/// `value` with every number that is a whole number written as an integer
/// (`3.0` as `3`), as the API reads such numbers.
fn whole_numbers_as_integers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(x)
                if !number.is_i64()
                    && !number.is_u64()
                    && x.fract() == 0.0
                    && x.abs() < 9_007_199_254_740_992.0 =>
            {
                Value::from(x as i64)
            }
            _ => Value::Number(number),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_numbers_as_integers).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(name, value)| (name, whole_numbers_as_integers(value)))
                .collect(),
        ),
        other => other,
    }
}

impl Once {
    /// The key when it is 1 to 255 visible ASCII characters.
    pub fn new(key: &str, method: &str, path: &str, body: &[u8]) -> Option<Self> {
        let valid =
            (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !valid {
            return None;
        }
        // A JSON body is compared as JSON, as the API reads it (keys sorted,
        // spacing dropped, a whole number written with a fraction as the
        // integer it is: `3.0` is `3`), so a client that writes the same
        // request out again matches.
        let canonical = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .map(whole_numbers_as_integers)
            .and_then(|value| serde_json::to_vec(&value).ok());
        let body = canonical.as_deref().unwrap_or(body);
        let mut digest = Sha256::new();
        for part in [method.as_bytes(), b" ", path.as_bytes(), b"\n", body] {
            digest.update(part);
        }
        Some(Self {
            key: key.to_string(),
            fingerprint: hex::encode(digest.finalize()),
        })
    }
}

impl Context {
    /// Runs a create in a write transaction. With `once`, the first request
    /// with that key (of this user, in the last 24 hours) creates and its
    /// answer is kept in the same transaction; a later one with the same key
    /// and request gets that answer again and creates nothing; the same key
    /// with another request is invalid.
    pub async fn create<T, F>(&self, user_id: i64, once: Option<Once>, work: F) -> AppResult<T>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
    {
        self.write(move |conn| {
            let Some(once) = once else {
                return work(conn);
            };
            let now = Utc::now().naive_utc();
            let expired_before = now - Duration::hours(KEEP_KEYS_HOURS);
            match idempotency::claim(
                conn,
                user_id,
                &once.key,
                &once.fingerprint,
                now,
                expired_before,
            )? {
                idempotency::Claim::Claimed => {
                    let created = work(conn)?;
                    let answer = serde_json::to_string(&created)
                        .map_err(|e| AppError::Internal(e.into()))?;
                    idempotency::answer(conn, user_id, &once.key, &answer)?;
                    Ok(created)
                }
                idempotency::Claim::Used {
                    fingerprint,
                    answer,
                } => {
                    if fingerprint != once.fingerprint {
                        return Err(AppError::invalid(
                            "Idempotency-Key",
                            "was used in the last 24 hours for another request",
                        ));
                    }
                    if answer == idempotency::FORGOTTEN {
                        return Err(AppError::Conflict(
                            "what this Idempotency-Key created has been deleted since".into(),
                        ));
                    }
                    serde_json::from_str(&answer).map_err(|e| AppError::Internal(e.into()))
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idempotency_key_is_1_to_255_visible_ascii_characters() {
        assert!(Once::new("k", "POST", "/p", b"{}").is_some());
        assert!(Once::new(&"k".repeat(255), "POST", "/p", b"{}").is_some());
        assert!(Once::new(&"k".repeat(256), "POST", "/p", b"{}").is_none());
        assert!(Once::new("", "POST", "/p", b"{}").is_none());
        assert!(Once::new("a b", "POST", "/p", b"{}").is_none());
        assert!(Once::new("ключ", "POST", "/p", b"{}").is_none());
        let one = Once::new("k", "POST", "/p", b"{}").map(|once| once.fingerprint);
        let spaced = Once::new("k", "POST", "/p", b"{ }").map(|once| once.fingerprint);
        assert_eq!(one, spaced, "the same JSON, written otherwise");
        let other = Once::new("k", "POST", "/p", b"{\"a\": 1}").map(|once| once.fingerprint);
        assert_ne!(one, other);
        // A whole number with a fraction is the integer it is, as the API reads it.
        let fraction = Once::new("k", "POST", "/p", b"{\"a\": [1.0, {\"b\": 3.0}]}")
            .map(|once| once.fingerprint);
        let whole =
            Once::new("k", "POST", "/p", b"{\"a\": [1, {\"b\": 3}]}").map(|once| once.fingerprint);
        assert_eq!(fraction, whole);
        let half = Once::new("k", "POST", "/p", b"{\"a\": [1.5, {\"b\": 3}]}")
            .map(|once| once.fingerprint);
        assert_ne!(half, whole);
    }

    #[test]
    fn the_tag_follows_the_representation() {
        let a = entity_tag(&serde_json::json!({"seats": 5})).ok();
        let b = entity_tag(&serde_json::json!({"seats": 6})).ok();
        assert_ne!(a, b);
        assert_eq!(a, entity_tag(&serde_json::json!({"seats": 5})).ok());
    }
}

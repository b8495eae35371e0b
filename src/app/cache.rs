//! Answers computed from the data, kept while the data's generation is the
//! one they were computed under.
//!
//! A reader reads the generation first and computes after, so what it keeps
//! is at least as new as the generation it keeps it under; every write
//! transaction raises the generation before it commits, and every server
//! process reads it from the database, so no process serves an answer older
//! than the last committed write.

use std::any::Any;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// At most this many answers of one kind are kept; past it they are all
/// dropped (the keys are few in practice: query variants, schools).
const MOST: usize = 512;

/// Answers of one kind by key, all of one generation.
pub struct Memo<K, V> {
    entries: Mutex<(i64, HashMap<K, Arc<V>>)>,
    /// The kind of answers, for the metrics.
    kind: &'static str,
}

impl<K: Eq + Hash, V> Default for Memo<K, V> {
    fn default() -> Self {
        Self::of("unnamed")
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    fn of(kind: &'static str) -> Self {
        Self {
            entries: Mutex::new((i64::MIN, HashMap::new())),
            kind,
        }
    }

    /// The answer kept for `key` under `generation` (counted as a hit or a
    /// miss of its kind).
    pub fn get(&self, generation: i64, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        let kept = if entries.0 == generation {
            entries.1.get(key).cloned()
        } else {
            None
        };
        let result = if kept.is_some() { "hit" } else { "miss" };
        metrics::counter!("kadry_kept_answers_total", "kind" => self.kind, "result" => result)
            .increment(1);
        kept
    }

    /// Keeps `value` for `key` under `generation`; answers of an older
    /// generation are dropped, and nothing is kept under an older one.
    pub fn put(&self, generation: i64, key: K, value: Arc<V>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if generation < entries.0 {
            return;
        }
        if generation > entries.0 || entries.1.len() >= MOST {
            entries.1.clear();
            entries.0 = generation;
        }
        entries.1.insert(key, value);
    }
}

/// Every kind of answer kept, each in its own `Memo` by its name: the
/// store knows nothing of what it keeps, so the modules that compute the
/// answers are not imported here.
#[derive(Default)]
pub struct ReadCache {
    memos: Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>,
}

impl ReadCache {
    /// The memo of answers of kind `kind` (`"basis"`, `"forecasts"`, ...),
    /// made the first time it is asked for. `None` if `kind` was first
    /// asked for with other key and value types (a bug; nothing is kept then).
    pub fn memo<K, V>(&self, kind: &'static str) -> Option<Arc<Memo<K, V>>>
    where
        K: Eq + Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let mut memos = self.memos.lock().ok()?;
        let memo = memos
            .entry(kind)
            .or_insert_with(|| Arc::new(Memo::<K, V>::of(kind)))
            .clone();
        memo.downcast::<Memo<K, V>>().ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Memo;

    #[test]
    fn an_answer_is_kept_for_its_generation_only() {
        let memo: Memo<u8, &str> = Memo::default();
        memo.put(3, 1, Arc::new("three"));
        assert_eq!(memo.get(3, &1).as_deref(), Some(&"three"));
        assert_eq!(memo.get(4, &1), None, "a newer generation misses");
        assert_eq!(memo.get(2, &1), None, "an older one too");
        // A slow reader that read generation 2 cannot put its older answer back.
        memo.put(2, 1, Arc::new("two"));
        assert_eq!(memo.get(3, &1).as_deref(), Some(&"three"));
        memo.put(4, 2, Arc::new("four"));
        assert_eq!(
            memo.get(3, &1),
            None,
            "a newer generation drops the older answers"
        );
        assert_eq!(memo.get(4, &2).as_deref(), Some(&"four"));
    }

    #[test]
    fn each_kind_has_its_own_memo() {
        let cache = super::ReadCache::default();
        let a = cache.memo::<u8, String>("a").unwrap();
        a.put(1, 1, Arc::new("one".to_string()));
        let again = cache.memo::<u8, String>("a").unwrap();
        assert_eq!(again.get(1, &1).as_deref().map(String::as_str), Some("one"));
        assert!(cache.memo::<u8, String>("b").unwrap().get(1, &1).is_none());
        assert!(
            cache.memo::<u16, String>("a").is_none(),
            "another type under the same kind"
        );
    }
}

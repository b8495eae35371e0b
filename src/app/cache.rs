//! Answers computed from the data, kept while the data's generation is the
//! one they were computed under.
//!
//! A reader reads the generation first and computes after, so what it keeps
//! is at least as new as the generation it keeps it under; every write
//! transaction raises the generation before it commits, and every server
//! process reads it from the database, so no process serves an answer older
//! than the last committed write.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use super::Context;
use crate::app::forecast::Basis;
use crate::db::generation;
use crate::db::guidance::{GradeCounts, MetCount};
use crate::error::AppResult;
use crate::forecast::engine::Window;
use crate::forecast::model::Forecast;

/// At most this many answers of one kind are kept; past it they are all
/// dropped (the keys are few in practice: query variants, schools).
const MOST: usize = 512;

/// Answers of one kind by key, all of one generation.
pub struct Memo<K, V> {
    entries: Mutex<(i64, HashMap<K, Arc<V>>)>,
}

impl<K: Eq + Hash, V> Default for Memo<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new((i64::MIN, HashMap::new())),
        }
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    /// The answer kept for `key` under `generation`.
    pub fn get(&self, generation: i64, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        if entries.0 != generation {
            return None;
        }
        entries.1.get(key).cloned()
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

/// The guidance record's counts of one school and year, before protection.
#[derive(Debug, Clone)]
pub struct GuidanceCounts {
    pub grades: Vec<GradeCounts>,
    pub professions: Vec<MetCount>,
    pub clusters: Vec<MetCount>,
}

/// Every kind of answer kept.
#[derive(Default)]
pub struct ReadCache {
    /// The forecast's inputs, parameters and bounds.
    pub basis: Memo<(), Basis>,
    /// The forecast of the stored data, by window.
    pub forecasts: Memo<Window, Forecast>,
    /// Explanations of a cell, as a reader's role and organization see them.
    pub explanations: Memo<String, crate::app::forecast::Explanation>,
    /// Pupil counts, by the request's grouping, filters and exactness.
    pub pupil_stats: Memo<String, crate::app::pupils::PupilStats>,
    /// Pages of events as a reader's role and organization see them.
    pub events: Memo<String, (Vec<crate::db::events::Event>, i64)>,
    /// Guidance counts by school and academic year.
    pub guidance: Memo<(i64, i32), GuidanceCounts>,
}

impl Context {
    /// The data's generation as last committed.
    pub async fn generation(&self) -> AppResult<i64> {
        self.run(|conn| Ok(generation::current(conn)?)).await
    }

    /// The answer kept in `memo` for `key`, or `compute`d (after the
    /// generation was read) and kept.
    pub async fn remembered<K, V, F, Fut>(
        &self,
        memo: impl Fn(&ReadCache) -> &Memo<K, V>,
        key: K,
        compute: F,
    ) -> AppResult<Arc<V>>
    where
        K: Eq + Hash,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        let generation = self.generation().await?;
        if let Some(kept) = memo(&self.cache).get(generation, &key) {
            return Ok(kept);
        }
        let value = Arc::new(compute().await?);
        memo(&self.cache).put(generation, key, value.clone());
        Ok(value)
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
}

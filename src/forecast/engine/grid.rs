//! The rows a forecast shows: every profession some program trains or some
//! demand record names, by code, times the years of the window.

use std::collections::{HashMap, HashSet};

use crate::forecast::model::Inputs;

/// The rows' professions in order (by code, then id) and the years shown.
#[derive(Debug, Clone)]
pub struct Grid {
    pub professions: Vec<i64>,
    pub(super) position: HashMap<i64, usize>,
    pub from: i32,
    pub to: i32,
}

impl Grid {
    /// Every profession some program trains or some demand record names.
    pub(super) fn new(inputs: &Inputs, from: i32, to: i32) -> Self {
        let mut ids: HashSet<i64> = inputs
            .programs
            .iter()
            .flat_map(|p| p.professions.iter())
            .filter(|(_, share)| *share > 0.0)
            .map(|(id, _)| *id)
            .collect();
        ids.extend(inputs.demand.keys().map(|(id, _)| *id));
        let code = |id: &i64| {
            inputs
                .professions
                .get(id)
                .map_or(String::new(), |p| p.code.clone())
        };
        let mut professions: Vec<i64> = ids.into_iter().collect();
        professions.sort_by_key(|id| (code(id), *id));
        let position = professions
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        Self {
            professions,
            position,
            from,
            to,
        }
    }

    pub fn years(&self) -> usize {
        usize::try_from(self.to - self.from + 1).unwrap_or(0)
    }

    pub fn cells(&self) -> usize {
        self.professions.len() * self.years()
    }

    /// The cell of (profession, year), if it is in the grid.
    pub fn cell(&self, profession_id: i64, year: i32) -> Option<usize> {
        if year < self.from || year > self.to {
            return None;
        }
        let row = *self.position.get(&profession_id)?;
        Some(row * self.years() + usize::try_from(year - self.from).ok()?)
    }
}

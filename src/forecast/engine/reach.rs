//! Which programs an interest can reach: by the profession they train, or by its cluster.

use std::collections::{HashMap, HashSet};

use crate::forecast::model::{Inputs, Target};

/// Which programs an interest can reach: by profession and by cluster.
pub(crate) struct Reach {
    by_profession: HashMap<i64, Vec<usize>>,
    by_cluster: HashMap<i64, Vec<usize>>,
}

impl Reach {
    pub(super) fn new(inputs: &Inputs) -> Self {
        let mut by_profession: HashMap<i64, Vec<usize>> = HashMap::new();
        let mut by_cluster: HashMap<i64, Vec<usize>> = HashMap::new();
        for (k, program) in inputs.programs.iter().enumerate() {
            let mut clusters = HashSet::new();
            for (profession_id, _) in &program.professions {
                by_profession.entry(*profession_id).or_default().push(k);
                if let Some(profession) = inputs.professions.get(profession_id) {
                    clusters.insert(profession.cluster_id);
                }
            }
            for cluster_id in clusters {
                by_cluster.entry(cluster_id).or_default().push(k);
            }
        }
        Self {
            by_profession,
            by_cluster,
        }
    }

    /// The programs (by index, ascending) that train for what `target` names.
    pub(crate) fn candidates(&self, target: Target) -> &[usize] {
        let found = match target {
            Target::Profession(id) => self.by_profession.get(&id),
            Target::Cluster(id) => self.by_cluster.get(&id),
            Target::Open => None,
        };
        found.map_or(&[], Vec::as_slice)
    }
}

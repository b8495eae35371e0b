//! Step 2 with a weight of 1 on every path, kept by `Prepared` and made by
//! the first flow (`flow.rs`).

use std::collections::{BTreeMap, HashMap};

/// Step 2 with a weight of 1 on every path: who would apply where, and the
/// leavers with no eligible program. Step 2 is linear in the leavers, so
/// every flow is these three scaled by its shares and added up: one
/// distribution serves all the variants' runs.
#[derive(Debug, Default)]
pub(crate) struct UnitDistribution {
    /// Per path of `Paths::paths`: applicants per (program index, exit year).
    pub(crate) applicants: [HashMap<(usize, i32), f64>; 3],
    /// Per path: leavers per (exit year, entry grade) with no eligible program.
    pub(crate) pools: [BTreeMap<(i32, i32), f64>; 3],
}

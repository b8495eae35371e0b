//! The enterprises' demand: made up for a numbered region, or from the
//! catalogue's workforce plans.

use super::{Catalogue, Loaded, Scale, Stage};
use crate::db::{DbConnection, demand};
use crate::rng::Rng;

pub(super) fn load_demand(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    // Drawn at random, then one record per enterprise, profession and year:
    // a draw that repeats one adds to its headcount.
    let mut drawn: std::collections::BTreeMap<(usize, usize, i32), i32> = Default::default();
    for _ in 0..scale.demand_records {
        let e = rng.below(catalogue.enterprises.len());
        let cluster = catalogue.enterprises[e].cluster;
        let of_cluster: Vec<usize> = (0..catalogue.professions.len())
            .filter(|p| catalogue.professions[*p].cluster == cluster)
            .collect();
        let profession = if of_cluster.is_empty() {
            rng.below(catalogue.professions.len())
        } else {
            of_cluster[rng.below(of_cluster.len())]
        };
        let year = scale.academic_year + rng.between(1, scale.horizon);
        let headcount = rng.between(5, 60);
        *drawn.entry((e, profession, year)).or_default() += headcount;
    }
    let total = drawn.len();
    for (n, ((e, profession, year), headcount)) in drawn.into_iter().enumerate() {
        let fields = demand::DemandFields {
            profession_id: loaded.professions[profession],
            year,
            headcount: headcount.min(100_000),
            note: None,
        };
        demand::insert(conn, loaded.enterprises[e], &fields)?;
        loaded.demand_records += 1;
        progress(Stage::Demand, n + 1, total);
    }
    Ok(())
}

/// Demand as the enterprises' workforce plans give it: every year the base
/// replacement need plus the growth steps reached, with small noise (within
/// 5 %), one record per enterprise, profession and year. Not scaled with the
/// pupils: an enterprise's needs do not shrink with a smaller sample.
pub(super) fn load_demand_plans(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    let total = catalogue.demand_plans.len();
    for (n, plan) in catalogue.demand_plans.iter().enumerate() {
        let enterprise_id = loaded.enterprises[plan.enterprise];
        let profession_id = loaded.professions[plan.profession];
        for offset in 1..=scale.horizon {
            let grown: f64 = plan
                .growth
                .iter()
                .filter(|(from, _)| *from <= offset)
                .map(|(_, extra)| extra)
                .sum();
            let noise = 1.0 + 0.1 * (rng.unit() - 0.5);
            let headcount = ((plan.base + grown) * noise).round().max(1.0) as i32;
            demand::insert(
                conn,
                enterprise_id,
                &demand::DemandFields {
                    profession_id,
                    year: scale.academic_year + offset,
                    headcount,
                    note: None,
                },
            )?;
            loaded.demand_records += 1;
        }
        for (offset, _) in &plan.growth {
            loaded
                .growth_steps
                .push((enterprise_id, profession_id, scale.academic_year + offset));
        }
        progress(Stage::Demand, n + 1, total);
    }
    Ok(())
}

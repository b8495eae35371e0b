//! The pupils of every school, with their interests where their parents
//! consented, and every school's counts of grades 1 to 11.

use std::collections::HashMap;

use super::history::{RegionCounts, STORED_COUNT_YEARS, school_counts};
use super::{Catalogue, Loaded, Scale, Stage};
use crate::db::{DbConnection, grade_counts, pupils};
use crate::domain::pupil::{Interest, PupilFields};
use crate::rng::Rng;

/// An index drawn in proportion to `weights` (evenly when they are all 0).
pub(super) fn pick_weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return rng.below(weights.len().max(1));
    }
    let mut pick = rng.unit() * total;
    for (i, weight) in weights.iter().enumerate() {
        pick -= weight;
        if pick < 0.0 {
            return i;
        }
    }
    weights.len() - 1
}

/// Interests follow the clusters: a pupil leans to the cluster of the home
/// town's industry; otherwise interests spread like the seats that train
/// them (`weights`: clusters, professions), so that popular fields are the
/// big ones.
fn interests(
    rng: &mut Rng,
    home_cluster: usize,
    catalogue: &Catalogue,
    weights: &(Vec<f64>, Vec<f64>),
    loaded: &Loaded,
) -> Vec<Interest> {
    let count = 1 + rng.below(3);
    let mut chosen: Vec<Interest> = Vec::with_capacity(count);
    for _ in 0..count {
        let cluster = if rng.chance(catalogue.home_lean) {
            home_cluster
        } else {
            pick_weighted(rng, &weights.0)
        };
        let candidate = if rng.chance(0.4) {
            Interest {
                profession_id: None,
                cluster_id: Some(loaded.clusters[cluster]),
                weight: 1.0,
            }
        } else {
            let of_cluster: Vec<usize> = (0..catalogue.professions.len())
                .filter(|p| catalogue.professions[*p].cluster == cluster)
                .collect();
            let profession = if of_cluster.is_empty() {
                rng.below(catalogue.professions.len())
            } else {
                let within: Vec<f64> = of_cluster.iter().map(|p| weights.1[*p]).collect();
                of_cluster[pick_weighted(rng, &within)]
            };
            Interest {
                profession_id: Some(loaded.professions[profession]),
                cluster_id: None,
                weight: 1.0,
            }
        };
        let already = chosen.iter().any(|i| {
            i.profession_id == candidate.profession_id && i.cluster_id == candidate.cluster_id
        });
        if !already {
            let weight = f64::from(rng.between(1, 3));
            chosen.push(Interest {
                weight,
                ..candidate
            });
        }
    }
    chosen
}

/// A consenting pupil, for career-guidance events: `(id, school_id, grade)`.
pub(super) type Consenting = (i64, i64, i32);

/// The pupils of every school, exactly its counts of grades 5 to 11 in the
/// academic year in progress, and its counts of grades 1 to 11 for the
/// years before (`history::school_counts`); returns the consenting pupils
/// and the region's counts of the leaving grades.
pub(super) fn load_pupils(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<(Vec<Consenting>, RegionCounts)> {
    let as_of = scale.academic_year;
    let mut region = RegionCounts::default();
    let after_9 = catalogue.interest_weights(9);
    let after_11 = catalogue.interest_weights(11);
    let mut consenting = Vec::new();
    let mut done = 0;
    for (n, school_id) in loaded.schools.clone().into_iter().enumerate() {
        // Spread the pupils evenly; the last school takes the remainder.
        let in_school = if n + 1 == scale.schools {
            scale.pupils - done
        } else {
            scale.pupils / scale.schools
        };
        let home_cluster = catalogue.home_clusters[n % catalogue.home_clusters.len()];
        let counts = school_counts(rng, as_of, in_school);
        region.add(&counts);
        let grades: Vec<i32> = (5..=11)
            .flat_map(|grade| {
                let n = counts.get(&(as_of, grade)).copied().unwrap_or(0);
                std::iter::repeat_n(grade, usize::try_from(n).unwrap_or(0))
            })
            .collect();
        let mut batch: Vec<PupilFields> = Vec::with_capacity(in_school);
        for (i, grade) in grades.into_iter().enumerate() {
            let consent = rng.chance(scale.consent);
            batch.push(PupilFields {
                external_ref: format!("{}-{:05}", school_id, i + 1),
                grade,
                academic_year: scale.academic_year,
                consent,
                display_name: None,
                interests: if consent {
                    let weights = if grade <= 9 { &after_9 } else { &after_11 };
                    interests(rng, home_cluster, catalogue, weights, loaded)
                } else {
                    Vec::new()
                },
            });
        }
        crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
            let refs: Vec<&PupilFields> = batch.iter().collect();
            let ids: HashMap<String, i64> =
                pupils::insert_many_in_transaction(conn, school_id, &refs)?;
            let stored: Vec<(i64, &PupilFields)> = batch
                .iter()
                .filter_map(|pupil| ids.get(&pupil.external_ref).map(|id| (*id, pupil)))
                .collect();
            pupils::replace_interests(conn, &stored)?;
            for year in (as_of - STORED_COUNT_YEARS)..=as_of {
                let grades: Vec<(i32, i32)> = (1..=11)
                    .map(|grade| {
                        let n = counts.get(&(year, grade)).copied().unwrap_or(0);
                        (grade, i32::try_from(n).unwrap_or(i32::MAX))
                    })
                    .collect();
                grade_counts::replace_year_in_transaction(conn, school_id, year, 1..=11, &grades)?;
            }
            if catalogue.guidance {
                consenting.extend(
                    stored
                        .iter()
                        .filter(|(_, pupil)| pupil.consent)
                        .map(|(id, pupil)| (*id, school_id, pupil.grade)),
                );
            }
            Ok(())
        })?;
        done += in_school;
        progress(Stage::Pupils, done, scale.pupils);
    }
    loaded.pupils = done;
    loaded.counted_schools = loaded.schools.len();
    Ok((consenting, region))
}

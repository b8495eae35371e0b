//! A deterministic synthetic region: the same seed gives the same database.
//!
//! It loads through the database functions the API's handlers call, so what
//! it makes obeys the same rules. The scale is a parameter; the names come
//! from a `Catalogue` (numbered ones here, real Vladimir ones for the demo).

use std::collections::HashMap;

use anyhow::Context;

use crate::db::{DbConnection, clusters, demand, organizations, professions, programs, pupils};
use crate::domain::OrganizationKind;
use crate::domain::pupil::{Interest, PupilFields};
pub use crate::rng::Rng;

/// How big a region to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub seed: u64,
    pub pupils: usize,
    pub schools: usize,
    pub programs: usize,
    pub enterprises: usize,
    pub demand_records: usize,
    /// The academic year the pupils are recorded in.
    pub academic_year: i32,
    /// Demand is posted for `academic_year + 1 ..= academic_year + horizon`.
    pub horizon: i32,
    /// Share of pupils with parental consent (and so with interests).
    pub consent: f64,
}

impl Scale {
    /// About the Vladimir region: 85,000 pupils in grades 5-11 in 100 schools,
    /// 60 programs, 25 enterprises, 300 demand records over ten years. Pupils
    /// are recorded in the academic year that started last calendar year, so
    /// that demand (from next year on) is always in the API's range.
    pub fn region(seed: u64) -> Self {
        Self {
            seed,
            pupils: 85_000,
            schools: 100,
            programs: 60,
            enterprises: 25,
            demand_records: 300,
            academic_year: crate::domain::numbers::current_year() - 1,
            horizon: 10,
            consent: 0.8,
        }
    }

    /// The region's proportions for another number of pupils.
    pub fn with_pupils(seed: u64, pupils: usize) -> Self {
        let region = Self::region(seed);
        let factor = pupils as f64 / region.pupils as f64;
        let scaled = |n: usize, min: usize| ((n as f64 * factor).round() as usize).max(min);
        Self {
            pupils,
            schools: scaled(region.schools, 1),
            programs: scaled(region.programs, 4),
            enterprises: scaled(region.enterprises, 2),
            demand_records: scaled(region.demand_records, 4),
            ..region
        }
    }
}

/// Pupils per grade relative to grade 5: grades 5-9 about 14,000 each, 10-11 about 8,500.
const GRADE_WEIGHTS: [(i32, f64); 7] = [
    (5, 14.0),
    (6, 14.0),
    (7, 14.0),
    (8, 14.0),
    (9, 14.0),
    (10, 8.5),
    (11, 8.5),
];

pub struct ClusterSpec {
    pub name: String,
    pub industry: String,
}

pub struct ProfessionSpec {
    pub code: String,
    pub title: String,
    /// Index into the catalogue's clusters.
    pub cluster: usize,
}

pub struct InstitutionSpec {
    pub kind: OrganizationKind,
    pub name: String,
    pub town: String,
    pub email: String,
    /// Indexes of professions it trains for, one program each at most.
    pub professions: Vec<usize>,
}

pub struct EnterpriseSpec {
    pub name: String,
    pub town: String,
    pub email: String,
    pub cluster: usize,
}

/// The names a generated region uses.
pub struct Catalogue {
    pub clusters: Vec<ClusterSpec>,
    pub professions: Vec<ProfessionSpec>,
    pub institutions: Vec<InstitutionSpec>,
    pub enterprises: Vec<EnterpriseSpec>,
    /// The town of each school in turn (cycled when there are more schools).
    pub towns: Vec<String>,
    /// For each entry of `towns`: the cluster its pupils lean to (an index into `clusters`).
    pub home_clusters: Vec<usize>,
}

impl Catalogue {
    /// Numbered names for a region of this scale: 5 clusters, 30 professions,
    /// one institution per four programs.
    pub fn numbered(scale: &Scale) -> Self {
        let clusters: Vec<ClusterSpec> = (1..=5)
            .map(|n| ClusterSpec {
                name: format!("Cluster {n}"),
                industry: format!("industry {n}"),
            })
            .collect();
        let professions: Vec<ProfessionSpec> = (0..30)
            .map(|n| ProfessionSpec {
                code: format!("{:02}.0{}.{:02}", 10 + n % 20, 1 + n % 2, n),
                title: format!("Profession {n}"),
                cluster: n % clusters.len(),
            })
            .collect();
        let institutions = (0..scale.programs.div_ceil(4))
            .map(|n| InstitutionSpec {
                kind: if n % 5 == 4 {
                    OrganizationKind::University
                } else {
                    OrganizationKind::College
                },
                name: format!("College {n}"),
                town: format!("Town {}", n % 10),
                email: format!("college{n}@region.test"),
                professions: (0..professions.len())
                    .filter(|p| p % 7 == n % 7 || p % 11 == n % 11)
                    .collect(),
            })
            .collect();
        let enterprises = (0..scale.enterprises)
            .map(|n| EnterpriseSpec {
                name: format!("Enterprise {n}"),
                town: format!("Town {}", n % 10),
                email: format!("plant{n}@region.test"),
                cluster: n % clusters.len(),
            })
            .collect();
        Self {
            clusters,
            professions,
            institutions,
            enterprises,
            towns: (0..10).map(|n| format!("Town {n}")).collect(),
            home_clusters: (0..10).map(|n| n % 5).collect(),
        }
    }
}

/// What was made, with the ids a caller needs to go on (demo users, say).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub clusters: Vec<i64>,
    pub professions: Vec<i64>,
    pub schools: Vec<i64>,
    pub institutions: Vec<i64>,
    pub enterprises: Vec<i64>,
    pub programs: usize,
    pub pupils: usize,
    pub demand_records: usize,
}

/// Steps of a load, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Catalogue,
    Programs,
    Pupils,
    Demand,
}

/// Loads a region into an empty database. `progress(stage, done, total)` is
/// called as it goes.
pub fn load(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    mut progress: impl FnMut(Stage, usize, usize),
) -> anyhow::Result<Loaded> {
    let mut rng = Rng::new(scale.seed);
    let mut loaded = Loaded::default();
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        load_catalogue(conn, scale, catalogue, &mut loaded)?;
        progress(Stage::Catalogue, 1, 1);
        load_programs(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)?;
        Ok(())
    })?;
    load_pupils(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)?;
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        load_demand(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)
    })?;
    Ok(loaded)
}

fn load_catalogue(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    loaded: &mut Loaded,
) -> anyhow::Result<()> {
    for cluster in &catalogue.clusters {
        loaded
            .clusters
            .push(clusters::insert(conn, &cluster.name, &cluster.industry)?.id);
    }
    for profession in &catalogue.professions {
        let new = professions::NewProfession {
            code: profession.code.clone(),
            title: profession.title.clone(),
            cluster_id: loaded.clusters[profession.cluster],
        };
        loaded.professions.push(
            professions::insert(conn, &new)
                .with_context(|| format!("profession {}", profession.code))?
                .id,
        );
    }
    let organization = |kind, name: &str, town: &str, email: &str, cluster_ids: Vec<i64>| {
        organizations::NewOrganization {
            kind,
            name: name.to_string(),
            town: town.to_string(),
            email: email.to_string(),
            cluster_ids,
        }
    };
    for n in 0..scale.schools {
        let town = &catalogue.towns[n % catalogue.towns.len()];
        let new = organization(
            OrganizationKind::School,
            &format!("Школа № {} ({town})", n + 1),
            town,
            &format!("school{}@schools.test", n + 1),
            Vec::new(),
        );
        loaded
            .schools
            .push(organizations::insert_in_transaction(conn, &new)?.id);
    }
    for institution in &catalogue.institutions {
        let mut cluster_ids: Vec<i64> = institution
            .professions
            .iter()
            .map(|p| loaded.clusters[catalogue.professions[*p].cluster])
            .collect();
        cluster_ids.sort_unstable();
        cluster_ids.dedup();
        let new = organization(
            institution.kind,
            &institution.name,
            &institution.town,
            &institution.email,
            cluster_ids,
        );
        loaded
            .institutions
            .push(organizations::insert_in_transaction(conn, &new)?.id);
    }
    for enterprise in &catalogue.enterprises {
        let new = organization(
            OrganizationKind::Enterprise,
            &enterprise.name,
            &enterprise.town,
            &enterprise.email,
            vec![loaded.clusters[enterprise.cluster]],
        );
        loaded
            .enterprises
            .push(organizations::insert_in_transaction(conn, &new)?.id);
    }
    Ok(())
}

fn load_programs(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    let first_intake = scale.academic_year + 1;
    for n in 0..scale.programs {
        let k = n % catalogue.institutions.len();
        let institution = &catalogue.institutions[k];
        let university = institution.kind == OrganizationKind::University;
        let choices = &institution.professions;
        let main =
            choices[(n / catalogue.institutions.len() + rng.below(choices.len())) % choices.len()];
        let mut trained = vec![(loaded.professions[main], 1.0)];
        if choices.len() > 1 && rng.chance(0.3) {
            let second = choices.iter().copied().find(|p| *p != main).unwrap_or(main);
            trained = vec![
                (loaded.professions[main], 0.7),
                (loaded.professions[second], 0.3),
            ];
        }
        let profession = &catalogue.professions[main];
        let skilled_worker = profession.code.get(3..5) == Some("01");
        let (entry_grade, duration_months) = match (university, skilled_worker, rng.below(3)) {
            (true, _, _) => (11, 48),
            (false, true, _) => (9, 34),
            (false, false, 0) => (9, 46),
            (false, false, _) => (9, 34),
        };
        // University programs are bachelor's programs: level 03 of the same group.
        let specialty_code = match (
            university,
            profession.code.get(..3),
            profession.code.get(5..),
        ) {
            (true, Some(group), Some(number)) => format!("{group}03{number}"),
            _ => profession.code.clone(),
        };
        let fields = programs::ProgramFields {
            specialty_code,
            title: profession.title.clone(),
            entry_grade,
            duration_months,
            completion_rate: rng.chance(0.3).then(|| 0.75 + 0.2 * rng.unit()),
            professions: trained
                .into_iter()
                .map(|(profession_id, share)| programs::ProgramProfession {
                    profession_id,
                    share,
                })
                .collect(),
        };
        let program = programs::insert_in_transaction(conn, loaded.institutions[k], &fields)?;
        let seats = 25 * rng.between(1, 4);
        let targeted = seats / 5 * rng.between(0, 2);
        programs::put_intake(
            conn,
            program.id,
            &programs::Intake {
                year: first_intake,
                seats,
                targeted_seats: targeted,
            },
        )?;
        if rng.chance(0.25) {
            let more = seats + 25;
            programs::put_intake(
                conn,
                program.id,
                &programs::Intake {
                    year: first_intake + rng.between(1, 4),
                    seats: more,
                    targeted_seats: targeted,
                },
            )?;
        }
        for start_year in (first_intake - 4)..first_intake {
            let students = (f64::from(seats) * (0.8 + 0.2 * rng.unit())).round() as i32;
            programs::put_enrollment(
                conn,
                program.id,
                &programs::Enrollment {
                    start_year,
                    students,
                },
            )?;
        }
        loaded.programs += 1;
        progress(Stage::Programs, n + 1, scale.programs);
    }
    Ok(())
}

/// Interests follow the clusters: most pupils lean to the cluster of their
/// town's industry, some to a neighbour's, a few to none of the region's.
fn interests(
    rng: &mut Rng,
    home_cluster: usize,
    catalogue: &Catalogue,
    loaded: &Loaded,
) -> Vec<Interest> {
    let count = 1 + rng.below(3);
    let mut chosen: Vec<Interest> = Vec::with_capacity(count);
    for _ in 0..count {
        let cluster = if rng.chance(0.6) {
            home_cluster
        } else {
            rng.below(catalogue.clusters.len())
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
                of_cluster[rng.below(of_cluster.len())]
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

fn load_pupils(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    let total_weight: f64 = GRADE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut done = 0;
    for (n, school_id) in loaded.schools.clone().into_iter().enumerate() {
        // Spread the pupils evenly; the last school takes the remainder.
        let in_school = if n + 1 == scale.schools {
            scale.pupils - done
        } else {
            scale.pupils / scale.schools
        };
        let home_cluster = catalogue.home_clusters[n % catalogue.home_clusters.len()];
        let mut batch: Vec<PupilFields> = Vec::with_capacity(in_school);
        for i in 0..in_school {
            let mut pick = rng.unit() * total_weight;
            let grade = GRADE_WEIGHTS
                .iter()
                .find(|(_, weight)| {
                    pick -= weight;
                    pick < 0.0
                })
                .map_or(11, |(grade, _)| *grade);
            let consent = rng.chance(scale.consent);
            batch.push(PupilFields {
                external_ref: format!("{}-{:05}", school_id, i + 1),
                grade,
                academic_year: scale.academic_year,
                consent,
                display_name: None,
                interests: if consent {
                    interests(rng, home_cluster, catalogue, loaded)
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
            Ok(())
        })?;
        done += in_school;
        progress(Stage::Pupils, done, scale.pupils);
    }
    loaded.pupils = done;
    Ok(())
}

fn load_demand(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    for n in 0..scale.demand_records {
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
        let fields = demand::DemandFields {
            profession_id: loaded.professions[profession],
            year: scale.academic_year + rng.between(1, scale.horizon),
            headcount: rng.between(5, 60),
            note: None,
        };
        demand::insert(conn, loaded.enterprises[e], &fields)?;
        loaded.demand_records += 1;
        progress(Stage::Demand, n + 1, scale.demand_records);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            first,
            (0..5).map(|_| Rng::new(8).next_u64()).collect::<Vec<_>>()
        );
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let x = r.between(3, 5);
            assert!((3..=5).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn scales_keep_the_regions_proportions() {
        let region = Scale::region(1);
        assert_eq!(
            (region.pupils, region.schools, region.programs),
            (85_000, 100, 60)
        );
        let country = Scale::with_pupils(1, 1_000_000);
        assert_eq!(country.schools, 1176);
        assert_eq!(country.programs, 706);
        let tiny = Scale::with_pupils(1, 500);
        assert_eq!((tiny.schools, tiny.programs, tiny.enterprises), (1, 4, 2));
    }
}

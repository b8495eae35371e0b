//! A deterministic synthetic region: the same seed gives the same database.
//!
//! It loads through the database functions the API's handlers call, so what
//! it makes obeys the same rules. The scale is a parameter; the names come
//! from a `Catalogue` (numbered ones here, real Vladimir ones for the demo).

use std::collections::HashMap;

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime};

use crate::db::{
    DbConnection, clusters, demand, events, organizations, professions, programs, pupils, younger,
};
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
    /// 60 programs, 25 enterprises, 300 demand records. Pupils are recorded
    /// in the academic year in progress; demand runs from the next calendar
    /// year after it, always in the API's range.
    pub fn region(seed: u64) -> Self {
        Self {
            seed,
            pupils: 85_000,
            schools: 100,
            programs: 60,
            enterprises: 25,
            demand_records: 300,
            academic_year: crate::domain::numbers::current_academic_year(),
            horizon: 12,
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

/// The share of the region's pupils at the scale a region's seats are given in.
pub const REGION_PUPILS: f64 = 85_000.0;

/// Pupils per grade 1 to 4 relative to the grades below: about 15,000 each
/// (15,756 first-graders in 2023/24).
const YOUNGER_WEIGHT: f64 = 15.0;

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

/// A program a catalogue spells out, seats at the region's scale
/// (`REGION_PUPILS`); smaller regions get proportionally fewer.
pub struct ProgramSpec {
    /// Index into the catalogue's institutions.
    pub institution: usize,
    /// Index into the catalogue's professions.
    pub profession: usize,
    /// A second profession it trains, with its share (the first gets the rest).
    pub second: Option<(usize, f64)>,
    pub entry_grade: i32,
    pub duration_months: i32,
    pub seats: i32,
    pub targeted: i32,
    pub completion_rate: Option<f64>,
}

/// An enterprise's workforce plan for one profession: a yearly replacement
/// need and planned growth steps.
pub struct DemandPlan {
    /// Index into the catalogue's enterprises.
    pub enterprise: usize,
    /// Index into the catalogue's professions.
    pub profession: usize,
    /// Workers a year to replace retirements and turnover.
    pub base: f64,
    /// From year `academic_year + offset` on, this many more a year (a new line, a new plant).
    pub growth: Vec<(i32, f64)>,
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
    /// The share of a pupil's interests that go to the home cluster.
    pub home_lean: f64,
    /// Programs spelled out; when empty, `Scale::programs` programs are made up.
    pub programs: Vec<ProgramSpec>,
    /// Workforce plans; when empty, `Scale::demand_records` records are made up.
    pub demand_plans: Vec<DemandPlan>,
    /// Whether to hold career-guidance events over the past and the current academic year.
    pub guidance: bool,
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
            home_lean: 0.6,
            programs: Vec::new(),
            demand_plans: Vec::new(),
            guidance: false,
        }
    }

    /// How interests spread over clusters and professions, for pupils who
    /// leave after grade `entry_grade`: in proportion to the seats that
    /// train them, when the catalogue spells out its programs; evenly otherwise.
    fn interest_weights(&self, entry_grade: i32) -> (Vec<f64>, Vec<f64>) {
        let mut professions = vec![0.0; self.professions.len()];
        for program in self
            .programs
            .iter()
            .filter(|p| p.entry_grade == entry_grade)
        {
            let second_share = program.second.map_or(0.0, |(_, share)| share);
            professions[program.profession] += f64::from(program.seats) * (1.0 - second_share);
            if let Some((second, share)) = program.second {
                professions[second] += f64::from(program.seats) * share;
            }
        }
        if professions.iter().all(|w| *w == 0.0) {
            professions.iter_mut().for_each(|w| *w = 1.0);
        }
        let mut clusters = vec![0.0; self.clusters.len()];
        for (p, weight) in professions.iter().enumerate() {
            clusters[self.professions[p].cluster] += weight;
        }
        (clusters, professions)
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
    /// Schools with counts of their younger pupils.
    pub younger_schools: usize,
    /// `(enterprise_id, profession_id, year)`: where demand grows by plan.
    pub growth_steps: Vec<(i64, i64, i32)>,
    pub events: usize,
    pub registrations: usize,
}

/// Steps of a load, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Catalogue,
    Programs,
    Pupils,
    Demand,
    Guidance,
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
    let consenting = load_pupils(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)?;
    crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
        load_younger(conn, scale, &mut loaded)?;
        if catalogue.demand_plans.is_empty() {
            load_demand(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)
        } else {
            load_demand_plans(conn, scale, catalogue, &mut rng, &mut loaded, &mut progress)
        }
    })?;
    if catalogue.guidance {
        crate::db::write_transaction(conn, |conn| -> anyhow::Result<_> {
            load_guidance(
                conn,
                scale,
                catalogue,
                &consenting,
                &mut rng,
                &mut loaded,
                &mut progress,
            )
        })?;
    }
    // Fresh statistics for the query planners: without them PostgreSQL
    // guesses a handful of rows in tables that now hold thousands and picks
    // plans that loop over them (a school's guidance record took 53 ms
    // instead of 15 ms until autovacuum came by).
    use diesel::connection::SimpleConnection;
    crate::on_backend!(conn, |inner| inner.batch_execute("ANALYZE"))?;
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
    if catalogue.programs.is_empty() {
        return made_up_programs(conn, scale, catalogue, rng, loaded, progress);
    }
    let factor = scale.pupils as f64 / REGION_PUPILS;
    let total = catalogue.programs.len();
    for (n, spec) in catalogue.programs.iter().enumerate() {
        let institution = &catalogue.institutions[spec.institution];
        let profession = &catalogue.professions[spec.profession];
        let mut trained = vec![(spec.profession, 1.0 - spec.second.map_or(0.0, |(_, s)| s))];
        if let Some((second, share)) = spec.second {
            trained.push((second, share));
        }
        let university = institution.kind == OrganizationKind::University;
        let title = if spec.entry_grade == 11 && !university {
            format!("{} (после 11 класса)", profession.title)
        } else {
            profession.title.clone()
        };
        let fields = programs::ProgramFields {
            specialty_code: specialty_code_for(university, &profession.code),
            title,
            entry_grade: spec.entry_grade,
            duration_months: spec.duration_months,
            completion_rate: spec.completion_rate,
            professions: trained
                .into_iter()
                .map(|(p, share)| programs::ProgramProfession {
                    profession_id: loaded.professions[p],
                    share,
                })
                .collect(),
        };
        let seats = ((f64::from(spec.seats) * factor).round() as i32).max(1);
        let targeted = ((f64::from(spec.targeted) * factor).round() as i32).min(seats);
        let institution_id = loaded.institutions[spec.institution];
        let program = programs::insert_in_transaction(conn, institution_id, &fields)?;
        record_intakes(conn, scale, rng, program.id, seats, targeted)?;
        loaded.programs += 1;
        progress(Stage::Programs, n + 1, total);
    }
    Ok(())
}

/// University programs are bachelor's programs: level 03 of the same group.
fn specialty_code_for(university: bool, code: &str) -> String {
    match (university, code.get(..3), code.get(5..)) {
        (true, Some(group), Some(number)) => format!("{group}03{number}"),
        _ => code.to_string(),
    }
}

/// Seats from next year's intake on, and the four latest years' actual
/// enrollments (up to the academic year in progress), so that every cohort
/// that has started is known.
fn record_intakes(
    conn: &mut DbConnection,
    scale: &Scale,
    rng: &mut Rng,
    program_id: i64,
    seats: i32,
    targeted: i32,
) -> anyhow::Result<()> {
    let first_intake = scale.academic_year + 1;
    programs::put_intake(
        conn,
        program_id,
        &programs::Intake {
            year: first_intake,
            seats,
            targeted_seats: targeted,
        },
    )?;
    for start_year in (first_intake - 4)..first_intake {
        let students = (f64::from(seats) * (0.85 + 0.15 * rng.unit())).round() as i32;
        programs::put_enrollment(
            conn,
            program_id,
            &programs::Enrollment {
                start_year,
                students,
            },
        )?;
    }
    Ok(())
}

fn made_up_programs(
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
        let fields = programs::ProgramFields {
            specialty_code: specialty_code_for(university, &profession.code),
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
        record_intakes(conn, scale, rng, program.id, seats, targeted)?;
        if rng.chance(0.25) {
            programs::put_intake(
                conn,
                program.id,
                &programs::Intake {
                    year: first_intake + rng.between(1, 4),
                    seats: seats + 25,
                    targeted_seats: targeted,
                },
            )?;
        }
        loaded.programs += 1;
        progress(Stage::Programs, n + 1, scale.programs);
    }
    Ok(())
}

/// An index drawn in proportion to `weights` (evenly when they are all 0).
fn pick_weighted(rng: &mut Rng, weights: &[f64]) -> usize {
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
type Consenting = (i64, i64, i32);

fn load_pupils(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<Vec<Consenting>> {
    let total_weight: f64 = GRADE_WEIGHTS.iter().map(|(_, w)| w).sum();
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
    Ok(consenting)
}

/// Every school's counts of grades 1 to 4, in the same proportions as its pupils.
fn load_younger(conn: &mut DbConnection, scale: &Scale, loaded: &mut Loaded) -> anyhow::Result<()> {
    let total_weight: f64 = GRADE_WEIGHTS.iter().map(|(_, w)| w).sum();
    let per_school = scale.pupils as f64 / loaded.schools.len().max(1) as f64;
    let count = (per_school * YOUNGER_WEIGHT / total_weight).round() as i32;
    let grades: Vec<(i32, i32)> = (1..=4).map(|grade| (grade, count)).collect();
    for school_id in &loaded.schools {
        younger::replace_year_in_transaction(conn, *school_id, scale.academic_year, &grades)?;
    }
    loaded.younger_schools = loaded.schools.len();
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

/// Demand as the enterprises' workforce plans give it: every year the base
/// replacement need plus the growth steps reached, with small noise (within
/// 5 %), one record per enterprise, profession and year. Not scaled with the
/// pupils: an enterprise's needs do not shrink with a smaller sample.
fn load_demand_plans(
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

/// September 1 of an academic year, at noon.
fn september(year: i32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, 9, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default()
}

/// Guidance hours by kind of event.
const KIND_HOURS: [(&str, f64); 4] = [
    ("excursion", 4.0),
    ("open_day", 4.0),
    ("trial_lesson", 8.0),
    ("workshop", 12.0),
];

/// How many events a pupil of grade 7 or above attends in a whole academic
/// year, `(events, chance)`: none, a few, many, or a lot of the longer ones
/// (trial lessons and workshops: about 80 hours).
const ATTENDANCE: [(usize, f64); 4] = [(0, 0.3), (2, 0.25), (5, 0.3), (8, 0.15)];
/// The same for grades 5 and 6, where guidance begins.
const ATTENDANCE_YOUNG: [(usize, f64); 3] = [(0, 0.5), (1, 0.35), (3, 0.15)];
/// The tier of `ATTENDANCE` that goes to the longer events.
const INTENSIVE: usize = 8;

/// Career guidance in motion: events of the colleges and enterprises over
/// the past and the current academic year, consenting pupils registered
/// within capacity and marked as attended, and a few upcoming events.
fn load_guidance(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    consenting: &[Consenting],
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().naive_utc();
    // Organizers and the professions they show.
    let mut organizers: Vec<(i64, String, Vec<i64>)> = Vec::new();
    for (k, institution) in catalogue.institutions.iter().enumerate() {
        let shown: Vec<i64> = institution
            .professions
            .iter()
            .map(|p| loaded.professions[*p])
            .collect();
        organizers.push((loaded.institutions[k], institution.name.clone(), shown));
    }
    for (k, enterprise) in catalogue.enterprises.iter().enumerate() {
        let shown: Vec<i64> = (0..catalogue.professions.len())
            .filter(|p| catalogue.professions[*p].cluster == enterprise.cluster)
            .map(|p| loaded.professions[p])
            .collect();
        organizers.push((loaded.enterprises[k], enterprise.name.clone(), shown));
    }
    let years = [scale.academic_year - 1, scale.academic_year];
    let steps = years.len() + 1;
    for (step, year) in years.into_iter().enumerate() {
        let start = september(year);
        let end = september(year + 1).min(now - chrono::Duration::days(1));
        if end <= start {
            continue;
        }
        let span = (end - start).num_minutes().max(1);
        // The year in progress has had only part of its events (September to June: 300 days).
        let elapsed = ((end - start).num_days() as f64 / 300.0).clamp(0.0, 1.0);
        let mut held: Vec<(i64, i32, f64)> = Vec::new();
        for (organizer_id, name, shown) in &organizers {
            for _ in 0..6 {
                let (kind, hours) = KIND_HOURS[rng.below(KIND_HOURS.len())];
                let starts_at = start + chrono::Duration::minutes(rng.below(span as usize) as i64);
                let profession_ids: Vec<i64> = shown
                    .iter()
                    .copied()
                    .filter(|_| rng.chance(0.6))
                    .take(2)
                    .collect();
                let min_grade = rng.between(5, 8);
                let event = events::insert_in_transaction(
                    conn,
                    &events::NewEvent {
                        organizer_id: *organizer_id,
                        title: event_title(kind, name),
                        kind: kind.to_string(),
                        starts_at,
                        capacity: 1,
                        min_grade,
                        hours,
                        profession_ids,
                    },
                )?;
                held.push((event.id, min_grade, hours));
                loaded.events += 1;
            }
        }
        let mut registrations: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        for (pupil_id, school_id, grade_now) in consenting {
            let grade = grade_now - (scale.academic_year - year);
            if grade < 5 {
                continue;
            }
            let in_year = if grade <= 6 {
                ATTENDANCE_YOUNG[pick_weighted(rng, &ATTENDANCE_YOUNG.map(|(_, p)| p))].0
            } else {
                ATTENDANCE[pick_weighted(rng, &ATTENDANCE.map(|(_, p)| p))].0
            };
            let intensive = in_year == INTENSIVE;
            let wanted = (in_year as f64 * elapsed).round() as usize;
            let mut chosen: Vec<i64> = Vec::with_capacity(wanted);
            for _ in 0..wanted * 4 {
                if chosen.len() == wanted {
                    break;
                }
                let (event_id, min_grade, hours) = held[rng.below(held.len())];
                if min_grade <= grade && (!intensive || hours >= 8.0) && !chosen.contains(&event_id)
                {
                    chosen.push(event_id);
                }
            }
            for event_id in chosen {
                registrations
                    .entry(event_id)
                    .or_default()
                    .push((*pupil_id, *school_id));
            }
        }
        for (event_id, _, _) in &held {
            let pupils = registrations.remove(event_id).unwrap_or_default();
            loaded.registrations += pupils.len();
            events::register_many_in_transaction(conn, *event_id, &pupils, true)?;
        }
        progress(Stage::Guidance, step + 1, steps);
    }
    // A few events to come, with places left.
    for (n, (organizer_id, name, shown)) in organizers.iter().enumerate().take(15) {
        let (kind, hours) = KIND_HOURS[n % KIND_HOURS.len()];
        let starts_at = now + chrono::Duration::days(7 + 4 * n as i64);
        let event = events::insert_in_transaction(
            conn,
            &events::NewEvent {
                organizer_id: *organizer_id,
                title: event_title(kind, name),
                kind: kind.to_string(),
                starts_at: starts_at.date().and_hms_opt(11, 0, 0).unwrap_or(starts_at),
                capacity: 1,
                min_grade: 7,
                hours,
                profession_ids: shown.iter().copied().take(2).collect(),
            },
        )?;
        let pupils: Vec<(i64, i64)> = (0..20 + rng.below(30))
            .map(|_| consenting[rng.below(consenting.len().max(1))])
            .filter(|(_, _, grade)| *grade >= 7)
            .map(|(id, school, _)| (id, school))
            .collect::<std::collections::BTreeMap<i64, i64>>()
            .into_iter()
            .collect();
        loaded.registrations += pupils.len();
        loaded.events += 1;
        events::register_many_in_transaction(conn, event.id, &pupils, false)?;
    }
    progress(Stage::Guidance, steps, steps);
    Ok(())
}

fn event_title(kind: &str, organizer: &str) -> String {
    let what = match kind {
        "excursion" => "Экскурсия",
        "open_day" => "День открытых дверей",
        "trial_lesson" => "Профессиональная проба",
        _ => "Мастер-класс",
    };
    let title = format!("{what}: {organizer}");
    title.chars().take(300).collect()
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

//! What a region is made of before it has ids: clusters, professions,
//! institutions with their programs, enterprises with their workforce plans,
//! towns; numbered ones for benchmarks, or a real region's (`vladimir`).

use super::Scale;
use crate::domain::OrganizationKind;

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
    /// Stands for a statistical group of institutions.
    pub aggregate: bool,
}

pub struct EnterpriseSpec {
    pub name: String,
    pub town: String,
    pub email: String,
    pub cluster: usize,
    /// Stands for a statistical group of employers.
    pub aggregate: bool,
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
                aggregate: false,
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
                aggregate: false,
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
    pub(super) fn interest_weights(&self, entry_grade: i32) -> (Vec<f64>, Vec<f64>) {
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

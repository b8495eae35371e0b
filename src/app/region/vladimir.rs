//! The Vladimir region as data: `vladimir.toml` (its clusters, colleges,
//! enterprises, towns and the demo's seats and workforce plans, each named
//! by key) read into a `Catalogue`.

use std::collections::HashMap;

use serde::Deserialize;

use super::{
    Catalogue, ClusterSpec, DemandPlan, EnterpriseSpec, InstitutionSpec, ProfessionSpec,
    ProgramSpec,
};
use crate::domain::OrganizationKind;

const DATA: &str = include_str!("vladimir.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Region {
    home_lean: f64,
    clusters: Vec<Cluster>,
    professions: Vec<Profession>,
    institutions: Vec<Institution>,
    enterprises: Vec<Enterprise>,
    towns: Vec<Town>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cluster {
    key: String,
    name: String,
    industry: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profession {
    code: String,
    title: String,
    cluster: String,
    /// From the region's public facts (the others are national codes chosen for the demo).
    #[serde(default)]
    #[allow(dead_code)]
    fact: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Institution {
    key: String,
    kind: String,
    name: String,
    town: String,
    email: String,
    /// Stands for several real institutions (the region's other colleges, one per field).
    #[serde(default)]
    aggregate: bool,
    programs: Vec<Program>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Program {
    profession: String,
    entry_grade: i32,
    months: i32,
    seats: i32,
    targeted: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Enterprise {
    key: String,
    name: String,
    town: String,
    email: String,
    cluster: String,
    #[serde(default)]
    aggregate: bool,
    plans: Vec<Plan>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    profession: String,
    base: f64,
    #[serde(default)]
    growth: Vec<(i32, f64)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Town {
    name: String,
    schools: usize,
    leans_to: String,
}

/// Positions by key, with an error naming a key that is not there.
struct Keys<'a> {
    what: &'static str,
    positions: HashMap<&'a str, usize>,
}

impl<'a> Keys<'a> {
    fn new(what: &'static str, keys: impl Iterator<Item = &'a str>) -> anyhow::Result<Self> {
        let mut positions = HashMap::new();
        for (n, key) in keys.enumerate() {
            if positions.insert(key, n).is_some() {
                anyhow::bail!("vladimir.toml: the {what} {key:?} is listed twice");
            }
        }
        Ok(Self { what, positions })
    }

    fn of(&self, key: &str) -> anyhow::Result<usize> {
        self.positions
            .get(key)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("vladimir.toml: no {} has the key {key:?}", self.what))
    }
}

/// The region's clusters, professions (by specialty code), colleges,
/// universities, enterprises and towns, with its programs and workforce plans.
pub fn catalogue() -> anyhow::Result<Catalogue> {
    let region: Region = toml::from_str(DATA)?;
    let clusters = Keys::new("cluster", region.clusters.iter().map(|c| c.key.as_str()))?;
    let professions = Keys::new(
        "profession",
        region.professions.iter().map(|p| p.code.as_str()),
    )?;
    let mut programs = Vec::new();
    let mut institutions = Vec::new();
    for (k, institution) in region.institutions.iter().enumerate() {
        let kind = OrganizationKind::parse(&institution.kind).map_err(anyhow::Error::msg)?;
        let mut trained = Vec::new();
        for program in &institution.programs {
            let profession = professions.of(&program.profession)?;
            trained.push(profession);
            programs.push(ProgramSpec {
                institution: k,
                profession,
                second: None,
                entry_grade: program.entry_grade,
                duration_months: program.months,
                seats: program.seats,
                targeted: program.targeted,
                completion_rate: None,
            });
        }
        trained.sort_unstable();
        trained.dedup();
        institutions.push(InstitutionSpec {
            kind,
            name: institution.name.clone(),
            town: institution.town.clone(),
            email: institution.email.clone(),
            professions: trained,
            aggregate: institution.aggregate,
        });
    }
    Keys::new(
        "institution",
        region.institutions.iter().map(|i| i.key.as_str()),
    )?;
    Keys::new(
        "enterprise",
        region.enterprises.iter().map(|e| e.key.as_str()),
    )?;
    let mut enterprises = Vec::new();
    let mut demand_plans = Vec::new();
    for (n, enterprise) in region.enterprises.iter().enumerate() {
        enterprises.push(EnterpriseSpec {
            name: enterprise.name.clone(),
            town: enterprise.town.clone(),
            email: enterprise.email.clone(),
            cluster: clusters.of(&enterprise.cluster)?,
            aggregate: enterprise.aggregate,
        });
        for plan in &enterprise.plans {
            demand_plans.push(DemandPlan {
                enterprise: n,
                profession: professions.of(&plan.profession)?,
                base: plan.base,
                growth: plan.growth.clone(),
            });
        }
    }
    let mut spread = Vec::new();
    for town in &region.towns {
        let cluster = clusters.of(&town.leans_to)?;
        spread.extend(std::iter::repeat_n(
            (town.name.clone(), cluster),
            town.schools,
        ));
    }
    // Interleave so that any prefix of the schools covers the big towns first.
    let mut order: Vec<usize> = (0..spread.len()).collect();
    order.sort_by_key(|i| (i * 7919) % spread.len());
    let (towns, home_clusters) = order.into_iter().map(|i| spread[i].clone()).unzip();
    Ok(Catalogue {
        clusters: region
            .clusters
            .iter()
            .map(|c| ClusterSpec {
                name: c.name.clone(),
                industry: c.industry.clone(),
            })
            .collect(),
        professions: region
            .professions
            .iter()
            .map(|p| {
                Ok(ProfessionSpec {
                    code: p.code.clone(),
                    title: p.title.clone(),
                    cluster: clusters.of(&p.cluster)?,
                })
            })
            .collect::<anyhow::Result<_>>()?,
        institutions,
        enterprises,
        towns,
        home_clusters,
        home_lean: region.home_lean,
        programs,
        demand_plans,
        guidance: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ProfessionCode, specialty_code};

    #[test]
    fn the_catalogue_is_well_formed() {
        let catalogue = catalogue().unwrap();
        // The region's four clusters, then the fields of its other colleges.
        assert_eq!(catalogue.clusters.len(), 11);
        assert!(catalogue.clusters[1].name.contains("Стеклоград"));
        for profession in &catalogue.professions {
            assert!(ProfessionCode::parse(&profession.code).is_ok());
            assert!(specialty_code(&profession.code).is_ok());
            assert!(profession.cluster < catalogue.clusters.len());
        }
        for institution in &catalogue.institutions {
            assert!(!institution.professions.is_empty(), "{}", institution.name);
        }
        assert_eq!(catalogue.towns.len(), 100);
        assert_eq!(catalogue.towns.len(), catalogue.home_clusters.len());
        assert!(
            catalogue
                .enterprises
                .iter()
                .any(|e| e.name.contains("Красное Эхо"))
        );
        for program in &catalogue.programs {
            assert!(program.institution < catalogue.institutions.len());
            assert!([9, 11].contains(&program.entry_grade));
            assert!((0..=program.seats).contains(&program.targeted));
            let university =
                catalogue.institutions[program.institution].kind == OrganizationKind::University;
            assert!(!university || program.entry_grade == 11);
        }
        for plan in &catalogue.demand_plans {
            assert!(plan.enterprise < catalogue.enterprises.len());
            assert!(plan.base >= 5.0);
        }
        // Every profession a plan names is one some program trains.
        for plan in &catalogue.demand_plans {
            assert!(
                catalogue
                    .programs
                    .iter()
                    .any(|p| p.profession == plan.profession),
                "{}",
                catalogue.professions[plan.profession].code
            );
        }
    }
}

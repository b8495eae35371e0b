//! The catalogue (clusters, professions, schools, institutions,
//! enterprises) and the programs with their seats and past enrollments.

use anyhow::Context;

use super::{Catalogue, Loaded, REGION_PUPILS, Scale, Stage};
use crate::db::{DbConnection, clusters, organizations, professions, programs};
use crate::domain::OrganizationKind;
use crate::rng::Rng;

pub(super) fn load_catalogue(
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
            aggregate: false,
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
        let new = organizations::NewOrganization {
            aggregate: institution.aggregate,
            ..organization(
                institution.kind,
                &institution.name,
                &institution.town,
                &institution.email,
                cluster_ids,
            )
        };
        loaded
            .institutions
            .push(organizations::insert_in_transaction(conn, &new)?.id);
    }
    for enterprise in &catalogue.enterprises {
        let new = organizations::NewOrganization {
            aggregate: enterprise.aggregate,
            ..organization(
                OrganizationKind::Enterprise,
                &enterprise.name,
                &enterprise.town,
                &enterprise.email,
                vec![loaded.clusters[enterprise.cluster]],
            )
        };
        loaded
            .enterprises
            .push(organizations::insert_in_transaction(conn, &new)?.id);
    }
    Ok(())
}

pub(super) fn load_programs(
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
        record_intakes(conn, scale, program.id, seats, targeted)?;
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

/// Seats since ten years before the academic year in progress and again
/// from next year's intake on (the history's enrollments, graduations and
/// destinations come later, from `history`).
fn record_intakes(
    conn: &mut DbConnection,
    scale: &Scale,
    program_id: i64,
    seats: i32,
    targeted: i32,
) -> anyhow::Result<()> {
    let first_intake = scale.academic_year + 1;
    for year in [first_intake - 11, first_intake] {
        programs::put_intake(
            conn,
            program_id,
            &programs::Intake {
                year,
                seats,
                targeted_seats: targeted,
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
        record_intakes(conn, scale, program.id, seats, targeted)?;
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

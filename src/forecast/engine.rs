//! `run`: the cohort-flow model of FORECAST.md, step by step, on aggregates; no HTTP, no SQL.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::model::{
    Cohort, Forecast, Inputs, Parameters, ProgramInput, Row, Seats, Target, Unplaced,
};

/// Step 1: the exit years and weights a pupil recorded in `grade` as of
/// `academic_year` contributes: `(entry grade, exit year, weight)`.
pub fn contributions(
    grade: i32,
    academic_year: i32,
    parameters: &Parameters,
) -> Vec<(i32, i32, f64)> {
    let exit_year = |completed: i32| academic_year + (completed - grade) + 1;
    let p9 = parameters.after_grade_9_share;
    let p11 = parameters.after_grade_11_share;
    if grade <= 9 {
        vec![(9, exit_year(9), p9), (11, exit_year(11), (1.0 - p9) * p11)]
    } else {
        vec![(11, exit_year(11), p11)]
    }
}

/// Which programs an interest can reach: by profession and by cluster.
struct Reach {
    by_profession: HashMap<i64, Vec<usize>>,
    by_cluster: HashMap<i64, Vec<usize>>,
}

impl Reach {
    fn new(inputs: &Inputs) -> Self {
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
    fn candidates(&self, target: Target) -> &[usize] {
        let found = match target {
            Target::Profession(id) => self.by_profession.get(&id),
            Target::Cluster(id) => self.by_cluster.get(&id),
            Target::Open => None,
        };
        found.map_or(&[], Vec::as_slice)
    }
}

/// Runs the forecast for the calendar years `from..=to`.
pub fn run(inputs: &Inputs, parameters: &Parameters, from: i32, to: i32) -> Forecast {
    let reach = Reach::new(inputs);

    let leavers = school_leavers(inputs, parameters, from, to);
    let (applicants, mut unplaced) = distribute(inputs, &reach, &leavers);
    let cohorts = intakes(inputs, parameters, &applicants, &mut unplaced, from, to);
    let supply = supply(inputs, &cohorts);
    Forecast {
        rows: rows(inputs, &supply, from, to),
        unplaced: unplaced
            .into_iter()
            .filter(|(_, pupils)| *pupils > 0.0)
            .map(|((year, entry_grade), pupils)| Unplaced {
                year,
                entry_grade,
                pupils,
            })
            .collect(),
        cohorts,
    }
}

/// Step 1: leavers' weight per (exit year, entry grade) and interest target,
/// for exit years in `from..=to` (earlier ones count for nothing; later ones
/// cannot graduate within the range).
fn school_leavers(
    inputs: &Inputs,
    parameters: &Parameters,
    from: i32,
    to: i32,
) -> BTreeMap<(i32, i32), BTreeMap<Target, f64>> {
    let mut leavers: BTreeMap<(i32, i32), BTreeMap<Target, f64>> = BTreeMap::new();
    for mass in &inputs.interests {
        for (entry_grade, exit_year, weight) in
            contributions(mass.grade, mass.academic_year, parameters)
        {
            if (from..=to).contains(&exit_year) && weight > 0.0 {
                *leavers
                    .entry((exit_year, entry_grade))
                    .or_default()
                    .entry(mass.target)
                    .or_default() += weight * mass.pupils;
            }
        }
    }
    leavers
}

/// Step 2: applicants per (program index, exit year); and the pools of
/// (exit year, entry grade) that found no eligible program.
#[allow(clippy::type_complexity)]
fn distribute(
    inputs: &Inputs,
    reach: &Reach,
    leavers: &BTreeMap<(i32, i32), BTreeMap<Target, f64>>,
) -> (HashMap<(usize, i32), f64>, BTreeMap<(i32, i32), f64>) {
    let mut applicants: HashMap<(usize, i32), f64> = HashMap::new();
    let mut unplaced: BTreeMap<(i32, i32), f64> = BTreeMap::new();
    for (&(year, entry_grade), targets) in leavers {
        let eligible: Vec<(usize, f64)> = inputs
            .programs
            .iter()
            .enumerate()
            .filter(|(_, program)| program.entry_grade == entry_grade)
            .filter_map(|(k, program)| {
                program
                    .seats_in(year)
                    .filter(|seats| seats.seats > 0)
                    .map(|seats| (k, f64::from(seats.seats)))
            })
            .collect();
        let seats_of: HashMap<usize, f64> = eligible.iter().copied().collect();
        let mut pool = 0.0;
        for (&target, &weight) in targets {
            let matching: Vec<(usize, f64)> = reach
                .candidates(target)
                .iter()
                .filter_map(|k| seats_of.get(k).map(|seats| (*k, *seats)))
                .collect();
            if matching.is_empty() {
                pool += weight;
            } else {
                split_by_seats(weight, &matching, year, &mut applicants);
            }
        }
        if eligible.is_empty() {
            *unplaced.entry((year, entry_grade)).or_default() += pool;
        } else {
            split_by_seats(pool, &eligible, year, &mut applicants);
        }
    }
    (applicants, unplaced)
}

fn split_by_seats(
    weight: f64,
    programs: &[(usize, f64)],
    year: i32,
    applicants: &mut HashMap<(usize, i32), f64>,
) {
    let seats: f64 = programs.iter().map(|(_, seats)| seats).sum();
    for (k, program_seats) in programs {
        *applicants.entry((*k, year)).or_default() += weight * program_seats / seats;
    }
}

/// Step 3 and the first half of step 4: every cohort that starts in
/// `from..=to` or graduates in it, modelled from applicants or taken from an
/// actual enrollment.
fn intakes(
    inputs: &Inputs,
    parameters: &Parameters,
    applicants: &HashMap<(usize, i32), f64>,
    unplaced: &mut BTreeMap<(i32, i32), f64>,
    from: i32,
    to: i32,
) -> Vec<Cohort> {
    let mut cohorts = Vec::new();
    for (k, program) in inputs.programs.iter().enumerate() {
        let years = program.study_years();
        let completion_rate = program.completion(parameters);
        let mut start_years: Vec<i32> = (from..=to).collect();
        start_years.extend(
            program
                .enrollments
                .keys()
                .copied()
                .filter(|year| *year < from),
        );
        start_years.sort_unstable();
        for start_year in start_years {
            let seats = program.seats_in(start_year).unwrap_or(Seats {
                seats: 0,
                targeted: 0,
            });
            let modelled = (start_year >= from)
                .then(|| applicants.get(&(k, start_year)).copied().unwrap_or(0.0));
            if let Some(applied) = modelled
                && seats.seats > 0
            {
                let over = applied - f64::from(seats.seats);
                if over > 0.0 {
                    *unplaced
                        .entry((start_year, program.entry_grade))
                        .or_default() += over;
                }
            }
            let actual = program.enrollments.get(&start_year).copied();
            let intake = match (actual, modelled) {
                (Some(students), _) => f64::from(students),
                (None, Some(applied)) => applied.min(f64::from(seats.seats.max(0))),
                (None, None) => 0.0,
            };
            let graduation_year = start_year + years;
            if intake <= 0.0 || graduation_year < from {
                continue;
            }
            let targeted = f64::from(seats.targeted).min(intake);
            let retained = completion_rate
                * (targeted * parameters.targeted_retention_rate
                    + (intake - targeted) * parameters.retention_rate);
            cohorts.push(Cohort {
                program_id: program.id,
                start_year,
                applicants: modelled,
                seats: seats.seats,
                intake,
                actual: actual.is_some(),
                targeted,
                completion_rate,
                graduation_year,
                retained,
            });
        }
    }
    cohorts
}

/// Step 4: supply per (profession, year) from the cohorts' retained graduates.
fn supply(inputs: &Inputs, cohorts: &[Cohort]) -> HashMap<(i64, i32), f64> {
    let programs: HashMap<i64, &ProgramInput> = inputs.programs.iter().map(|p| (p.id, p)).collect();
    let mut supply: HashMap<(i64, i32), f64> = HashMap::new();
    for cohort in cohorts {
        if let Some(program) = programs.get(&cohort.program_id) {
            for (profession_id, share) in &program.professions {
                *supply
                    .entry((*profession_id, cohort.graduation_year))
                    .or_default() += share * cohort.retained;
            }
        }
    }
    supply
}

/// Step 5: demand, gap and coverage for every (profession, year) in range
/// with demand or supply, by profession code, then year.
fn rows(inputs: &Inputs, supply: &HashMap<(i64, i32), f64>, from: i32, to: i32) -> Vec<Row> {
    let keys: HashSet<(i64, i32)> = inputs
        .demand
        .iter()
        .filter(|(_, headcount)| **headcount != 0.0)
        .map(|(key, _)| *key)
        .chain(
            supply
                .iter()
                .filter(|(_, amount)| **amount != 0.0)
                .map(|(key, _)| *key),
        )
        .filter(|(_, year)| (from..=to).contains(year))
        .collect();
    let mut rows: Vec<Row> = keys
        .into_iter()
        .map(|(profession_id, year)| {
            let demand = inputs
                .demand
                .get(&(profession_id, year))
                .copied()
                .unwrap_or(0.0);
            let supply = supply.get(&(profession_id, year)).copied().unwrap_or(0.0);
            Row {
                profession_id,
                profession_code: inputs
                    .professions
                    .get(&profession_id)
                    .map(|p| p.code.clone())
                    .unwrap_or_default(),
                year,
                demand,
                supply,
                gap: demand - supply,
                coverage: (demand != 0.0).then(|| supply / demand),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.profession_code.as_str(), a.year, a.profession_id).cmp(&(
            b.profession_code.as_str(),
            b.year,
            b.profession_id,
        ))
    });
    rows
}

//! Loads the forecast's inputs with a handful of aggregate queries, and keeps its parameters.

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::DbConnection;
use super::masses::{self, MassTarget};
use super::schema::{
    clusters, demand, forecast_parameter_values, professions, program_enrollments, program_intakes,
    program_professions, programs, pupil_interests, pupils,
};
use crate::forecast::model::{
    Bound, Bounds, InterestMass, PARAMETER_NAMES, Profession, ProgramInput, Seats, Target,
};
use crate::forecast::{Inputs, Parameters};

/// Everything the engine needs, read in one transaction so it is one consistent
/// snapshot: ten queries whatever the number of pupils.
pub fn load_inputs(conn: &mut DbConnection) -> QueryResult<Inputs> {
    conn.transaction(|conn| {
        if let DbConnection::Postgres(_) = conn {
            // READ COMMITTED would give each query its own snapshot.
            diesel::connection::SimpleConnection::batch_execute(
                conn,
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )?;
        }
        load_inputs_in_transaction(conn)
    })
}

/// `load_inputs` inside a transaction the caller has begun (and whose isolation it chose).
pub fn load_inputs_in_transaction(conn: &mut DbConnection) -> QueryResult<Inputs> {
    {
        Ok(Inputs {
            interests: interest_masses(conn)?,
            records: super::grade_counts::pupil_records(conn)?,
            counts: super::grade_counts::latest_counts(conn)?,
            programs: program_inputs(conn)?,
            professions: professions::table
                .select((
                    professions::id,
                    professions::code,
                    professions::title,
                    professions::cluster_id,
                ))
                .load::<(i64, String, String, i64)>(conn)?
                .into_iter()
                .map(|(id, code, title, cluster_id)| {
                    (
                        id,
                        Profession {
                            code,
                            title,
                            cluster_id,
                        },
                    )
                })
                .collect(),
            demand: demand::table
                .group_by((demand::profession_id, demand::year))
                .select((demand::profession_id, demand::year, sum(demand::headcount)))
                .load::<(i64, i32, Option<i64>)>(conn)?
                .into_iter()
                .map(|(profession_id, year, headcount)| {
                    ((profession_id, year), headcount.unwrap_or(0) as f64)
                })
                .collect(),
        })
    }
}

/// The interest masses from `pupil_masses`, the table every pupil write keeps current.
pub fn interest_masses(conn: &mut DbConnection) -> QueryResult<Vec<InterestMass>> {
    Ok(masses_from_rows(masses::load(conn)?))
}

/// `(grade, academic_year, profession_id, cluster_id, summed shares)`.
type InterestSum = (i32, i32, Option<i64>, Option<i64>, Option<f64>);

/// The same masses computed afresh from every pupil and interest: what
/// `pupil_masses` must always equal (the tests check it).
pub fn recomputed_interest_masses(conn: &mut DbConnection) -> QueryResult<Vec<InterestMass>> {
    let mut rows: Vec<(i32, i32, MassTarget, f64)> = pupils::table
        .group_by((pupils::grade, pupils::academic_year))
        .select((pupils::grade, pupils::academic_year, count_star()))
        .load::<(i32, i32, i64)>(conn)?
        .into_iter()
        .map(|(grade, academic_year, count)| {
            (grade, academic_year, MassTarget::AllPupils, count as f64)
        })
        .collect();
    let interests: Vec<InterestSum> = pupil_interests::table
        .group_by((
            pupil_interests::grade,
            pupil_interests::academic_year,
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
        ))
        .select((
            pupil_interests::grade,
            pupil_interests::academic_year,
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
            sum(pupil_interests::share),
        ))
        .load(conn)?;
    rows.extend(interests.into_iter().map(
        |(grade, academic_year, profession_id, cluster_id, share)| {
            (
                grade,
                academic_year,
                MassTarget::of_interest(profession_id, cluster_id),
                share.unwrap_or(0.0),
            )
        },
    ));
    rows.sort_by_key(|(grade, academic_year, target, _)| (*grade, *academic_year, *target));
    Ok(masses_from_rows(rows))
}

/// Rows of `(grade, academic_year, target, pupils)` as the engine's masses:
/// each interest target's summed shares, and the pupils whose shares do not
/// cover them (no interests, or no consent) in the open pool.
fn masses_from_rows(rows: Vec<(i32, i32, MassTarget, f64)>) -> Vec<InterestMass> {
    // Sums of doubles kept by many writes leave crumbs; this is far below a pupil.
    const CRUMB: f64 = 1e-6;
    let mut counts: HashMap<(i32, i32), f64> = HashMap::new();
    let mut interested: HashMap<(i32, i32), f64> = HashMap::new();
    let mut masses = Vec::with_capacity(rows.len());
    for (grade, academic_year, target, pupils) in rows {
        let target = match target {
            MassTarget::AllPupils => {
                *counts.entry((grade, academic_year)).or_default() += pupils;
                continue;
            }
            MassTarget::Profession(id) => Target::Profession(id),
            MassTarget::Cluster(id) => Target::Cluster(id),
        };
        *interested.entry((grade, academic_year)).or_default() += pupils;
        if pupils > CRUMB {
            masses.push(InterestMass {
                grade,
                academic_year,
                target,
                pupils,
            });
        }
    }
    let mut groups: Vec<((i32, i32), f64)> = counts.into_iter().collect();
    groups.sort_by_key(|(key, _)| *key);
    for ((grade, academic_year), count) in groups {
        let without_interests = count
            - interested
                .get(&(grade, academic_year))
                .copied()
                .unwrap_or(0.0);
        if without_interests > CRUMB {
            masses.push(InterestMass {
                grade,
                academic_year,
                target: Target::Open,
                pupils: without_interests,
            });
        }
    }
    masses
}

fn program_inputs(conn: &mut DbConnection) -> QueryResult<Vec<ProgramInput>> {
    let rows: Vec<(i64, i32, i32, Option<f64>)> = programs::table
        .select((
            programs::id,
            programs::entry_grade,
            programs::duration_months,
            programs::completion_rate,
        ))
        .order(programs::id)
        .load(conn)?;
    let mut professions_of: HashMap<i64, Vec<(i64, f64)>> = HashMap::new();
    for (program_id, profession_id, share) in program_professions::table
        .select((
            program_professions::program_id,
            program_professions::profession_id,
            program_professions::share,
        ))
        .order((
            program_professions::program_id,
            program_professions::profession_id,
        ))
        .load::<(i64, i64, f64)>(conn)?
    {
        professions_of
            .entry(program_id)
            .or_default()
            .push((profession_id, share));
    }
    let mut intakes_of: HashMap<i64, BTreeMap<i32, Seats>> = HashMap::new();
    for (program_id, year, seats, targeted) in program_intakes::table
        .select((
            program_intakes::program_id,
            program_intakes::year,
            program_intakes::seats,
            program_intakes::targeted_seats,
        ))
        .load::<(i64, i32, i32, i32)>(conn)?
    {
        intakes_of
            .entry(program_id)
            .or_default()
            .insert(year, Seats { seats, targeted });
    }
    let mut enrollments_of: HashMap<i64, BTreeMap<i32, i32>> = HashMap::new();
    for (program_id, start_year, students) in program_enrollments::table
        .select((
            program_enrollments::program_id,
            program_enrollments::start_year,
            program_enrollments::students,
        ))
        .load::<(i64, i32, i32)>(conn)?
    {
        enrollments_of
            .entry(program_id)
            .or_default()
            .insert(start_year, students);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, entry_grade, duration_months, completion_rate)| ProgramInput {
                id,
                entry_grade,
                duration_months,
                completion_rate,
                professions: professions_of.remove(&id).unwrap_or_default(),
                intakes: intakes_of.remove(&id).unwrap_or_default(),
                enrollments: enrollments_of.remove(&id).unwrap_or_default(),
            },
        )
        .collect())
}

/// The stored parameters and their bounds; a parameter without a row has
/// its default value and bounds.
pub fn parameter_set(conn: &mut DbConnection) -> QueryResult<(Parameters, Bounds)> {
    use forecast_parameter_values as p;
    let stored: HashMap<String, (f64, f64, f64)> = p::table
        .select((p::name, (p::value, p::low, p::high)))
        .load::<(String, (f64, f64, f64))>(conn)?
        .into_iter()
        .collect();
    let mut values = Parameters::default().values();
    let mut bounds = Bounds::default().all();
    for (i, name) in PARAMETER_NAMES.iter().enumerate() {
        if let Some((value, low, high)) = stored.get(*name) {
            values[i] = *value;
            bounds[i] = Bound {
                low: *low,
                high: *high,
            };
        }
    }
    Ok((Parameters::from_values(values), Bounds::from_all(bounds)))
}

/// The stored parameters; the defaults if the row is missing.
pub fn parameters(conn: &mut DbConnection) -> QueryResult<Parameters> {
    Ok(parameter_set(conn)?.0)
}

/// Stores the parameters and their bounds, one row per parameter.
pub fn set_parameters(
    conn: &mut DbConnection,
    parameters: &Parameters,
    bounds: &Bounds,
) -> QueryResult<()> {
    use forecast_parameter_values as p;
    conn.transaction(|conn| {
        for ((name, value), bound) in parameters.named().into_iter().zip(bounds.all()) {
            let row = (
                p::value.eq(value),
                p::low.eq(bound.low),
                p::high.eq(bound.high),
            );
            if diesel::update(p::table.find(name)).set(row).execute(conn)? == 0 {
                diesel::insert_into(p::table)
                    .values((p::name.eq(name), row))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// Headcount demanded per enterprise for one profession and year, largest first.
pub fn demand_by_enterprise(
    conn: &mut DbConnection,
    profession_id: i64,
    year: i32,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut rows: Vec<(i64, i64)> = demand::table
        .filter(demand::profession_id.eq(profession_id))
        .filter(demand::year.eq(year))
        .group_by(demand::enterprise_id)
        .select((demand::enterprise_id, sum(demand::headcount)))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .map(|(enterprise_id, headcount)| (enterprise_id, headcount.unwrap_or(0)))
        .collect();
    rows.sort_by_key(|(enterprise_id, headcount)| (-headcount, *enterprise_id));
    Ok(rows)
}

/// The names the forecast's ids stand for, for explanations and recommendations.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// `(institution_id, title)` by program id.
    pub programs: HashMap<i64, (i64, String)>,
    /// Titles by profession id.
    pub professions: HashMap<i64, String>,
    /// Names by cluster id.
    pub clusters: HashMap<i64, String>,
}

pub fn names(conn: &mut DbConnection) -> QueryResult<Names> {
    Ok(Names {
        programs: programs::table
            .select((programs::id, programs::institution_id, programs::title))
            .load::<(i64, i64, String)>(conn)?
            .into_iter()
            .map(|(id, institution, title)| (id, (institution, title)))
            .collect(),
        professions: professions::table
            .select((professions::id, professions::title))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect(),
        clusters: clusters::table
            .select((clusters::id, clusters::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect(),
    })
}

//! What calibration and the backtest read besides the forecast's inputs:
//! every year of every school's counts, every graduation and destination
//! record, and the programs' names, in four queries.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    grade_counts, organizations, program_destinations, program_graduations, programs,
};
use crate::forecast::evidence::{Destined, Graduated};

/// The records of what happened, as stored (counts exact).
#[derive(Debug, Clone, Default)]
pub struct EvidenceRows {
    /// `(school_id, academic_year, grade, pupils)`.
    pub counts: Vec<(i64, i32, i32, i32)>,
    /// By program id: `(year, graduated)`.
    pub graduations: HashMap<i64, Vec<(i32, Graduated)>>,
    /// By program id: `(graduation_year, destined)`.
    pub destinations: HashMap<i64, Vec<(i32, Destined)>>,
    /// By program id: `(title, institution name)`.
    pub names: HashMap<i64, (String, String)>,
}

/// Reads them in one transaction, so that they are one snapshot.
pub fn load(conn: &mut DbConnection) -> QueryResult<EvidenceRows> {
    conn.transaction(|conn| {
        if let DbConnection::Postgres(_) = conn {
            // READ COMMITTED would give each query its own snapshot.
            diesel::connection::SimpleConnection::batch_execute(
                conn,
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )?;
        }
        let counts = grade_counts::table
            .select((
                grade_counts::school_id,
                grade_counts::academic_year,
                grade_counts::grade,
                grade_counts::pupils,
            ))
            .load::<(i64, i32, i32, i32)>(conn)?;
        let mut graduations: HashMap<i64, Vec<(i32, Graduated)>> = HashMap::new();
        for (program_id, year, graduates, targeted) in program_graduations::table
            .select((
                program_graduations::program_id,
                program_graduations::year,
                program_graduations::graduates,
                program_graduations::targeted_graduates,
            ))
            .load::<(i64, i32, i32, i32)>(conn)?
        {
            graduations.entry(program_id).or_default().push((
                year,
                Graduated {
                    graduates: i64::from(graduates),
                    targeted: i64::from(targeted),
                },
            ));
        }
        let mut destinations: HashMap<i64, Vec<(i32, Destined)>> = HashMap::new();
        for (program_id, year, employed, targeted, unknown) in program_destinations::table
            .select((
                program_destinations::program_id,
                program_destinations::graduation_year,
                program_destinations::employed_in_profession,
                program_destinations::employed_in_profession_targeted,
                program_destinations::unknown,
            ))
            .load::<(i64, i32, i32, i32, i32)>(conn)?
        {
            destinations.entry(program_id).or_default().push((
                year,
                Destined {
                    employed_in_profession: i64::from(employed),
                    employed_in_profession_targeted: i64::from(targeted),
                    unknown: i64::from(unknown),
                },
            ));
        }
        let names = programs::table
            .inner_join(organizations::table)
            .select((programs::id, programs::title, organizations::name))
            .load::<(i64, String, String)>(conn)?
            .into_iter()
            .map(|(id, title, institution)| (id, (title, institution)))
            .collect();
        Ok(EvidenceRows {
            counts,
            graduations,
            destinations,
            names,
        })
    })
}

/// Sets programs' completion rates: `(program_id, rate)`; call inside a transaction.
pub fn set_completion_rates(conn: &mut DbConnection, rates: &[(i64, f64)]) -> QueryResult<()> {
    for (id, rate) in rates {
        diesel::update(programs::table.find(*id))
            .set((
                programs::completion_rate.eq(Some(*rate)),
                programs::updated_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

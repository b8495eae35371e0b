//! Row locks taken before a conditional write reads what it compares.
//!
//! On PostgreSQL, `UPDATE … SET id = id` locks the row until the transaction
//! ends, so a second writer with the same `If-Match` waits, then reads the
//! first writer's result and fails its precondition. On SQLite a write
//! transaction already holds the database's write lock.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{demand, events, forecast_parameter_values, organizations, programs, pupils};

/// The record whose row a conditional write locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// A program, with its intakes, enrollments, graduations and destinations.
    Program(i64),
    Pupil(i64),
    Demand(i64),
    Event(i64),
    /// A school, with its counts of pupils per grade.
    Organization(i64),
    ForecastParameters,
}

pub fn lock(conn: &mut DbConnection, what: Lock) -> QueryResult<()> {
    match what {
        Lock::Program(id) => diesel::update(programs::table.find(id))
            .set(programs::id.eq(id))
            .execute(conn),
        Lock::Pupil(id) => diesel::update(pupils::table.find(id))
            .set(pupils::id.eq(id))
            .execute(conn),
        Lock::Demand(id) => diesel::update(demand::table.find(id))
            .set(demand::id.eq(id))
            .execute(conn),
        Lock::Event(id) => diesel::update(events::table.find(id))
            .set(events::id.eq(id))
            .execute(conn),
        Lock::Organization(id) => diesel::update(organizations::table.find(id))
            .set(organizations::id.eq(id))
            .execute(conn),
        Lock::ForecastParameters => diesel::update(forecast_parameter_values::table)
            .set(forecast_parameter_values::name.eq(forecast_parameter_values::name))
            .execute(conn),
    }?;
    Ok(())
}

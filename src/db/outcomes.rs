//! Records of what happened to a program's students (step 9): graduations
//! per calendar year and graduates' destinations about a year later.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::DbConnection;
use super::schema::{program_destinations, program_graduations};

/// How many finished a program in one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = program_graduations)]
pub struct Graduation {
    pub year: i32,
    pub graduates: i32,
    /// Of them, from targeted-training seats.
    pub targeted_graduates: i32,
}

/// Where one year's graduates were about a year later.
#[derive(Debug, Clone, Copy, PartialEq, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = program_destinations)]
pub struct Destination {
    pub graduation_year: i32,
    /// Working in the region in a profession the program trains for.
    pub employed_in_profession: i32,
    /// Of them, from targeted-training seats.
    pub employed_in_profession_targeted: i32,
    pub employed_other: i32,
    pub continued_study: i32,
    pub military_service: i32,
    pub left_region: i32,
    pub unknown: i32,
}

impl Destination {
    /// The graduates the record accounts for: the six disjoint categories
    /// (the targeted part is inside `employed_in_profession`).
    pub fn accounted(&self) -> i64 {
        [
            self.employed_in_profession,
            self.employed_other,
            self.continued_study,
            self.military_service,
            self.left_region,
            self.unknown,
        ]
        .iter()
        .map(|n| i64::from(*n))
        .sum()
    }
}

pub fn put_graduation(
    conn: &mut DbConnection,
    program_id: i64,
    graduation: &Graduation,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        delete_graduation(conn, program_id, graduation.year)?;
        diesel::insert_into(program_graduations::table)
            .values((program_graduations::program_id.eq(program_id), *graduation))
            .execute(conn)?;
        Ok(())
    })
}

pub fn graduation(
    conn: &mut DbConnection,
    program_id: i64,
    year: i32,
) -> QueryResult<Option<Graduation>> {
    program_graduations::table
        .find((program_id, year))
        .select(Graduation::as_select())
        .first(conn)
        .optional()
}

pub fn graduations(conn: &mut DbConnection, program_id: i64) -> QueryResult<Vec<Graduation>> {
    program_graduations::table
        .filter(program_graduations::program_id.eq(program_id))
        .order(program_graduations::year)
        .select(Graduation::as_select())
        .load(conn)
}

/// Whether a record was deleted.
pub fn delete_graduation(conn: &mut DbConnection, program_id: i64, year: i32) -> QueryResult<bool> {
    Ok(diesel::delete(program_graduations::table.find((program_id, year))).execute(conn)? > 0)
}

pub fn put_destination(
    conn: &mut DbConnection,
    program_id: i64,
    destination: &Destination,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        delete_destination(conn, program_id, destination.graduation_year)?;
        diesel::insert_into(program_destinations::table)
            .values((
                program_destinations::program_id.eq(program_id),
                *destination,
            ))
            .execute(conn)?;
        Ok(())
    })
}

pub fn destination(
    conn: &mut DbConnection,
    program_id: i64,
    year: i32,
) -> QueryResult<Option<Destination>> {
    program_destinations::table
        .find((program_id, year))
        .select(Destination::as_select())
        .first(conn)
        .optional()
}

pub fn destinations(conn: &mut DbConnection, program_id: i64) -> QueryResult<Vec<Destination>> {
    program_destinations::table
        .filter(program_destinations::program_id.eq(program_id))
        .order(program_destinations::graduation_year)
        .select(Destination::as_select())
        .load(conn)
}

/// Whether a record was deleted.
pub fn delete_destination(
    conn: &mut DbConnection,
    program_id: i64,
    year: i32,
) -> QueryResult<bool> {
    Ok(diesel::delete(program_destinations::table.find((program_id, year))).execute(conn)? > 0)
}

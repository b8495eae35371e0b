//! Queries on programs, the professions they train for, their intakes and their actual enrollments.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema::{program_enrollments, program_intakes, program_professions, programs};
use super::{DbConnection, MultiBackend};
use crate::domain::Page;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programs)]
struct ProgramRow {
    id: i64,
    institution_id: i64,
    specialty_code: String,
    title: String,
    entry_grade: i32,
    duration_months: i32,
    completion_rate: Option<f64>,
}

/// One profession a program trains for, and its share of the program's graduates.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramProfession {
    #[schema(minimum = 1)]
    pub profession_id: i64,
    /// Above 0, at most 1; a program's shares add up to 1.
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Program {
    pub id: i64,
    pub institution_id: i64,
    pub specialty_code: String,
    pub title: String,
    /// 9 or 11: the school grade the program is entered after.
    pub entry_grade: i32,
    pub duration_months: i32,
    /// The program's own completion rate; `null` means the region's dropout rate applies.
    pub completion_rate: Option<f64>,
    pub professions: Vec<ProgramProfession>,
}

/// A program's fields as validated at the edge.
pub struct ProgramFields {
    pub specialty_code: String,
    pub title: String,
    pub entry_grade: i32,
    pub duration_months: i32,
    pub completion_rate: Option<f64>,
    pub professions: Vec<ProgramProfession>,
}

impl ProgramRow {
    fn with_professions(self, professions: Vec<ProgramProfession>) -> Program {
        Program {
            id: self.id,
            institution_id: self.institution_id,
            specialty_code: self.specialty_code,
            title: self.title,
            entry_grade: self.entry_grade,
            duration_months: self.duration_months,
            completion_rate: self.completion_rate,
            professions,
        }
    }
}

fn insert_professions(
    conn: &mut DbConnection,
    program_id: i64,
    professions: &[ProgramProfession],
) -> QueryResult<()> {
    let rows: Vec<_> = professions
        .iter()
        .map(|p| {
            (
                program_professions::program_id.eq(program_id),
                program_professions::profession_id.eq(p.profession_id),
                program_professions::share.eq(p.share),
            )
        })
        .collect();
    crate::on_backend!(conn, |inner| diesel::insert_into(
        program_professions::table
    )
    .values(&rows)
    .execute(inner))?;
    Ok(())
}

/// Inserts a program with its professions; call inside a transaction.
pub fn insert_in_transaction(
    conn: &mut DbConnection,
    institution_id: i64,
    fields: &ProgramFields,
) -> QueryResult<Program> {
    let now = chrono::Utc::now().naive_utc();
    let row: ProgramRow = diesel::insert_into(programs::table)
        .values((
            programs::institution_id.eq(institution_id),
            programs::specialty_code.eq(&fields.specialty_code),
            programs::title.eq(&fields.title),
            programs::entry_grade.eq(fields.entry_grade),
            programs::duration_months.eq(fields.duration_months),
            programs::completion_rate.eq(fields.completion_rate),
            programs::created_at.eq(now),
            programs::updated_at.eq(now),
        ))
        .returning((
            programs::id,
            programs::institution_id,
            programs::specialty_code,
            programs::title,
            programs::entry_grade,
            programs::duration_months,
            programs::completion_rate,
        ))
        .get_result(conn)?;
    insert_professions(conn, row.id, &fields.professions)?;
    Ok(row.with_professions(fields.professions.clone()))
}

/// Replaces a program's fields and professions; call inside a transaction.
pub fn replace_in_transaction(
    conn: &mut DbConnection,
    id: i64,
    fields: &ProgramFields,
) -> QueryResult<Option<Program>> {
    let updated = diesel::update(programs::table.find(id))
        .set((
            programs::specialty_code.eq(&fields.specialty_code),
            programs::title.eq(&fields.title),
            programs::entry_grade.eq(fields.entry_grade),
            programs::duration_months.eq(fields.duration_months),
            programs::completion_rate.eq(fields.completion_rate),
            programs::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    diesel::delete(program_professions::table.filter(program_professions::program_id.eq(id)))
        .execute(conn)?;
    insert_professions(conn, id, &fields.professions)?;
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(programs::table.find(id)).execute(conn)? > 0)
}

/// The institution a program belongs to, if the program exists.
pub fn institution_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    programs::table
        .find(id)
        .select(programs::institution_id)
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Program>> {
    let Some(row) = programs::table
        .find(id)
        .select(ProgramRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let professions = professions_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(Some(row.with_professions(professions)))
}

fn professions_of(
    conn: &mut DbConnection,
    program_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<ProgramProfession>>> {
    let rows: Vec<(i64, i64, f64)> = program_professions::table
        .filter(program_professions::program_id.eq_any(program_ids))
        .select((
            program_professions::program_id,
            program_professions::profession_id,
            program_professions::share,
        ))
        .order((
            program_professions::program_id,
            program_professions::profession_id,
        ))
        .load(conn)?;
    let mut by_program: HashMap<i64, Vec<ProgramProfession>> = HashMap::new();
    for (program_id, profession_id, share) in rows {
        by_program
            .entry(program_id)
            .or_default()
            .push(ProgramProfession {
                profession_id,
                share,
            });
    }
    Ok(by_program)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub institution_id: Option<i64>,
    pub profession_id: Option<i64>,
}

fn filtered(filter: Filter) -> programs::BoxedQuery<'static, MultiBackend> {
    let mut query = programs::table.into_boxed();
    if let Some(institution_id) = filter.institution_id {
        query = query.filter(programs::institution_id.eq(institution_id));
    }
    if let Some(profession_id) = filter.profession_id {
        query = query.filter(
            programs::id.eq_any(
                program_professions::table
                    .filter(program_professions::profession_id.eq(profession_id))
                    .select(program_professions::program_id),
            ),
        );
    }
    query
}

/// A page of programs with their professions: two round trips whatever the page size.
pub fn list(
    conn: &mut DbConnection,
    filter: Filter,
    page: Page,
) -> QueryResult<(Vec<Program>, i64)> {
    let rows: Vec<(ProgramRow, i64)> = filtered(filter)
        .select((ProgramRow::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order(programs::id)
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    let (rows, total) =
        super::page_with_total(rows, page, || filtered(filter).count().get_result(conn))?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut professions = professions_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let of_program = professions.remove(&row.id).unwrap_or_default();
            row.with_professions(of_program)
        })
        .collect();
    Ok((items, total))
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = program_intakes)]
pub struct Intake {
    pub year: i32,
    pub seats: i32,
    pub targeted_seats: i32,
}

/// Sets the seats of one intake year, creating or replacing it.
pub fn put_intake(conn: &mut DbConnection, program_id: i64, intake: &Intake) -> QueryResult<()> {
    conn.transaction(|conn| {
        let updated = diesel::update(program_intakes::table.find((program_id, intake.year)))
            .set((
                program_intakes::seats.eq(intake.seats),
                program_intakes::targeted_seats.eq(intake.targeted_seats),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(program_intakes::table)
                .values((
                    program_intakes::program_id.eq(program_id),
                    program_intakes::year.eq(intake.year),
                    program_intakes::seats.eq(intake.seats),
                    program_intakes::targeted_seats.eq(intake.targeted_seats),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn intakes(conn: &mut DbConnection, program_id: i64) -> QueryResult<Vec<Intake>> {
    program_intakes::table
        .filter(program_intakes::program_id.eq(program_id))
        .select(Intake::as_select())
        .order(program_intakes::year)
        .load(conn)
}

/// One intake year of a program, when it has one of its own.
pub fn intake(conn: &mut DbConnection, program_id: i64, year: i32) -> QueryResult<Option<Intake>> {
    program_intakes::table
        .find((program_id, year))
        .select(Intake::as_select())
        .first(conn)
        .optional()
}

pub fn delete_intake(conn: &mut DbConnection, program_id: i64, year: i32) -> QueryResult<bool> {
    Ok(diesel::delete(program_intakes::table.find((program_id, year))).execute(conn)? > 0)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = program_enrollments)]
pub struct Enrollment {
    pub start_year: i32,
    /// How many actually started.
    pub students: i32,
}

/// Records how many students actually started in one year, creating or replacing it.
pub fn put_enrollment(
    conn: &mut DbConnection,
    program_id: i64,
    enrollment: &Enrollment,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let updated =
            diesel::update(program_enrollments::table.find((program_id, enrollment.start_year)))
                .set(program_enrollments::students.eq(enrollment.students))
                .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(program_enrollments::table)
                .values((
                    program_enrollments::program_id.eq(program_id),
                    program_enrollments::start_year.eq(enrollment.start_year),
                    program_enrollments::students.eq(enrollment.students),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn enrollments(conn: &mut DbConnection, program_id: i64) -> QueryResult<Vec<Enrollment>> {
    program_enrollments::table
        .filter(program_enrollments::program_id.eq(program_id))
        .select(Enrollment::as_select())
        .order(program_enrollments::start_year)
        .load(conn)
}

/// One start year's actual enrollment of a program.
pub fn enrollment(
    conn: &mut DbConnection,
    program_id: i64,
    start_year: i32,
) -> QueryResult<Option<Enrollment>> {
    program_enrollments::table
        .find((program_id, start_year))
        .select(Enrollment::as_select())
        .first(conn)
        .optional()
}

pub fn delete_enrollment(
    conn: &mut DbConnection,
    program_id: i64,
    start_year: i32,
) -> QueryResult<bool> {
    Ok(
        diesel::delete(program_enrollments::table.find((program_id, start_year))).execute(conn)?
            > 0,
    )
}

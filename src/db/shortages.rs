//! The cells the shortage check last found in shortage, and the lock that makes checks take turns.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{shortage_checks, shortages};

/// Takes the check's row lock for the rest of the transaction, so that
/// concurrent processes run the check one after another.
pub fn lock_for_check(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(shortage_checks::table.find(1))
        .set(shortage_checks::checked_at.eq(chrono::Utc::now().naive_utc()))
        .execute(conn)?;
    Ok(())
}

/// Every `(profession_id, year)` told as a shortage and not yet told as over.
pub fn known(conn: &mut DbConnection) -> QueryResult<BTreeSet<(i64, i32)>> {
    Ok(shortages::table
        .select((shortages::profession_id, shortages::year))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect())
}

/// Forgets the cells outside `from..=to`.
pub fn forget_outside(conn: &mut DbConnection, from: i32, to: i32) -> QueryResult<()> {
    diesel::delete(shortages::table.filter(shortages::year.lt(from).or(shortages::year.gt(to))))
        .execute(conn)?;
    Ok(())
}

pub fn remove(conn: &mut DbConnection, cells: &[(i64, i32)]) -> QueryResult<()> {
    for (profession_id, year) in cells {
        diesel::delete(shortages::table.find((profession_id, year))).execute(conn)?;
    }
    Ok(())
}

pub fn add(conn: &mut DbConnection, cells: &[(i64, i32)]) -> QueryResult<()> {
    for (profession_id, year) in cells {
        diesel::insert_into(shortages::table)
            .values((
                shortages::profession_id.eq(profession_id),
                shortages::year.eq(year),
            ))
            .execute(conn)?;
    }
    Ok(())
}

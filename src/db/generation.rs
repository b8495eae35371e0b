//! The data's generation: raised by every write transaction (see
//! `write_transaction`), read before an answer is taken from a cache.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::data_generation;

/// The generation as last committed.
pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
    data_generation::table
        .find(1)
        .select(data_generation::generation)
        .first(conn)
}

/// Raises the generation; inside a transaction, just before it commits.
pub fn raise(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(data_generation::table.find(1))
        .set(data_generation::generation.eq(data_generation::generation + 1))
        .execute(conn)?;
    Ok(())
}

//! Whole-database chores: is it ready, does it hold data, wipe it for a fresh demo.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{clusters, organizations, pupils};

/// Reads a table, not just `SELECT 1`, so that a locked or missing database shows.
pub fn check_ready(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT COUNT(*) FROM __diesel_schema_migrations")
}

/// Whether the database holds any catalogue or pupil data (users do not count).
pub fn has_data(conn: &mut DbConnection) -> QueryResult<bool> {
    let any_cluster: bool =
        diesel::select(diesel::dsl::exists(clusters::table.select(clusters::id)))
            .get_result(conn)?;
    let any_organization: bool = diesel::select(diesel::dsl::exists(
        organizations::table.select(organizations::id),
    ))
    .get_result(conn)?;
    let any_pupil: bool =
        diesel::select(diesel::dsl::exists(pupils::table.select(pupils::id))).get_result(conn)?;
    Ok(any_cluster || any_organization || any_pupil)
}

/// Deletes every row of every table but the migrations' and the one-row
/// tables, children first.
pub fn wipe(conn: &mut DbConnection) -> QueryResult<()> {
    conn.transaction(|conn| {
        conn.batch_execute(
            "DELETE FROM event_registrations; DELETE FROM event_professions; DELETE FROM events;
             DELETE FROM shortages; DELETE FROM outbox; DELETE FROM invitations;
             DELETE FROM grade_counts; DELETE FROM program_graduations; DELETE FROM program_destinations;
             DELETE FROM pupil_masses; DELETE FROM pupil_counts; DELETE FROM pupil_cohorts; DELETE FROM pupil_interests; DELETE FROM pupils;
             DELETE FROM demand; DELETE FROM program_enrollments; DELETE FROM program_intakes;
             DELETE FROM program_professions; DELETE FROM programs; DELETE FROM web_sessions; DELETE FROM users;
             DELETE FROM login_throttle; DELETE FROM organization_clusters; DELETE FROM organizations;
             DELETE FROM professions; DELETE FROM clusters;",
        )
    })
}

/// Writes a consistent copy of a SQLite database to `to` (`VACUUM INTO`:
/// one read transaction, so writers go on meanwhile and the copy is the
/// database as it was at one instant); `false` on PostgreSQL, which this
/// cannot copy.
pub fn copy_sqlite_into(conn: &mut DbConnection, to: &str) -> QueryResult<bool> {
    match conn {
        DbConnection::Sqlite(inner) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(to)
                .execute(inner)?;
            Ok(true)
        }
        DbConnection::Postgres(_) => Ok(false),
    }
}

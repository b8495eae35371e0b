//! Pupil counts grouped by grade, school or interest, computed in SQL.

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConnection;
use super::schema::{professions, pupil_interests, pupils};

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub school_id: Option<i64>,
    /// Pupils interested in this cluster or in one of its professions.
    pub cluster_id: Option<i64>,
    /// Pupils interested in this profession.
    pub profession_id: Option<i64>,
}

// The interests a filter matches, apart from those a query groups.
diesel::alias!(pupil_interests as interest_match: InterestMatch);

/// `1 = 1` when a filter is absent, so that its condition does not restrict.
fn absent(value: Option<i64>) -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(if value.is_none() { "1 = 1" } else { "1 = 0" })
}

/// The filter as one WHERE condition over `pupils`. It is a single static
/// expression (an absent filter is `OR 1 = 1`) rather than a boxed one,
/// because subqueries through the multi-backend connection cannot hold boxed parts.
macro_rules! pupil_condition {
    ($filter:expr) => {{
        let filter: Filter = $filter;
        let cluster_id = filter.cluster_id.unwrap_or(0);
        let profession_id = filter.profession_id.unwrap_or(0);
        let professions_of_cluster = professions::table
            .filter(professions::cluster_id.eq(cluster_id))
            .select(professions::id.nullable());
        let interested_in_cluster = interest_match
            .filter(
                interest_match
                    .field(pupil_interests::cluster_id)
                    .eq(cluster_id)
                    .or(interest_match
                        .field(pupil_interests::profession_id)
                        .eq_any(professions_of_cluster)),
            )
            .select(interest_match.field(pupil_interests::pupil_id));
        let interested_in_profession = interest_match
            .filter(
                interest_match
                    .field(pupil_interests::profession_id)
                    .eq(profession_id),
            )
            .select(interest_match.field(pupil_interests::pupil_id));
        pupils::school_id
            .eq(filter.school_id.unwrap_or(0))
            .or(absent(filter.school_id))
            .and(
                pupils::id
                    .eq_any(interested_in_cluster)
                    .or(absent(filter.cluster_id)),
            )
            .and(
                pupils::id
                    .eq_any(interested_in_profession)
                    .or(absent(filter.profession_id)),
            )
    }};
}

/// `(profession_id, cluster_id, pupils)`: one of the two ids is set.
pub type InterestCount = (Option<i64>, Option<i64>, i64);

pub fn by_grade(conn: &mut DbConnection, filter: Filter) -> QueryResult<Vec<(i32, i64)>> {
    pupils::table
        .filter(pupil_condition!(filter))
        .group_by(pupils::grade)
        .select((pupils::grade, count_star()))
        .order(pupils::grade)
        .load(conn)
}

pub fn by_school(conn: &mut DbConnection, filter: Filter) -> QueryResult<Vec<(i64, i64)>> {
    pupils::table
        .filter(pupil_condition!(filter))
        .group_by(pupils::school_id)
        .select((pupils::school_id, count_star()))
        .order(pupils::school_id)
        .load(conn)
}

/// Pupils per interest target: `(profession_id, cluster_id, pupils)`, one of the two ids set;
/// professions first, then clusters, each by id.
/// A pupil names a target at most once, so counting rows counts pupils.
pub fn by_interest(conn: &mut DbConnection, filter: Filter) -> QueryResult<Vec<InterestCount>> {
    let pupil_ids = pupils::table
        .filter(pupil_condition!(filter))
        .select(pupils::id);
    pupil_interests::table
        .filter(pupil_interests::pupil_id.eq_any(pupil_ids))
        .group_by((pupil_interests::profession_id, pupil_interests::cluster_id))
        .select((
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
            count_star(),
        ))
        .load(conn)
        .map(|mut groups: Vec<InterestCount>| {
            // Professions first, then clusters, each by id: the backends order NULLs differently.
            groups.sort_by_key(|(profession_id, cluster_id, _)| {
                (profession_id.is_none(), *profession_id, *cluster_id)
            });
            groups
        })
}

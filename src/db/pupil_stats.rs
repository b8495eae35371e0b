//! Pupil counts grouped by grade, school or interest, computed in SQL.

use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConnection;
use super::cells::InterestCell;
use super::schema::{professions, pupil_interests, pupils};

#[derive(Debug, Default, Clone, Copy)]
pub struct Filter {
    pub school_id: Option<i64>,
    /// Pupils interested in this cluster or in one of its professions.
    pub cluster_id: Option<i64>,
    /// Pupils interested in this profession.
    pub profession_id: Option<i64>,
}

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    pupils::school_id,
    pupils::grade,
    pupil_interests::profession_id,
    pupil_interests::cluster_id,
);

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

/// Pupils of one school in one grade: `(school_id, grade, pupils)`, the
/// finest cells every grade and school count is made of. Without an interest
/// filter they are read from the maintained `pupil_counts`.
pub fn cells_by_grade(
    conn: &mut DbConnection,
    filter: Filter,
) -> QueryResult<Vec<(i64, i32, i64)>> {
    if filter.cluster_id.is_none() && filter.profession_id.is_none() {
        return super::pupil_counts::by_grade(conn, filter.school_id);
    }
    cells_by_grade_scanned(conn, filter)
}

/// The same, grouped from the pupils themselves.
pub fn cells_by_grade_scanned(
    conn: &mut DbConnection,
    filter: Filter,
) -> QueryResult<Vec<(i64, i32, i64)>> {
    pupils::table
        .filter(pupil_condition!(filter))
        .group_by((pupils::school_id, pupils::grade))
        .select((pupils::school_id, pupils::grade, count_star()))
        .load(conn)
}

pub fn cells_by_interest(
    conn: &mut DbConnection,
    filter: Filter,
) -> QueryResult<Vec<InterestCell>> {
    if filter.cluster_id.is_none() && filter.profession_id.is_none() {
        return super::pupil_counts::by_interest(conn, filter.school_id);
    }
    cells_by_interest_scanned(conn, filter)
}

/// The same, grouped from the pupils and their interests themselves.
pub fn cells_by_interest_scanned(
    conn: &mut DbConnection,
    filter: Filter,
) -> QueryResult<Vec<InterestCell>> {
    pupil_interests::table
        .inner_join(pupils::table)
        .filter(pupil_condition!(filter))
        .group_by((
            pupils::school_id,
            pupils::grade,
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
        ))
        .select((
            pupils::school_id,
            pupils::grade,
            pupil_interests::profession_id,
            pupil_interests::cluster_id,
            count_star(),
        ))
        .load(conn)
}

//! Checks that ids a request names (professions, clusters) exist, naming each field that points nowhere.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{clusters, professions};
use crate::error::{AppError, FieldError};

/// An id a request names, and the field it was given in.
pub enum Reference {
    Profession { field: String, id: i64 },
    Cluster { field: String, id: i64 },
}

/// 422 naming every reference to a profession or cluster that does not
/// exist; at most two queries whatever the number of references.
pub fn check_references(conn: &mut DbConnection, references: &[Reference]) -> Result<(), AppError> {
    let profession_ids: Vec<i64> = references
        .iter()
        .filter_map(|r| match r {
            Reference::Profession { id, .. } => Some(*id),
            Reference::Cluster { .. } => None,
        })
        .collect();
    let cluster_ids: Vec<i64> = references
        .iter()
        .filter_map(|r| match r {
            Reference::Cluster { id, .. } => Some(*id),
            Reference::Profession { .. } => None,
        })
        .collect();
    let known_professions: HashSet<i64> = if profession_ids.is_empty() {
        HashSet::new()
    } else {
        professions::table
            .filter(professions::id.eq_any(&profession_ids))
            .select(professions::id)
            .load::<i64>(conn)?
            .into_iter()
            .collect()
    };
    let known_clusters: HashSet<i64> = if cluster_ids.is_empty() {
        HashSet::new()
    } else {
        clusters::table
            .filter(clusters::id.eq_any(&cluster_ids))
            .select(clusters::id)
            .load::<i64>(conn)?
            .into_iter()
            .collect()
    };
    let errors: Vec<FieldError> = references
        .iter()
        .filter_map(|r| match r {
            Reference::Profession { field, id } if !known_professions.contains(id) => Some(
                FieldError::new(field, format!("no profession has the id {id}")),
            ),
            Reference::Cluster { field, id } if !known_clusters.contains(id) => Some(
                FieldError::new(field, format!("no cluster has the id {id}")),
            ),
            _ => None,
        })
        .collect();
    AppError::unless_empty(errors)
}

/// What a roster's interests may name: profession ids by code, and the cluster ids.
pub fn interest_targets(
    conn: &mut DbConnection,
) -> QueryResult<(HashMap<String, i64>, HashMap<String, i64>)> {
    let profession_ids = professions::table
        .select((professions::code, professions::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let cluster_ids = clusters::table
        .select((clusters::name, clusters::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    Ok((profession_ids, cluster_ids))
}

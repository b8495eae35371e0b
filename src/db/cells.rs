//! The finest cells of pupil counts, which every count shown to anyone is
//! made of (and, for outsiders, rounded in): shared by the maintained
//! aggregate (`pupil_counts`) and the scans (`pupil_stats`).

/// One interest target's pupils of one school in one grade: `(school_id,
/// grade, profession_id, cluster_id, pupils)`, one of the two ids set. A
/// pupil names a target at most once, so counting rows counts pupils.
pub type InterestCell = (i64, i32, Option<i64>, Option<i64>, i64);

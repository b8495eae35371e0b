//! Recommendations for one pupil: the programs on the pupil's path, ranked by
//! interest and by the shortage the forecast sees when the pupil would graduate.
//!
//! Score = 2 × interest match + shortage, where
//! - interest match (0 to 1) is the part of the pupil's interests (by weight)
//!   that the program matches (its professions, or their clusters);
//! - shortage (0 to 1) is, over the program's professions by share, the gap
//!   in the graduation year as a part of that year's demand (0 without a gap).
//!
//! Interest weighs double: a pupil should be shown first what they asked
//! about; among equals, where the jobs will be. Ties go to the earlier entry,
//! then the lower program id, so the order is deterministic.

use std::collections::HashMap;

use super::model::{Inputs, ProgramInput, Seats, Target};

/// A pupil as the recommendations see it: where they are and what they like.
pub struct PupilPath {
    pub grade: i32,
    pub academic_year: i32,
    /// Interest targets with their part of the pupil (adding up to 1).
    pub interests: Vec<(Target, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Matches the pupil's interest in this target, which is `part` of the pupil's interests.
    Interest {
        target: Target,
        part: f64,
    },
    /// In `year` the region needs `gap` more of this profession than it trains.
    Shortage {
        profession_id: i64,
        year: i32,
        gap: f64,
    },
    Seats(Seats),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub program_id: i64,
    pub entry_year: i32,
    pub graduation_year: i32,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// `(demand, gap)` per (profession, year), from a forecast.
pub type Gaps = HashMap<(i64, i32), (f64, f64)>;

/// The programs the pupil could enter from `earliest_entry` on, best first.
pub fn recommend(
    pupil: &PupilPath,
    inputs: &Inputs,
    gaps: &Gaps,
    earliest_entry: i32,
) -> Vec<Recommendation> {
    let exit_year = |completed: i32| pupil.academic_year + (completed - pupil.grade) + 1;
    let paths: Vec<(i32, i32)> = if pupil.grade <= 9 {
        vec![(9, exit_year(9)), (11, exit_year(11))]
    } else {
        vec![(11, exit_year(11))]
    };
    let mut recommendations: Vec<Recommendation> = Vec::new();
    for (entry_grade, entry_year) in paths {
        if entry_year < earliest_entry {
            continue;
        }
        for program in inputs
            .programs
            .iter()
            .filter(|p| p.entry_grade == entry_grade)
        {
            let Some(seats) = program.seats_in(entry_year).filter(|s| s.seats > 0) else {
                continue;
            };
            recommendations.push(assess(pupil, inputs, gaps, program, entry_year, seats));
        }
    }
    recommendations.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.entry_year.cmp(&b.entry_year))
            .then(a.program_id.cmp(&b.program_id))
    });
    recommendations
}

fn assess(
    pupil: &PupilPath,
    inputs: &Inputs,
    gaps: &Gaps,
    program: &ProgramInput,
    entry_year: i32,
    seats: Seats,
) -> Recommendation {
    let graduation_year = entry_year + program.study_years();
    let trains = |target: Target| match target {
        Target::Profession(id) => program.professions.iter().any(|(p, _)| *p == id),
        Target::Cluster(id) => program.professions.iter().any(|(p, _)| {
            inputs
                .professions
                .get(p)
                .is_some_and(|p| p.cluster_id == id)
        }),
        Target::Open => false,
    };
    let mut reasons = Vec::new();
    let mut interest = 0.0;
    for (target, part) in &pupil.interests {
        if trains(*target) {
            interest += part;
            reasons.push(Reason::Interest {
                target: *target,
                part: *part,
            });
        }
    }
    let mut shortage = 0.0;
    for (profession_id, share) in &program.professions {
        if let Some((demand, gap)) = gaps.get(&(*profession_id, graduation_year))
            && *gap > 0.0
            && *demand > 0.0
        {
            shortage += share * (gap / demand).min(1.0);
            reasons.push(Reason::Shortage {
                profession_id: *profession_id,
                year: graduation_year,
                gap: *gap,
            });
        }
    }
    reasons.push(Reason::Seats(seats));
    Recommendation {
        program_id: program.id,
        entry_year,
        graduation_year,
        score: 2.0 * interest + shortage,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::forecast::model::Profession;

    fn program(id: i64, profession: i64, entry_grade: i32, seats: i32) -> ProgramInput {
        ProgramInput {
            id,
            entry_grade,
            duration_months: 34,
            completion_rate: None,
            professions: vec![(profession, 1.0)],
            intakes: BTreeMap::from([(2026, Seats { seats, targeted: 0 })]),
            enrollments: BTreeMap::new(),
        }
    }

    fn world() -> (Inputs, Gaps) {
        let inputs = Inputs {
            programs: vec![
                program(1, 10, 9, 25),
                program(2, 20, 9, 25),
                program(3, 10, 11, 25),
                program(4, 20, 9, 0),
            ],
            professions: HashMap::from([
                (
                    10,
                    Profession {
                        code: "P10".into(),
                        title: "P10".into(),
                        cluster_id: 100,
                    },
                ),
                (
                    20,
                    Profession {
                        code: "P20".into(),
                        title: "P20".into(),
                        cluster_id: 200,
                    },
                ),
            ]),
            ..Inputs::default()
        };
        // Profession 10 is short in 2030 (half the demand missing); 20 is not.
        let gaps = HashMap::from([((10, 2030), (40.0, 20.0)), ((20, 2030), (10.0, -5.0))]);
        (inputs, gaps)
    }

    #[test]
    fn interest_comes_first_then_the_shortage() {
        let (inputs, gaps) = world();
        let pupil = PupilPath {
            grade: 8,
            academic_year: 2025,
            interests: vec![(Target::Cluster(200), 1.0)],
        };
        let found = recommend(&pupil, &inputs, &gaps, 2026);
        let order: Vec<i64> = found.iter().map(|r| r.program_id).collect();
        // Grade 8 in 2025 enters after grade 9 in 2027 (seats carried forward); program 4 has none.
        assert_eq!(order, [2, 1, 3]);
        assert_eq!(
            (found[0].entry_year, found[0].graduation_year),
            (2027, 2030)
        );
        assert_eq!(found[0].score, 2.0);
        assert_eq!(found[1].score, 0.5);
        assert!(found[1].reasons.contains(&Reason::Shortage {
            profession_id: 10,
            year: 2030,
            gap: 20.0
        }));
        // After grade 11 in 2029: graduates 2032, no known gap.
        assert_eq!((found[2].entry_year, found[2].score), (2029, 0.0));
    }

    #[test]
    fn without_interests_the_shortage_decides_and_grade_10_sees_only_entry_after_11() {
        let (inputs, gaps) = world();
        let open = PupilPath {
            grade: 8,
            academic_year: 2025,
            interests: vec![],
        };
        let order: Vec<i64> = recommend(&open, &inputs, &gaps, 2026)
            .iter()
            .map(|r| r.program_id)
            .collect();
        assert_eq!(order, [1, 2, 3]);
        let older = PupilPath {
            grade: 10,
            academic_year: 2025,
            interests: vec![(Target::Profession(10), 1.0)],
        };
        let found = recommend(&older, &inputs, &gaps, 2026);
        assert_eq!(found.iter().map(|r| r.program_id).collect::<Vec<_>>(), [3]);
        assert_eq!(found[0].entry_year, 2027);
        // A path whose entry year has passed offers nothing.
        assert!(recommend(&older, &inputs, &gaps, 2028).is_empty());
    }
}

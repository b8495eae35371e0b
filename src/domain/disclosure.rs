//! Disclosure control for counts of pupils shown outside their school.
//!
//! The method is the rounding rule of the UK's Higher Education Statistics
//! Agency (HESA), applied per school and per cell before anything is added
//! up: each school's count in each finest cell (a grade, a grade and an
//! interest, a status) is rounded to a multiple of 5, with 0, 1 and 2 shown
//! as 0; a total is the sum of the rounded cells, never the rounding of the
//! true total. Everything an outsider can read about pupils is a function of
//! those rounded cells, so any combination of answers (differences of
//! filtered and unfiltered totals included) tells no more than the rounded
//! value of each cell, and each rounded value is what at least three
//! different true counts give: no count of one school is ever told exactly.
//! The pupils' own school and admins read exact counts.

/// The base of the rounding.
pub const BASE: i64 = 5;

/// A count as an outsider sees it: 0-2 as 0, the rest to the nearest multiple
/// of 5 (3-7 as 5, 8-12 as 10, ...).
pub const fn round(count: i64) -> i64 {
    if count <= 0 {
        0
    } else {
        (count + BASE / 2) / BASE * BASE
    }
}

/// A count as `exact` or outside readers see it.
pub const fn shown(count: i64, exact: bool) -> i64 {
    if exact { count } else { round(count) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_to_fives_with_small_ones_as_zero() {
        let rounded: Vec<i64> = (0..=18).map(round).collect();
        assert_eq!(
            rounded,
            [
                0, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10, 10, 10, 15, 15, 15, 15, 15, 20
            ]
        );
    }

    #[test]
    fn every_rounded_value_is_given_by_at_least_three_true_counts() {
        for count in 0..1000 {
            let same = (0..1010)
                .filter(|other| round(*other) == round(count))
                .count();
            assert!(same >= 3, "{count} shares its rounding with only {same}");
        }
    }

    #[test]
    fn exact_readers_see_the_count() {
        assert_eq!(shown(7, true), 7);
        assert_eq!(shown(7, false), 5);
    }
}

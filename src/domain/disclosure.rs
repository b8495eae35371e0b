//! Small-count suppression for pupil aggregates shown outside the pupils' school.
//!
//! Every count from 1 to 9 is withheld (primary suppression). Where exactly
//! one cell is withheld, a reader who knows the total (from another grouping
//! of the same pupils) could subtract the others and get it back, so the
//! smallest other non-zero cell is withheld too (complementary suppression).

/// Counts below this, and above zero, are never shown to outsiders.
pub const THRESHOLD: i64 = 10;

/// The counts as they may be shown: `None` where withheld.
pub fn suppress(counts: &[i64]) -> Vec<Option<i64>> {
    let mut shown: Vec<Option<i64>> = counts
        .iter()
        .map(|&count| (!(1..THRESHOLD).contains(&count)).then_some(count))
        .collect();
    let withheld = shown.iter().filter(|cell| cell.is_none()).count();
    if withheld == 1 {
        let smallest_other = shown
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| cell.filter(|count| *count > 0).map(|count| (count, i)))
            .min();
        if let Some((_, i)) = smallest_other {
            shown[i] = None;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::suppress;

    #[test]
    fn counts_from_1_to_9_are_withheld_and_zero_and_10_are_shown() {
        assert_eq!(suppress(&[0, 10, 25]), [Some(0), Some(10), Some(25)]);
        assert_eq!(suppress(&[1, 9, 10]), [None, None, Some(10)]);
    }

    #[test]
    fn a_lone_withheld_cell_takes_the_smallest_other_with_it() {
        assert_eq!(suppress(&[40, 3, 12, 30]), [Some(40), None, None, Some(30)]);
        // The tie goes to the first.
        assert_eq!(suppress(&[12, 5, 12]), [None, None, Some(12)]);
    }

    #[test]
    fn a_single_small_cell_alone_is_simply_withheld() {
        assert_eq!(suppress(&[4]), [None]);
        assert_eq!(suppress(&[4, 0]), [None, Some(0)]);
    }

    #[test]
    fn no_withheld_cell_can_be_recovered_from_the_total() {
        // With the total known, a single unknown cell is recoverable; two are not.
        for counts in [
            vec![40, 3, 12, 30],
            vec![1, 100],
            vec![9, 9, 50],
            vec![15, 2],
        ] {
            let shown = suppress(&counts);
            let unknown = shown.iter().filter(|c| c.is_none()).count();
            assert!(unknown == 0 || unknown >= 2, "{counts:?} -> {shown:?}");
        }
    }
}

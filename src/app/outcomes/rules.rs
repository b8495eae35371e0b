//! The rules of step 9's records: the bodies as a request gives them, and
//! every bad field named, beside the same year's other record.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::programs::MAX_PEOPLE;
use crate::db::outcomes::{Destination, Graduation};
use crate::domain::numbers::{count, current_year, year_between};
use crate::error::FieldError;

/// The first year a record of what happened may name.
const FIRST_YEAR: i32 = 1990;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"graduates": 48, "targeted_graduates": 12}))]
pub struct GraduationBody {
    /// How many finished the program in the year: 0 to 100000.
    #[schema(minimum = 0, maximum = 100000)]
    pub graduates: i32,
    /// Of them, from targeted-training seats: at most `graduates`.
    #[schema(minimum = 0, maximum = 100000)]
    pub targeted_graduates: i32,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"employed_in_profession": 27, "employed_in_profession_targeted": 11, "employed_other": 6, "continued_study": 5, "military_service": 4, "left_region": 3, "unknown": 3}))]
pub struct DestinationBody {
    /// Working in the region in a profession the program trains for.
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_in_profession: i32,
    /// Of them, from targeted-training seats.
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_in_profession_targeted: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub employed_other: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub continued_study: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub military_service: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub left_region: i32,
    #[schema(minimum = 0, maximum = 100000)]
    pub unknown: i32,
}

impl DestinationBody {
    pub(super) fn record(self, graduation_year: i32) -> Destination {
        Destination {
            graduation_year,
            employed_in_profession: self.employed_in_profession,
            employed_in_profession_targeted: self.employed_in_profession_targeted,
            employed_other: self.employed_other,
            continued_study: self.continued_study,
            military_service: self.military_service,
            left_region: self.left_region,
            unknown: self.unknown,
        }
    }
}

fn year_error(year: i32, field: &str) -> Option<FieldError> {
    year_between(year, FIRST_YEAR, current_year())
        .err()
        .map(|message| FieldError::new(field, message))
}

fn count_errors(counts: &[(&str, i32)]) -> Vec<FieldError> {
    counts
        .iter()
        .filter_map(|(field, value)| {
            count(*value, MAX_PEOPLE)
                .err()
                .map(|message| FieldError::new(*field, message))
        })
        .collect()
}

/// Step 9's rules for a graduation record, beside the year's destinations
/// if recorded: every bad field named.
pub fn graduation_errors(
    graduation: &Graduation,
    destination: Option<&Destination>,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = year_error(graduation.year, "year").into_iter().collect();
    errors.extend(count_errors(&[
        ("graduates", graduation.graduates),
        ("targeted_graduates", graduation.targeted_graduates),
    ]));
    if !errors.is_empty() {
        return errors;
    }
    if graduation.targeted_graduates > graduation.graduates {
        errors.push(FieldError::new(
            "targeted_graduates",
            "must not exceed graduates",
        ));
    }
    if let Some(destination) = destination {
        let accounted = destination.accounted();
        if accounted > i64::from(graduation.graduates) {
            errors.push(FieldError::new(
                "graduates",
                format!("must be at least the {accounted} graduates whose destinations are recorded for the year"),
            ));
        }
        if destination.employed_in_profession_targeted > graduation.targeted_graduates {
            errors.push(FieldError::new(
                "targeted_graduates",
                format!(
                    "must be at least the {} targeted graduates recorded as employed in the profession",
                    destination.employed_in_profession_targeted
                ),
            ));
        }
    }
    errors
}

/// Step 9's rules for a destination record, beside the year's graduation
/// record if there is one: every bad field named.
pub fn destination_errors(
    destination: &Destination,
    graduation: Option<&Graduation>,
) -> Vec<FieldError> {
    let d = destination;
    let mut errors: Vec<FieldError> = year_error(d.graduation_year, "graduation_year")
        .into_iter()
        .collect();
    errors.extend(count_errors(&[
        ("employed_in_profession", d.employed_in_profession),
        (
            "employed_in_profession_targeted",
            d.employed_in_profession_targeted,
        ),
        ("employed_other", d.employed_other),
        ("continued_study", d.continued_study),
        ("military_service", d.military_service),
        ("left_region", d.left_region),
        ("unknown", d.unknown),
    ]));
    if !errors.is_empty() {
        return errors;
    }
    if d.employed_in_profession_targeted > d.employed_in_profession {
        errors.push(FieldError::new(
            "employed_in_profession_targeted",
            "must not exceed employed_in_profession",
        ));
    }
    if let Some(graduation) = graduation {
        let accounted = d.accounted();
        if accounted > i64::from(graduation.graduates) {
            errors.push(FieldError::new(
                "unknown",
                format!(
                    "the destinations add up to {accounted}, more than the {} graduates of {}",
                    graduation.graduates, graduation.year
                ),
            ));
        }
        if d.employed_in_profession_targeted > graduation.targeted_graduates {
            errors.push(FieldError::new(
                "employed_in_profession_targeted",
                format!(
                    "must not exceed the {} targeted graduates of {}",
                    graduation.targeted_graduates, graduation.year
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination(year: i32, employed: i32, targeted: i32, unknown: i32) -> Destination {
        Destination {
            graduation_year: year,
            employed_in_profession: employed,
            employed_in_profession_targeted: targeted,
            employed_other: 2,
            continued_study: 1,
            military_service: 1,
            left_region: 1,
            unknown,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn targeted_graduates_may_not_exceed_graduates() {
        let bad = Graduation {
            year: 2024,
            graduates: 10,
            targeted_graduates: 11,
        };
        assert_eq!(
            fields(&graduation_errors(&bad, None)),
            ["targeted_graduates"]
        );
        let good = Graduation {
            targeted_graduates: 10,
            ..bad
        };
        assert!(graduation_errors(&good, None).is_empty());
    }

    #[test]
    fn a_year_out_of_range_and_negative_counts_are_named() {
        let bad = Graduation {
            year: current_year() + 1,
            graduates: -1,
            targeted_graduates: 0,
        };
        assert_eq!(
            fields(&graduation_errors(&bad, None)),
            ["year", "graduates"]
        );
        let mut d = destination(1989, 5, 1, 0);
        d.left_region = -3;
        assert_eq!(
            fields(&destination_errors(&d, None)),
            ["graduation_year", "left_region"]
        );
    }

    #[test]
    fn destinations_add_up_to_at_most_the_graduates() {
        let graduation = Graduation {
            year: 2024,
            graduates: 20,
            targeted_graduates: 4,
        };
        // 10 + 2 + 1 + 1 + 1 + 5 = 20: exactly the graduates (the targeted part is inside the 10).
        let exact = destination(2024, 10, 4, 5);
        assert_eq!(exact.accounted(), 20);
        assert!(destination_errors(&exact, Some(&graduation)).is_empty());
        let over = destination(2024, 10, 4, 6);
        assert_eq!(
            fields(&destination_errors(&over, Some(&graduation))),
            ["unknown"]
        );
        let too_many_targeted = destination(2024, 10, 5, 0);
        assert_eq!(
            fields(&destination_errors(&too_many_targeted, Some(&graduation))),
            ["employed_in_profession_targeted"]
        );
        let inside = destination(2024, 3, 4, 0);
        assert_eq!(
            fields(&destination_errors(&inside, None)),
            ["employed_in_profession_targeted"]
        );
        // Without a graduation record only the record's own rules apply.
        assert!(destination_errors(&over, None).is_empty());
        // A graduation record may not shrink below its recorded destinations.
        let shrunk = Graduation {
            graduates: 19,
            targeted_graduates: 3,
            ..graduation
        };
        assert_eq!(
            fields(&graduation_errors(&shrunk, Some(&exact))),
            ["graduates", "targeted_graduates"]
        );
    }
}

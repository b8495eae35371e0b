//! Bounded numbers of the pipeline: grades, years, shares, weights, seats and headcounts.

use chrono::Datelike;

/// The calendar year now, in UTC.
pub fn current_year() -> i32 {
    chrono::Utc::now().year()
}

/// The academic year under way: it starts in September.
pub fn current_academic_year() -> i32 {
    let today = chrono::Utc::now();
    if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// A pupil's grade in `academic_year`, from the grade recorded as of `recorded_year`.
pub fn grade_in(grade: i32, recorded_year: i32, academic_year: i32) -> i32 {
    grade + (academic_year - recorded_year)
}

/// A school grade from 5 (where career guidance starts) to 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grade(i32);

impl Grade {
    pub fn new(grade: i32) -> Result<Self, String> {
        if (5..=11).contains(&grade) {
            Ok(Self(grade))
        } else {
            Err("must be a grade from 5 to 11".into())
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The school grade a program is entered after: 9 or 11.
pub fn entry_grade(grade: i32) -> Result<i32, String> {
    if grade == 9 || grade == 11 {
        Ok(grade)
    } else {
        Err("must be 9 or 11".into())
    }
}

/// A program's entry grade in the document: 9 or 11.
pub fn entry_grade_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Int32,
        )))
        .enum_values(Some([9, 11]))
        .description(Some("9 or 11: the grade after which the program admits"))
        .build()
}

/// A program's length: 1 to 72 months.
pub fn duration_months(months: i32) -> Result<i32, String> {
    if (1..=72).contains(&months) {
        Ok(months)
    } else {
        Err("must be 1 to 72 months".into())
    }
}

/// A year within `from..=to`, with the bounds in the message.
pub fn year_between(year: i32, from: i32, to: i32) -> Result<i32, String> {
    if (from..=to).contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be a year from {from} to {to}"))
    }
}

/// Years a program's intake or enrollment may name: history back to 1990 and plans 30 years ahead.
pub fn program_year(year: i32) -> Result<i32, String> {
    year_between(year, 1990, current_year() + 30)
}

/// The academic year a pupil record is as of: 2000 up to next year.
pub fn academic_year(year: i32) -> Result<i32, String> {
    year_between(year, 2000, current_year() + 1)
}

/// A demand year: from the current year to 30 years ahead.
pub fn demand_year(year: i32) -> Result<i32, String> {
    let now = current_year();
    year_between(year, now, now + 30)
}

/// A fraction in [0, 1] (completion rate, forecast parameters).
pub fn rate(value: f64) -> Result<f64, String> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err("must be from 0 to 1".into())
    }
}

/// A program's share of a profession: above 0, at most 1.
pub fn share(value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err("must be above 0 and at most 1".into())
    }
}

/// Shares of one program must add up to 1 within this.
pub const SHARE_TOLERANCE: f64 = 0.001;

/// An interest's weight: positive, at most 1000.
pub fn weight(value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 && value <= 1000.0 {
        Ok(value)
    } else {
        Err("must be above 0 and at most 1000".into())
    }
}

/// A count of people with an upper bound: seats, students.
pub fn count(value: i32, max: i32) -> Result<i32, String> {
    if (0..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be 0 to {max}"))
    }
}

/// A demand record's headcount: 1 to 100000.
pub fn headcount(value: i32) -> Result<i32, String> {
    if (1..=100_000).contains(&value) {
        Ok(value)
    } else {
        Err("must be 1 to 100000".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_run_from_5_to_11() {
        assert!(Grade::new(4).is_err());
        assert_eq!(Grade::new(5).unwrap().get(), 5);
        assert!(Grade::new(11).is_ok());
        assert!(Grade::new(12).is_err());
    }

    #[test]
    fn bounds_hold_at_their_edges() {
        assert!(entry_grade(9).is_ok() && entry_grade(11).is_ok() && entry_grade(10).is_err());
        assert!(
            duration_months(0).is_err()
                && duration_months(72).is_ok()
                && duration_months(73).is_err()
        );
        assert!(
            share(0.0).is_err()
                && share(1.0).is_ok()
                && share(1.01).is_err()
                && share(f64::NAN).is_err()
        );
        assert!(
            rate(0.0).is_ok()
                && rate(1.0).is_ok()
                && rate(-0.01).is_err()
                && rate(f64::INFINITY).is_err()
        );
        assert!(weight(0.0).is_err() && weight(0.5).is_ok());
        assert!(headcount(0).is_err() && headcount(100_000).is_ok() && headcount(100_001).is_err());
        assert!(count(-1, 10).is_err() && count(10, 10).is_ok());
        let now = current_year();
        assert!(demand_year(now - 1).is_err() && demand_year(now).is_ok());
        assert!(demand_year(now + 30).is_ok() && demand_year(now + 31).is_err());
    }
}

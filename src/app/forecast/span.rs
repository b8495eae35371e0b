//! When a forecast starts (`as_of`, the academic year in progress) and
//! which calendar years it shows (`Span`).

use crate::domain::numbers::{current_academic_year, year_between};
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::MAX_SPAN;
use crate::forecast::engine::Window;

/// The academic year in progress (the calendar year of the latest September 1),
/// or the one asked for: the simulation starts there.
pub fn as_of(asked: Option<i32>) -> AppResult<i32> {
    let as_of = asked.unwrap_or_else(current_academic_year);
    year_between(as_of, 2000, 2100).map_err(|m| AppError::invalid("as_of", m))
}

/// `as_of` as given in a query string: a year, or 422 naming it.
pub fn as_of_text(asked: Option<&str>) -> AppResult<i32> {
    let asked = asked
        .map(|raw| {
            raw.trim()
                .parse::<i32>()
                .map_err(|_| AppError::invalid("as_of", "must be a year, e.g. 2026"))
        })
        .transpose()?;
    as_of(asked)
}

/// The calendar years a forecast shows: `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: i32,
    pub to: i32,
}

impl Span {
    /// `from` defaults to the first summer after `as_of` (`as_of + 1`) and
    /// `to` to ten years after `from`.
    pub fn parse(as_of: i32, from: Option<i32>, to: Option<i32>) -> AppResult<Self> {
        let from = from.unwrap_or(as_of.saturating_add(1));
        let to = to.unwrap_or(from.saturating_add(10));
        let mut errors = Vec::new();
        if let Err(message) = year_between(from, 2000, 2100) {
            errors.push(FieldError::new("from", message));
        }
        if to < from {
            errors.push(FieldError::new("to", "must not be before from"));
        } else if i64::from(to) - i64::from(from) > i64::from(MAX_SPAN) {
            errors.push(FieldError::new(
                "to",
                format!("must be at most {MAX_SPAN} years after from"),
            ));
        }
        AppError::unless_empty(errors)?;
        Ok(Self { from, to })
    }

    pub(super) fn window(self, as_of: i32) -> Window {
        Window {
            as_of,
            from: self.from,
            to: self.to,
        }
    }
}

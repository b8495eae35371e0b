//! The model's parameters and their bounds: as a request gives them
//! (checked: each in [0, 1], each value within its bounds), as stored, and
//! setting them (admins).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Context;
use crate::app::audit::{changes_of, log};
use crate::app::conditional::IfMatch;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::audit::AuditAction;
use crate::db::forecast as stored;
use crate::db::locks::Lock;
use crate::domain::numbers::rate;
use crate::error::{AppError, AppResult, FieldError};
use crate::forecast::Parameters;
use crate::forecast::model::{Bound, Bounds};

/// The six parameters with, optionally, some of their bounds, as a request
/// gives them. `continue_to_grade_10_share` may be left out (clients of
/// version 2 know five): it keeps the stored value.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParametersBody {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_9_share: f64,
    /// s10: share of pupils completing grade 9 who go on to grade 10 of a
    /// school; `after_grade_9_share + continue_to_grade_10_share` is at most 1.
    /// Left out: the stored value.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub continue_to_grade_10_share: Option<f64>,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    #[schema(minimum = 0, maximum = 1)]
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    #[schema(minimum = 0, maximum = 1)]
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    #[schema(minimum = 0, maximum = 1)]
    pub targeted_retention_rate: f64,
    /// Bounds to change, by parameter name; the others keep the stored ones.
    #[serde(default)]
    pub bounds: Option<BoundsBody>,
}

/// Some parameters' bounds, by name.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoundsBody {
    #[serde(default)]
    pub after_grade_9_share: Option<Bound>,
    #[serde(default)]
    pub continue_to_grade_10_share: Option<Bound>,
    #[serde(default)]
    pub after_grade_11_share: Option<Bound>,
    #[serde(default)]
    pub annual_dropout_rate: Option<Bound>,
    #[serde(default)]
    pub retention_rate: Option<Bound>,
    #[serde(default)]
    pub targeted_retention_rate: Option<Bound>,
}

impl BoundsBody {
    fn over(&self, stored: &Bounds) -> Bounds {
        let given = [
            self.after_grade_9_share,
            self.continue_to_grade_10_share,
            self.after_grade_11_share,
            self.annual_dropout_rate,
            self.retention_rate,
            self.targeted_retention_rate,
        ];
        let stored = stored.all();
        Bounds::from_all(std::array::from_fn(|i| given[i].unwrap_or(stored[i])))
    }
}

impl ParametersBody {
    fn parameters(&self, stored: &Parameters) -> Parameters {
        Parameters {
            after_grade_9_share: self.after_grade_9_share,
            continue_to_grade_10_share: self
                .continue_to_grade_10_share
                .unwrap_or(stored.continue_to_grade_10_share),
            after_grade_11_share: self.after_grade_11_share,
            annual_dropout_rate: self.annual_dropout_rate,
            retention_rate: self.retention_rate,
            targeted_retention_rate: self.targeted_retention_rate,
        }
    }

    /// The values (s10 left out: the stored one) and the bounds laid over
    /// the stored bounds, checked; every bad field is named under `prefix`
    /// (`parameters.` in a scenario).
    pub(super) fn checked(
        &self,
        stored_parameters: &Parameters,
        stored: &Bounds,
        prefix: &str,
    ) -> AppResult<(Parameters, Bounds)> {
        let parameters = self.parameters(stored_parameters);
        let bounds = self
            .bounds
            .as_ref()
            .map_or(*stored, |given| given.over(stored));
        check_parameter_set(&parameters, &bounds, prefix)?;
        Ok((parameters, bounds))
    }
}

/// Values and bounds in [0, 1], each bound's low at most its high, each
/// value within its bounds, and `p9 + s10 <= 1` (named on both).
pub(super) fn check_parameter_set(
    parameters: &Parameters,
    bounds: &Bounds,
    prefix: &str,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let (p9, s10) = (
        parameters.after_grade_9_share,
        parameters.continue_to_grade_10_share,
    );
    if rate(p9).is_ok() && rate(s10).is_ok() && !parameters.shares_add_up() {
        let message = format!(
            "after_grade_9_share {p9} and continue_to_grade_10_share {s10} add up to more than 1: a pupil cannot both leave after grade 9 and stay on"
        );
        for name in ["after_grade_9_share", "continue_to_grade_10_share"] {
            errors.push(FieldError::new(format!("{prefix}{name}"), message.clone()));
        }
    }
    for ((name, value), bound) in parameters.named().into_iter().zip(bounds.all()) {
        let field = format!("{prefix}{name}");
        if let Err(message) = rate(value) {
            errors.push(FieldError::new(field, message));
            continue;
        }
        let mut bounds_ok = true;
        for (end, bound_value) in [("low", bound.low), ("high", bound.high)] {
            if let Err(message) = rate(bound_value) {
                errors.push(FieldError::new(
                    format!("{prefix}bounds.{name}.{end}"),
                    message,
                ));
                bounds_ok = false;
            }
        }
        if !bounds_ok {
            continue;
        }
        if bound.low > bound.high {
            errors.push(FieldError::new(
                format!("{prefix}bounds.{name}"),
                format!("low {} is above high {}", bound.low, bound.high),
            ));
        } else if value < bound.low || value > bound.high {
            errors.push(FieldError::new(
                field,
                format!(
                    "{value} is outside its bounds {} to {}",
                    bound.low, bound.high
                ),
            ));
        }
    }
    AppError::unless_empty(errors)
}

/// The stored parameters with their bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "ParameterSetJson")]
pub struct ParameterSet {
    pub parameters: Parameters,
    pub bounds: Bounds,
}

/// The stored parameters with their bounds, as the API writes them: the
/// six parameters side by side with `bounds` (one flat object, so that its
/// schema is exact).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[schema(as = ParameterSet)]
pub struct ParameterSetJson {
    /// p9: share of pupils completing grade 9 who enter a program entered after grade 9.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_9_share: f64,
    /// s10: share of pupils completing grade 9 who go on to grade 10 of a school.
    #[schema(minimum = 0, maximum = 1)]
    pub continue_to_grade_10_share: f64,
    /// p11: share of pupils completing grade 11 who enter a program entered after grade 11.
    #[schema(minimum = 0, maximum = 1)]
    pub after_grade_11_share: f64,
    /// a: share of a program's students who leave it each study year.
    #[schema(minimum = 0, maximum = 1)]
    pub annual_dropout_rate: f64,
    /// r: share of graduates from ordinary seats who take a job in the region in their profession.
    #[schema(minimum = 0, maximum = 1)]
    pub retention_rate: f64,
    /// rt: the same for graduates from targeted-training seats.
    #[schema(minimum = 0, maximum = 1)]
    pub targeted_retention_rate: f64,
    pub bounds: Bounds,
}

impl From<ParameterSet> for ParameterSetJson {
    fn from(set: ParameterSet) -> Self {
        let p = set.parameters;
        Self {
            after_grade_9_share: p.after_grade_9_share,
            continue_to_grade_10_share: p.continue_to_grade_10_share,
            after_grade_11_share: p.after_grade_11_share,
            annual_dropout_rate: p.annual_dropout_rate,
            retention_rate: p.retention_rate,
            targeted_retention_rate: p.targeted_retention_rate,
            bounds: set.bounds,
        }
    }
}

/// The stored parameters and bounds (every role).
pub async fn parameters(ctx: &Context, user: &AuthUser) -> AppResult<ParameterSet> {
    authorize(user, Action::ReadForecast)?;
    ctx.run(|conn| {
        let (parameters, bounds) = stored::parameter_set(conn)?;
        Ok(ParameterSet { parameters, bounds })
    })
    .await
}

/// Replaces the stored parameters and, where given, their bounds (admins):
/// each in [0, 1], each value within its bounds, `p9 + s10 <= 1`.
pub async fn set_parameters(
    ctx: &Context,
    user: &AuthUser,
    body: ParametersBody,
    if_match: IfMatch,
) -> AppResult<ParameterSet> {
    authorize(user, Action::SetForecastParameters)?;
    let actor = *user;
    ctx.write(move |conn| {
        let (stored_parameters, stored_bounds) = stored::parameter_set(conn)?;
        let (parameters, bounds) = body.checked(&stored_parameters, &stored_bounds, "")?;
        if_match.check(conn, Lock::ForecastParameters, |conn| {
            let (parameters, bounds) = stored::parameter_set(conn)?;
            Ok(Some(ParameterSet { parameters, bounds }))
        })?;
        stored::set_parameters(conn, &parameters, &bounds)?;
        let set = ParameterSet { parameters, bounds };
        let changes = changes_of(&set);
        log(
            conn,
            &actor,
            "forecast_parameters",
            None,
            AuditAction::Update,
            changes,
        )?;
        Ok(set)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: AppResult<()>) -> Vec<String> {
        match result {
            Err(AppError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn p9_and_s10_adding_up_to_more_than_1_are_refused_naming_both() {
        let bounds = Bounds {
            after_grade_9_share: Bound {
                low: 0.5,
                high: 0.9,
            },
            ..Bounds::default()
        };
        let over = Parameters {
            after_grade_9_share: 0.7,
            continue_to_grade_10_share: 0.35,
            ..Parameters::default()
        };
        assert_eq!(
            fields(check_parameter_set(&over, &bounds, "parameters.")),
            [
                "parameters.after_grade_9_share",
                "parameters.continue_to_grade_10_share"
            ]
        );
        let exactly_one = Parameters {
            continue_to_grade_10_share: 0.3,
            ..over
        };
        assert!(check_parameter_set(&exactly_one, &bounds, "").is_ok());
        // Bounds are not bound by it: 0.9 + 0.45 is fine.
        assert!(check_parameter_set(&Parameters::default(), &bounds, "").is_ok());
    }

    #[test]
    fn a_body_without_s10_keeps_the_stored_value() {
        let body: ParametersBody = serde_json::from_value(serde_json::json!({
            "after_grade_9_share": 0.6, "after_grade_11_share": 0.7, "annual_dropout_rate": 0.07,
            "retention_rate": 0.6, "targeted_retention_rate": 0.95
        }))
        .unwrap();
        let stored = Parameters {
            continue_to_grade_10_share: 0.3,
            ..Parameters::default()
        };
        let (parameters, _) = body.checked(&stored, &Bounds::default(), "").unwrap();
        assert_eq!(parameters.continue_to_grade_10_share, 0.3);
        assert_eq!(parameters.after_grade_9_share, 0.6);
    }
}

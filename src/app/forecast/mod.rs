//! The staffing-gap forecast as the application offers it: read by
//! everyone (`stored`), scenarios by analysts and admins (`scenario`),
//! parameters set by admins (`parameters`), any cell taken apart
//! (`explain`), published forecasts kept as they were (`published`); `span`
//! says when it starts and which years it shows.

mod evidence;
mod explain;
mod parameters;
mod published;
mod scenario;
mod span;
mod stored;

pub use evidence::{ApplyBody, BacktestAsked, apply_calibration, backtest, calibration};
pub use explain::{DemandPart, Explanation, SensitivityBar, SupplyLine, explain};
pub use parameters::{
    BoundsBody, ParameterSet, ParameterSetJson, ParametersBody, parameters, set_parameters,
};
pub use published::{
    ComparedRow, Comparison, PublishBody, PublishedAnswer, PublishedForecast,
    answer as published_answer, compare as compare_published, delete as delete_published,
    list as list_published, publish,
};
pub use scenario::{ScenarioBody, ScenarioIntake, apply_scenario, scenario, with_gap_before};
pub use span::{Span, as_of, as_of_text};
pub use stored::{
    Basis, ForecastResponse, RowFilter, load, profession_by_code, stored_forecast,
    stored_forecast_by_code,
};

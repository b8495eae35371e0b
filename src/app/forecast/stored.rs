//! The forecast of the stored data: its basis (inputs, parameters and
//! bounds, read as one snapshot), the answer for a span and a filter, both
//! kept while the data's generation stays.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::span::Span;
use crate::app::Context;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::forecast as stored;
use crate::error::{AppError, AppResult};
use crate::forecast::engine::Window;
use crate::forecast::model::{Bounds, DemandUntil, Forecast, Row, Unplaced, complete_until};
use crate::forecast::{self, Inputs, Parameters};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastResponse {
    /// The academic year in progress the simulation started from.
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    /// The last year up to which every row shown is complete; `null` when
    /// even the first year is not.
    pub complete_until: Option<i32>,
    pub parameters: Parameters,
    pub bounds: Bounds,
    pub rows: Vec<Row>,
    pub unplaced: Vec<Unplaced>,
    /// Per profession of the rows, the latest year of any demand posted for
    /// it (`null`: none); a row after it has `demand_known: false`.
    pub demand_until: Vec<DemandUntil>,
}

/// Which rows a caller asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowFilter {
    pub profession_id: Option<i64>,
    pub cluster_id: Option<i64>,
}

impl RowFilter {
    fn keeps(&self, inputs: &Inputs, row: &Row) -> bool {
        self.profession_id.is_none_or(|id| row.profession_id == id)
            && self.cluster_id.is_none_or(|cluster_id| {
                inputs
                    .professions
                    .get(&row.profession_id)
                    .is_some_and(|p| p.cluster_id == cluster_id)
            })
    }
}

/// A profession named by its code (the command line's way), as its id.
pub fn profession_by_code(inputs: &Inputs, code: &str) -> AppResult<i64> {
    inputs
        .professions
        .iter()
        .find(|(_, p)| p.code == code)
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            AppError::invalid("profession", format!("no profession has the code {code}"))
        })
}

/// Everything a forecast is computed from.
#[derive(Debug, Clone)]
pub struct Basis {
    pub inputs: Inputs,
    pub parameters: Parameters,
    pub bounds: Bounds,
}

pub(super) fn respond(
    basis: &Basis,
    as_of: i32,
    span: Span,
    filter: RowFilter,
) -> ForecastResponse {
    let forecast = forecast::engine::run(
        &basis.inputs,
        &basis.parameters,
        &basis.bounds,
        span.window(as_of),
    );
    answer(basis, &forecast, as_of, span, filter)
}

/// The answer of `forecast` (computed from `basis` for `span`): its rows that
/// `filter` keeps.
fn answer(
    basis: &Basis,
    forecast: &Forecast,
    as_of: i32,
    span: Span,
    filter: RowFilter,
) -> ForecastResponse {
    let rows: Vec<Row> = forecast
        .rows
        .iter()
        .filter(|row| filter.keeps(&basis.inputs, row))
        .cloned()
        .collect();
    ForecastResponse {
        as_of,
        from: span.from,
        to: span.to,
        complete_until: complete_until(&rows, span.from, span.to),
        parameters: basis.parameters,
        bounds: basis.bounds,
        demand_until: forecast
            .demand_until
            .iter()
            .filter(|until| {
                rows.iter()
                    .any(|row| row.profession_id == until.profession_id)
            })
            .copied()
            .collect(),
        rows,
        unplaced: forecast.unplaced.clone(),
    }
}

/// The stored data, parameters and bounds, read as one snapshot (kept while
/// the data's generation stays).
pub async fn load(ctx: &Context) -> AppResult<Arc<Basis>> {
    ctx.remembered("basis", (), || {
        ctx.run(|conn| {
            let inputs = stored::load_inputs(conn)?;
            let (parameters, bounds) = stored::parameter_set(conn)?;
            Ok(Basis {
                inputs,
                parameters,
                bounds,
            })
        })
    })
    .await
}

/// The forecast of the stored data for `window`, with the basis it was
/// computed from (both kept while the data's generation stays).
async fn stored_run(ctx: &Context, window: Window) -> AppResult<(Arc<Basis>, Arc<Forecast>)> {
    let basis = load(ctx).await?;
    let computed_from = basis.clone();
    let forecast = ctx
        .remembered("forecasts", window, || async move {
            Ok(forecast::engine::run(
                &computed_from.inputs,
                &computed_from.parameters,
                &computed_from.bounds,
                window,
            ))
        })
        .await?;
    Ok((basis, forecast))
}

/// The staffing gap per profession and year from the stored data (every role).
pub async fn stored_forecast(
    ctx: &Context,
    user: &AuthUser,
    as_of: i32,
    span: Span,
    filter: RowFilter,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let (basis, forecast) = stored_run(ctx, span.window(as_of)).await?;
    Ok(answer(&basis, &forecast, as_of, span, filter))
}

/// The stored forecast of the profession with this code (or all), for the command line.
pub async fn stored_forecast_by_code(
    ctx: &Context,
    user: &AuthUser,
    as_of: i32,
    span: Span,
    profession_code: Option<&str>,
) -> AppResult<ForecastResponse> {
    authorize(user, Action::ReadForecast)?;
    let basis = load(ctx).await?;
    let profession_id = profession_code
        .map(|code| profession_by_code(&basis.inputs, code))
        .transpose()?;
    let filter = RowFilter {
        profession_id,
        cluster_id: None,
    };
    Ok(respond(&basis, as_of, span, filter))
}

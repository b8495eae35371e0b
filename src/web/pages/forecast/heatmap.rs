//! The heatmap of the gap (professions by years) and its downloads.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::common::{Filters, catalogue, filters};
use crate::app::Context;
use crate::app::forecast::{self as forecast_app, ForecastResponse};
use crate::db::clusters::Cluster;
use crate::db::professions::Profession;
use crate::domain::Language;
use crate::error::AppError;
use crate::forecast::export::{TITLES_EN, TITLES_RU, rows_as_csv};
use crate::forecast::model::Row;
use crate::http::download;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::FormState;
use crate::web::render::{form_status, page, page_with};
use crate::web::viewer::Viewer;

/// One profession's row of the heatmap.
struct HeatRow {
    profession_id: i64,
    code: String,
    title: String,
    cells: Vec<Row>,
}

/// The colour class of a cell: the gap relative to demand, in bands.
fn band(row: &Row) -> &'static str {
    if !row.demand_known {
        // No demand posted for the year yet: no surplus, no shortage, no colour.
        return "unknown";
    }
    if row.demand <= 0.0 {
        return if row.supply > 0.0 { "s3" } else { "none" };
    }
    let relative = row.gap / row.demand;
    match relative {
        r if r > 0.5 => "b3",
        r if r > 0.25 => "b2",
        r if r > 0.05 => "b1",
        r if r >= -0.05 => "n0",
        r if r >= -0.25 => "s1",
        r if r >= -0.5 => "s2",
        _ => "s3",
    }
}

#[derive(Template)]
#[template(path = "forecast.html", config = "src/web/askama.toml")]
struct HeatmapPage {
    c: Chrome,
    state: FormState,
    clusters: Vec<Cluster>,
    professions: Vec<Profession>,
    forecast: Option<ForecastResponse>,
    years: Vec<i32>,
    rows: Vec<HeatRow>,
    query: String,
}

impl HeatmapPage {
    fn band(&self, row: &Row) -> &'static str {
        band(row)
    }

    fn cell_title(&self, row: &Row) -> String {
        let c = &self.c;
        format!(
            "{} {}: {} {}, {} {}, {} {} ({}…{}){}",
            row.profession_title,
            row.year,
            c.tr("потребность", "demand"),
            c.n2(row.demand),
            c.tr("выпуск", "supply"),
            c.n2(row.supply),
            c.tr("дефицит", "gap"),
            c.n2(row.gap),
            c.n2(row.gap_low),
            c.n2(row.gap_high),
            if row.complete {
                ""
            } else {
                c.tr(" — неполные данные", " — incomplete")
            },
        ) + if row.demand_known {
            ""
        } else {
            c.tr(
                " — потребность на этот год не указана",
                " — no demand posted for this year",
            )
        }
    }
}

pub(super) async fn heatmap(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let Filters {
        state,
        as_of,
        span,
        filter,
    } = filters(&req, viewer.lang);
    let (clusters, professions) = catalogue(&ctx, &viewer).await?;
    let mut page_data = HeatmapPage {
        c: viewer.chrome(viewer.tr("Прогноз дефицита кадров", "Staffing-gap forecast")),
        state,
        clusters,
        professions,
        forecast: None,
        years: Vec::new(),
        rows: Vec::new(),
        query: req.query_string().to_string(),
    };
    let Some(span) = span else {
        return page_with(form_status(&page_data.state), &page_data);
    };
    let forecast = forecast_app::stored_forecast(&ctx, &viewer.user, as_of, span, filter)
        .await
        .map_err(|e| viewer.error(e))?;
    page_data.years = (forecast.from..=forecast.to).collect();
    let mut by_profession: BTreeMap<(String, i64), HeatRow> = BTreeMap::new();
    for row in &forecast.rows {
        by_profession
            .entry((row.profession_code.clone(), row.profession_id))
            .or_insert_with(|| HeatRow {
                profession_id: row.profession_id,
                code: row.profession_code.clone(),
                title: row.profession_title.clone(),
                cells: Vec::new(),
            })
            .cells
            .push(row.clone());
    }
    page_data.rows = by_profession.into_values().collect();
    page_data.forecast = Some(forecast);
    page(&page_data)
}

async fn rows_for_download(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
) -> Result<Vec<Row>, WebError> {
    let Filters {
        state,
        as_of,
        span,
        filter,
    } = filters(req, viewer.lang);
    let span = span.ok_or_else(|| viewer.error(AppError::Invalid(state.errors)))?;
    Ok(
        forecast_app::stored_forecast(ctx, &viewer.user, as_of, span, filter)
            .await
            .map_err(|e| viewer.error(e))?
            .rows,
    )
}

pub(super) async fn download_csv(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let rows = rows_for_download(&req, &viewer, &ctx).await?;
    Ok(download::attachment(
        download::CSV,
        "forecast.csv",
        rows_as_csv(&rows),
    ))
}

pub(super) async fn download_xlsx(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let rows = rows_for_download(&req, &viewer, &ctx).await?;
    let titles = match viewer.lang {
        Language::Ru => &TITLES_RU,
        Language::En => &TITLES_EN,
    };
    download::forecast_xlsx(&rows, titles).map_err(|e| viewer.error(e))
}

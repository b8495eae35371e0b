//! The heatmap of the gap (professions by years) and its downloads.

use std::collections::{BTreeMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::common::{Filters, catalogue, filters};
use crate::app::forecast::{self as forecast_app, ForecastResponse};
use crate::app::{self, Context};
use crate::db::clusters::Cluster;
use crate::db::professions::Profession;
use crate::domain::{Language, Role};
use crate::error::AppError;
use crate::forecast::export::{TITLES_EN, TITLES_RU, rows_as_csv, rows_as_csv_ru};
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
    /// The region's totals per year: `(year, gap of the years with demand
    /// posted, demand, supply, whether some profession has no demand posted)`.
    totals: Vec<(i32, f64, f64, f64, bool)>,
    /// The largest shortages shown, largest first.
    top: Vec<Row>,
    /// The year the rows are sorted by (largest shortage first), if any.
    sort: Option<i32>,
    /// An enterprise's own professions only (`mine=1`).
    mine: bool,
    is_enterprise: bool,
}

/// How many of the largest shortages the card above the heatmap names.
const TOP_SHORTAGES: usize = 5;

impl HeatmapPage {
    fn band(&self, row: &Row) -> &'static str {
        band(row)
    }

    /// This page's link sorted by `year`'s gap.
    fn sort_link(&self, year: &i32) -> String {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&self.query).unwrap_or_default();
        pairs.retain(|(key, _)| key != "sort");
        pairs.push(("sort".into(), year.to_string()));
        format!(
            "/forecast?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }

    /// Whether some year's total leaves out professions without demand posted.
    fn some_unknown(&self) -> bool {
        self.totals.iter().any(|total| total.4)
    }

    fn is_sort(&self, year: &i32) -> bool {
        self.sort == Some(*year)
    }

    fn cell_title(&self, row: &Row) -> String {
        let c = &self.c;
        format!(
            "{} {}: {} {}, {} {}, {} {} ({}…{}){}",
            row.profession_title,
            row.year,
            c.tr("потребность", "demand"),
            c.n0(row.demand),
            c.tr("выпуск", "supply"),
            c.n0(row.supply),
            c.tr("дефицит", "gap"),
            c.n0(row.gap),
            c.n0(row.gap_low),
            c.n0(row.gap_high),
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
    let query = crate::web::form::Form::of_request(&req);
    let is_enterprise = viewer.user.role == Role::Enterprise;
    let mine = is_enterprise && query.get("mine") == "1";
    let mut page_data = HeatmapPage {
        totals: Vec::new(),
        top: Vec::new(),
        sort: query.get("sort").parse().ok(),
        mine,
        is_enterprise,
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
    let own: Option<HashSet<i64>> = match (mine, viewer.user.organization_id) {
        (true, Some(enterprise_id)) => Some(
            app::demand::professions_of(&ctx, &viewer.user, enterprise_id)
                .await
                .map_err(|e| viewer.error(e))?
                .into_iter()
                .collect(),
        ),
        _ => None,
    };
    let shown: Vec<&Row> = forecast
        .rows
        .iter()
        .filter(|row| {
            own.as_ref()
                .is_none_or(|own| own.contains(&row.profession_id))
        })
        .collect();
    page_data.totals = page_data
        .years
        .iter()
        .map(|year| {
            let of_year = shown.iter().filter(|row| row.year == *year);
            let (mut gap, mut demand, mut supply, mut unknown) = (0.0, 0.0, 0.0, false);
            for row in of_year {
                demand += row.demand;
                supply += row.supply;
                if row.demand_known {
                    gap += row.gap;
                } else {
                    unknown = true;
                }
            }
            (*year, gap, demand, supply, unknown)
        })
        .collect();
    let mut top: Vec<Row> = shown
        .iter()
        .filter(|row| row.demand_known && row.gap >= 0.5)
        .map(|row| (*row).clone())
        .collect();
    top.sort_by(|a, b| b.gap.total_cmp(&a.gap).then(a.year.cmp(&b.year)));
    top.truncate(TOP_SHORTAGES);
    page_data.top = top;
    let mut by_profession: BTreeMap<(String, i64), HeatRow> = BTreeMap::new();
    for row in shown {
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
    if let Some(year) = page_data.sort {
        // Largest shortage that year first; years without demand posted last.
        let key = |r: &HeatRow| {
            r.cells
                .iter()
                .find(|cell| cell.year == year && cell.demand_known)
                .map_or(f64::NEG_INFINITY, |cell| cell.gap)
        };
        page_data.rows.sort_by(|a, b| key(b).total_cmp(&key(a)));
    }
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
    // A Russian page's file opens in Russian Excel as it is.
    let body = match viewer.lang {
        Language::Ru => rows_as_csv_ru(&rows),
        Language::En => rows_as_csv(&rows).into_bytes(),
    };
    Ok(download::attachment(download::CSV, "forecast.csv", body))
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

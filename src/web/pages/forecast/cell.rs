//! One profession's chart of demand and supply, and one cell taken apart.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::common::parameter_label;
use crate::app::forecast::{self as forecast_app, Explanation, ForecastResponse, RowFilter, Span};
use crate::app::{self, Context};
use crate::db::professions::Profession;
use crate::domain::numbers::current_academic_year;
use crate::error::AppError;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::Form;
use crate::web::render::page;
use crate::web::svg::{self, Bar, YearPoint};
use crate::web::viewer::Viewer;

#[derive(Template)]
#[template(path = "profession.html", config = "src/web/askama.toml")]
struct ProfessionPage {
    c: Chrome,
    profession: Profession,
    forecast: ForecastResponse,
    chart: String,
}

pub(super) async fn profession(
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::NotFound("profession".into())))?;
    let profession = app::catalogue::get_profession(&ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let as_of = current_academic_year();
    let span = Span::parse(as_of, None, None).map_err(|e| viewer.error(e))?;
    let filter = RowFilter {
        profession_id: Some(id),
        cluster_id: None,
    };
    let forecast = forecast_app::stored_forecast(&ctx, &viewer.user, as_of, span, filter)
        .await
        .map_err(|e| viewer.error(e))?;
    let points: Vec<YearPoint> = forecast
        .rows
        .iter()
        .map(|r| YearPoint {
            year: r.year,
            demand: r.demand,
            supply: r.supply,
            supply_low: r.supply_low,
            supply_high: r.supply_high,
            complete: r.complete,
        })
        .collect();
    let title = format!(
        "{} ({}): {}",
        profession.title,
        profession.code,
        viewer.tr("потребность и выпуск по годам", "demand and supply by year")
    );
    let chart = svg::profession_chart(&points, viewer.lang, &title);
    page(&ProfessionPage {
        c: viewer.chrome(&profession.title),
        profession,
        forecast,
        chart,
    })
}

#[derive(Template)]
#[template(path = "explain.html", config = "src/web/askama.toml")]
struct ExplainPage {
    c: Chrome,
    cell: Explanation,
    tornado: String,
}

impl ExplainPage {
    /// A parameter as the page names it.
    fn parameter(&self, name: &str) -> String {
        parameter_label(name, self.c.lang)
    }
}

pub(super) async fn explain(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let form = Form::of_query(req.query_string(), viewer.lang);
    let mut errors = Vec::new();
    let profession_id: Option<i64> = form.number("profession_id", &mut errors, viewer.lang);
    let year: Option<i32> = form.number("year", &mut errors, viewer.lang);
    let (Some(profession_id), Some(year)) = (profession_id, year) else {
        return Err(viewer.error(AppError::Invalid(errors)));
    };
    let as_of = current_academic_year();
    let cell = forecast_app::explain(&ctx, &viewer.user, profession_id, year, as_of)
        .await
        .map_err(|e| viewer.error(e))?;
    let bars: Vec<Bar> = cell
        .sensitivity
        .iter()
        .map(|s| Bar {
            label: parameter_label(&s.parameter, viewer.lang),
            at_low: s.supply_at_low,
            at_high: s.supply_at_high,
        })
        .collect();
    let tornado = svg::tornado(
        &bars,
        cell.supply,
        viewer.lang,
        viewer.tr(
            "Чувствительность выпуска к параметрам",
            "Sensitivity of supply to the parameters",
        ),
    );
    page(&ExplainPage {
        c: viewer.chrome(&format!("{} · {}", cell.profession_title, cell.year)),
        cell,
        tornado,
    })
}

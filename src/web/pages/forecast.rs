//! The forecast's pages: the heatmap, a profession's chart, one cell taken
//! apart, scenarios and the seat planner, and the downloads.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::forecast::{
    self as forecast_app, Explanation, ForecastResponse, ParametersBody, RowFilter, ScenarioBody,
    ScenarioIntake, Span,
};
use crate::app::planning::{SeatPlanBody, SeatPlanResponse};
use crate::app::{self, Context};
use crate::db::clusters::Cluster;
use crate::db::professions::Profession;
use crate::domain::numbers::current_academic_year;
use crate::error::{AppError, FieldError};
use crate::forecast::export::{TITLES_EN, TITLES_RU, rows_as_csv};
use crate::forecast::model::{Bound, Bounds, Parameters, Row};
use crate::routes::forecast::xlsx_download;
use crate::web::i18n::Lang;
use crate::web::session::{
    Chrome, Form, FormState, Viewer, WebError, form_status, invalid_or, page, page_with,
};
use crate::web::svg::{self, Bar, YearPoint};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/forecast", web::get().to(heatmap))
        .route("/forecast.csv", web::get().to(download_csv))
        .route("/forecast.xlsx", web::get().to(download_xlsx))
        .route("/forecast/professions/{id}", web::get().to(profession))
        .route("/forecast/explain", web::get().to(explain))
        .route("/scenario", web::get().to(scenario_form))
        .route("/scenario", web::post().to(scenario_run))
        .route("/plans/seats", web::get().to(plan_form))
        .route("/plans/seats", web::post().to(plan_run));
}

/// Every cluster and profession, for the filters and names.
async fn catalogue(
    ctx: &Context,
    viewer: &Viewer,
) -> Result<(Vec<Cluster>, Vec<Profession>), WebError> {
    Ok((
        super::all_clusters(ctx, viewer).await?,
        super::all_professions(ctx, viewer).await?,
    ))
}

/// The heatmap's filters as typed, checked the API's way.
struct Filters {
    state: FormState,
    as_of: i32,
    span: Option<Span>,
    filter: RowFilter,
}

fn filters(req: &HttpRequest, lang: Lang) -> Filters {
    let form = Form::from_pairs(serde_urlencoded::from_str(req.query_string()).unwrap_or_default());
    let mut errors = Vec::new();
    let from = form.optional::<i32>("from", &mut errors, lang);
    let to = form.optional::<i32>("to", &mut errors, lang);
    let filter = RowFilter {
        cluster_id: form.optional("cluster_id", &mut errors, lang),
        profession_id: form.optional("profession_id", &mut errors, lang),
    };
    let as_of = current_academic_year();
    let span = if errors.is_empty() {
        match Span::parse(as_of, from, to) {
            Ok(span) => Some(span),
            Err(AppError::Invalid(more)) => {
                errors.extend(more);
                None
            }
            Err(_) => None,
        }
    } else {
        None
    };
    Filters {
        state: FormState::failed(&form, errors),
        as_of,
        span,
        filter,
    }
}

/// One profession's row of the heatmap.
struct HeatRow {
    profession_id: i64,
    code: String,
    title: String,
    cells: Vec<Row>,
}

/// The colour class of a cell: the gap relative to demand, in bands.
fn band(row: &Row) -> &'static str {
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
            }
        )
    }
}

async fn heatmap(
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

async fn download_csv(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let rows = rows_for_download(&req, &viewer, &ctx).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"forecast.csv\"",
        ))
        .body(rows_as_csv(&rows)))
}

async fn download_xlsx(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let rows = rows_for_download(&req, &viewer, &ctx).await?;
    let titles = match viewer.lang {
        Lang::Ru => &TITLES_RU,
        Lang::En => &TITLES_EN,
    };
    xlsx_download(&rows, titles).map_err(|e| viewer.error(e))
}

#[derive(Template)]
#[template(path = "profession.html", config = "src/web/askama.toml")]
struct ProfessionPage {
    c: Chrome,
    profession: Profession,
    forecast: ForecastResponse,
    chart: String,
}

async fn profession(
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

fn parameter_label(name: &str, lang: Lang) -> String {
    match name {
        "after_grade_9_share" => lang.tr(
            "доля поступающих после 9 класса (p9)",
            "share entering after grade 9 (p9)",
        ),
        "after_grade_11_share" => lang.tr(
            "доля поступающих после 11 класса (p11)",
            "share entering after grade 11 (p11)",
        ),
        "annual_dropout_rate" => lang.tr("отсев за год обучения (a)", "annual dropout (a)"),
        "retention_rate" => lang.tr("закрепление выпускников (r)", "graduate retention (r)"),
        "targeted_retention_rate" => {
            lang.tr("закрепление целевиков (rt)", "targeted retention (rt)")
        }
        other => other,
    }
    .to_string()
}

async fn explain(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let form = Form::from_pairs(serde_urlencoded::from_str(req.query_string()).unwrap_or_default());
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

/// A scenario or plan row's gap on the stored data.
pub fn gap_before(row: &Row) -> f64 {
    row.gap_before.unwrap_or(row.gap)
}

const PARAMETERS: [&str; 5] = [
    "after_grade_9_share",
    "after_grade_11_share",
    "annual_dropout_rate",
    "retention_rate",
    "targeted_retention_rate",
];
const INTAKE_ROWS: usize = 3;

fn parameter_value(p: &Parameters, name: &str) -> f64 {
    match name {
        "after_grade_9_share" => p.after_grade_9_share,
        "after_grade_11_share" => p.after_grade_11_share,
        "annual_dropout_rate" => p.annual_dropout_rate,
        "retention_rate" => p.retention_rate,
        _ => p.targeted_retention_rate,
    }
}

fn bound_of(b: &Bounds, name: &str) -> Bound {
    match name {
        "after_grade_9_share" => b.after_grade_9_share,
        "after_grade_11_share" => b.after_grade_11_share,
        "annual_dropout_rate" => b.annual_dropout_rate,
        "retention_rate" => b.retention_rate,
        _ => b.targeted_retention_rate,
    }
}

/// One parameter's row of a form: name, label, value, bounds.
struct ParameterField {
    name: &'static str,
    label: String,
    value: f64,
    low: f64,
    high: f64,
}

fn parameter_fields(lang: Lang, parameters: &Parameters, bounds: &Bounds) -> Vec<ParameterField> {
    PARAMETERS
        .iter()
        .map(|name| {
            let bound = bound_of(bounds, name);
            ParameterField {
                name,
                label: parameter_label(name, lang),
                value: parameter_value(parameters, name),
                low: bound.low,
                high: bound.high,
            }
        })
        .collect()
}

/// The five parameters and their bounds as typed in a form, named as the API names them.
fn parameters_of(form: &Form, errors: &mut Vec<FieldError>, lang: Lang) -> Option<ParametersBody> {
    let mut values = [0.0; 5];
    let mut bounds = [Bound {
        low: 0.0,
        high: 1.0,
    }; 5];
    let before = errors.len();
    for (i, name) in PARAMETERS.iter().enumerate() {
        values[i] = form
            .number(&format!("parameters.{name}"), errors, lang)
            .unwrap_or(0.0);
        bounds[i].low = form
            .number(&format!("parameters.bounds.{name}.low"), errors, lang)
            .unwrap_or(0.0);
        bounds[i].high = form
            .number(&format!("parameters.bounds.{name}.high"), errors, lang)
            .unwrap_or(1.0);
    }
    if errors.len() > before {
        return None;
    }
    Some(ParametersBody {
        after_grade_9_share: values[0],
        after_grade_11_share: values[1],
        annual_dropout_rate: values[2],
        retention_rate: values[3],
        targeted_retention_rate: values[4],
        bounds: Some(crate::app::forecast::BoundsBody {
            after_grade_9_share: Some(bounds[0]),
            after_grade_11_share: Some(bounds[1]),
            annual_dropout_rate: Some(bounds[2]),
            retention_rate: Some(bounds[3]),
            targeted_retention_rate: Some(bounds[4]),
        }),
    })
}

/// The seat changes typed in a form's intake rows (empty rows skipped).
fn intakes_of(form: &Form, errors: &mut Vec<FieldError>, lang: Lang) -> Vec<ScenarioIntake> {
    let mut intakes = Vec::new();
    for i in 0..INTAKE_ROWS {
        let name = |field: &str| format!("intakes[{i}].{field}");
        if form.get(&name("program_id")).is_empty() {
            continue;
        }
        let program_id = form.number(&name("program_id"), errors, lang);
        let year = form.number(&name("year"), errors, lang);
        let seats = form.number(&name("seats"), errors, lang);
        let targeted = form
            .optional(&name("targeted_seats"), errors, lang)
            .or(Some(0));
        if let (Some(program_id), Some(year), Some(seats), Some(targeted_seats)) =
            (program_id, year, seats, targeted)
        {
            intakes.push(ScenarioIntake {
                program_id,
                year,
                seats,
                targeted_seats,
            });
        }
    }
    intakes
}

/// A program as a choice in a form.
struct ProgramChoice {
    id: i64,
    label: String,
}

async fn program_choices(ctx: &Context, viewer: &Viewer) -> Result<Vec<ProgramChoice>, WebError> {
    let programs = super::all_programs(ctx, viewer).await?;
    let names = super::programs::institution_names(ctx, viewer).await?;
    Ok(programs
        .into_iter()
        .map(|p| ProgramChoice {
            id: p.id,
            label: format!(
                "{} {} — {}",
                p.specialty_code,
                p.title,
                names.get(&p.institution_id).cloned().unwrap_or_default()
            ),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "scenario.html", config = "src/web/askama.toml")]
struct ScenarioPage {
    c: Chrome,
    state: FormState,
    parameters: Vec<ParameterField>,
    programs: Vec<ProgramChoice>,
    clusters: Vec<Cluster>,
    professions: Vec<Profession>,
    as_of: i32,
    result: Option<ForecastResponse>,
}

impl ScenarioPage {
    fn intake_rows(&self) -> Vec<usize> {
        (0..INTAKE_ROWS).collect()
    }

    fn field(&self, name: &str, default: impl ToString) -> String {
        self.state.value_or(name, default)
    }
}

async fn scenario_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    result: Option<ForecastResponse>,
) -> Result<HttpResponse, WebError> {
    let stored = forecast_app::parameters(ctx, &viewer.user)
        .await
        .map_err(|e| viewer.error(e))?;
    let (clusters, professions) = catalogue(ctx, viewer).await?;
    let as_of = current_academic_year();
    let page_data = ScenarioPage {
        c: viewer.chrome(viewer.tr("Сценарий", "Scenario")),
        parameters: parameter_fields(viewer.lang, &stored.parameters, &stored.bounds),
        programs: program_choices(ctx, viewer).await?,
        clusters,
        professions,
        as_of,
        result,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn scenario_form(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    crate::auth::policy::authorize(&viewer.user, crate::auth::policy::Action::RunScenarios)
        .map_err(|e| viewer.error(e))?;
    scenario_page(&viewer, &ctx, FormState::default(), None).await
}

async fn scenario_run(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let from = form.number("from", &mut errors, lang);
    let to = form.number("to", &mut errors, lang);
    let cluster_id = form.optional("cluster_id", &mut errors, lang);
    let profession_id = form.optional("profession_id", &mut errors, lang);
    let parameters = parameters_of(&form, &mut errors, lang);
    let intakes = intakes_of(&form, &mut errors, lang);
    let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
        return scenario_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    };
    let body = ScenarioBody {
        as_of: None,
        from,
        to,
        parameters,
        intakes,
        profession_id,
        cluster_id,
    };
    match forecast_app::scenario(&ctx, &viewer.user, body).await {
        Ok(result) => {
            scenario_page(
                &viewer,
                &ctx,
                FormState::failed(&form, Vec::new()),
                Some(result),
            )
            .await
        }
        Err(error) => {
            let state = invalid_or(error, &form, lang)?;
            scenario_page(&viewer, &ctx, state, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "plan.html", config = "src/web/askama.toml")]
struct PlanPage {
    c: Chrome,
    state: FormState,
    programs: Vec<ProgramChoice>,
    as_of: i32,
    plan: Option<SeatPlanResponse>,
}

impl PlanPage {
    fn field(&self, name: &str, default: impl ToString) -> String {
        self.state.value_or(name, default)
    }
}

async fn plan_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    plan: Option<SeatPlanResponse>,
) -> Result<HttpResponse, WebError> {
    let as_of = current_academic_year();
    let page_data = PlanPage {
        c: viewer.chrome(viewer.tr("План новых мест", "Seat plan")),
        programs: program_choices(ctx, viewer).await?,
        as_of,
        plan,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn plan_form(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    crate::auth::policy::authorize(&viewer.user, crate::auth::policy::Action::RunScenarios)
        .map_err(|e| viewer.error(e))?;
    plan_page(&viewer, &ctx, FormState::default(), None).await
}

async fn plan_run(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let year = form.number("year", &mut errors, lang);
    let from = form.number("from", &mut errors, lang);
    let to = form.number("to", &mut errors, lang);
    let budget = form.number("budget", &mut errors, lang);
    let step = form.optional("step", &mut errors, lang);
    let mut program_ids = Vec::new();
    for value in form
        .all("program_ids")
        .into_iter()
        .filter(|v| !v.is_empty())
    {
        match value.parse::<i64>() {
            Ok(id) => program_ids.push(id),
            Err(_) => errors.push(FieldError::new(
                "program_ids",
                lang.tr("неизвестная программа", "unknown program"),
            )),
        }
    }
    let (Some(year), Some(from), Some(to), Some(budget), true) =
        (year, from, to, budget, errors.is_empty())
    else {
        return plan_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    };
    let body = SeatPlanBody {
        as_of: None,
        year,
        from,
        to,
        budget,
        step,
        parameters: None,
        intakes: Vec::new(),
        program_ids: (!program_ids.is_empty()).then_some(program_ids),
        limits: Vec::new(),
    };
    match app::planning::plan_seats(&ctx, &viewer.user, body).await {
        Ok(plan) => {
            plan_page(
                &viewer,
                &ctx,
                FormState::failed(&form, Vec::new()),
                Some(plan),
            )
            .await
        }
        Err(error) => {
            let state = invalid_or(error, &form, lang)?;
            plan_page(&viewer, &ctx, state, None).await
        }
    }
}

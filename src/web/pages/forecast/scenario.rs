//! The scenario page: parameters, bounds and seats to change, and the
//! result beside the stored forecast.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::common::{catalogue, parameter_label};
use crate::app::forecast::{
    self as forecast_app, ForecastResponse, ParametersBody, ScenarioBody, ScenarioIntake,
};
use crate::app::{self, Context};
use crate::db::clusters::Cluster;
use crate::db::professions::Profession;
use crate::domain::Language;
use crate::domain::numbers::current_academic_year;
use crate::error::FieldError;
use crate::forecast::model::{Bound, Bounds, PARAMETER_COUNT, PARAMETER_NAMES, Parameters};
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::render::{form_status, page_with};
use crate::web::viewer::Viewer;

const INTAKE_ROWS: usize = 3;

/// One parameter's row of a form: name, label, value, bounds.
pub(super) struct ParameterField {
    name: &'static str,
    label: String,
    value: f64,
    low: f64,
    high: f64,
}

pub(super) fn parameter_fields(
    lang: Language,
    parameters: &Parameters,
    bounds: &Bounds,
) -> Vec<ParameterField> {
    parameters
        .named()
        .into_iter()
        .zip(bounds.all())
        .map(|((name, value), bound)| ParameterField {
            name,
            label: parameter_label(name, lang),
            value,
            low: bound.low,
            high: bound.high,
        })
        .collect()
}

/// The six parameters and their bounds as typed in a form, named as the API names them.
pub(super) fn parameters_of(
    form: &Form,
    errors: &mut Vec<FieldError>,
    lang: Language,
) -> Option<ParametersBody> {
    let mut values = [0.0; PARAMETER_COUNT];
    let mut bounds = [Bound {
        low: 0.0,
        high: 1.0,
    }; PARAMETER_COUNT];
    let before = errors.len();
    for (i, name) in PARAMETER_NAMES.iter().enumerate() {
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
        continue_to_grade_10_share: Some(values[1]),
        after_grade_11_share: values[2],
        annual_dropout_rate: values[3],
        retention_rate: values[4],
        targeted_retention_rate: values[5],
        bounds: Some(crate::app::forecast::BoundsBody {
            after_grade_9_share: Some(bounds[0]),
            continue_to_grade_10_share: Some(bounds[1]),
            after_grade_11_share: Some(bounds[2]),
            annual_dropout_rate: Some(bounds[3]),
            retention_rate: Some(bounds[4]),
            targeted_retention_rate: Some(bounds[5]),
        }),
    })
}

/// The seat changes typed in a form's intake rows (empty rows skipped).
fn intakes_of(form: &Form, errors: &mut Vec<FieldError>, lang: Language) -> Vec<ScenarioIntake> {
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
pub(super) struct ProgramChoice {
    pub(super) id: i64,
    pub(super) label: String,
}

pub(super) async fn program_choices(
    ctx: &Context,
    viewer: &Viewer,
) -> Result<Vec<ProgramChoice>, WebError> {
    let programs = crate::web::pages::all_programs(ctx, viewer).await?;
    let names = crate::web::pages::programs::institution_names(ctx, viewer).await?;
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
    /// Per intake row, the program's stored seats of the year typed, if any:
    /// `(seats, targeted)`, or `None` when the year has none stored.
    current: Vec<Option<Option<(i32, i32)>>>,
}

impl ScenarioPage {
    fn intake_rows(&self) -> Vec<usize> {
        (0..INTAKE_ROWS).collect()
    }

    /// What a row's program has stored for the year typed, in words.
    fn current_text(&self, row: &usize) -> Option<String> {
        let c = &self.c;
        let found = self.current.get(*row).copied().flatten()?;
        Some(match found {
            Some((seats, targeted)) => format!(
                "{} {} {}, {} {}",
                c.tr("сейчас", "now"),
                seats,
                c.tr("мест", "seats"),
                c.tr("из них целевых", "targeted"),
                targeted
            ),
            None => c
                .tr(
                    "сейчас мест на этот год не указано",
                    "no seats stored for the year",
                )
                .to_string(),
        })
    }

    /// Whether the row's typed seats differ from the stored ones.
    fn row_changed(&self, row: &usize) -> bool {
        let typed = |field: &str| {
            self.state
                .value(&format!("intakes[{row}].{field}"))
                .parse::<i32>()
                .ok()
        };
        match self.current.get(*row).copied().flatten() {
            Some(Some((seats, targeted))) => {
                typed("seats").is_some_and(|s| s != seats)
                    || typed("targeted_seats").unwrap_or(0) != targeted
            }
            Some(None) => typed("seats").is_some(),
            None => false,
        }
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
    let mut current = Vec::new();
    for i in 0..INTAKE_ROWS {
        let program = state
            .value(&format!("intakes[{i}].program_id"))
            .parse::<i64>();
        let year = state.value(&format!("intakes[{i}].year")).parse::<i32>();
        current.push(match (program, year) {
            (Ok(program), Ok(year)) => app::programs::intakes(ctx, &viewer.user, program)
                .await
                .ok()
                .map(|intakes| {
                    intakes
                        .iter()
                        .find(|intake| intake.year == year)
                        .map(|intake| (intake.seats, intake.targeted_seats))
                }),
            _ => None,
        });
    }
    let page_data = ScenarioPage {
        current,
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

pub(super) async fn scenario_form(
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    crate::auth::policy::authorize(&viewer.user, crate::auth::policy::Action::RunScenarios)
        .map_err(|e| viewer.error(e))?;
    scenario_page(&viewer, &ctx, FormState::default(), None).await
}

pub(super) async fn scenario_run(
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

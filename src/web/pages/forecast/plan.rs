//! The seat planner's page: its form and its answer.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::scenario::{ProgramChoice, program_choices};
use crate::app::planning::{SeatPlanBody, SeatPlanResponse};
use crate::app::{self, Context};
use crate::domain::numbers::current_academic_year;
use crate::error::FieldError;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{FormState, invalid_or};
use crate::web::render::{form_status, page_with};
use crate::web::viewer::Viewer;

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

pub(super) async fn plan_form(
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    crate::auth::policy::authorize(&viewer.user, crate::auth::policy::Action::RunScenarios)
        .map_err(|e| viewer.error(e))?;
    plan_page(&viewer, &ctx, FormState::default(), None).await
}

pub(super) async fn plan_run(
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

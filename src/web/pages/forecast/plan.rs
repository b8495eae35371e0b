//! The seat planner's page: its form and its answer.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::scenario::{ProgramChoice, program_choices};
use crate::app::planning::{SeatPlanBody, SeatPlanResponse};
use crate::app::{self, Context};
use crate::domain::numbers::current_academic_year;
use crate::error::FieldError;
use crate::forecast::model::Row;
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
    reasons: HashMap<i64, Reason>,
}

/// Why a program got its seats, from the plan's steps: the seats added,
/// the unmet demand they cut (person-years), per seat, and its last step's cut.
pub(super) struct Reason {
    pub(super) added: i32,
    pub(super) cut: f64,
    pub(super) per_seat: f64,
    pub(super) last_step_cut: f64,
}

/// Each program's reason, by program id, from the steps in order.
pub(super) fn reasons(plan: &SeatPlanResponse) -> HashMap<i64, Reason> {
    let mut reasons: HashMap<i64, Reason> = HashMap::new();
    let mut before = plan.objective_before;
    for step in &plan.steps {
        let cut = before - step.objective;
        before = step.objective;
        let reason = reasons.entry(step.program_id).or_insert(Reason {
            added: 0,
            cut: 0.0,
            per_seat: 0.0,
            last_step_cut: 0.0,
        });
        reason.cut += cut;
        reason.last_step_cut = cut;
    }
    for program in &plan.programs {
        if let Some(reason) = reasons.get_mut(&program.program_id) {
            reason.added = program.seats_after - program.seats_before;
            reason.per_seat = if reason.added > 0 {
                reason.cut / f64::from(reason.added)
            } else {
                0.0
            };
        }
    }
    reasons
}

impl PlanPage {
    fn field(&self, name: &str, default: impl ToString) -> String {
        self.state.value_or(name, default)
    }

    fn reason(&self, program_id: &i64) -> Option<&Reason> {
        self.reasons.get(program_id)
    }

    /// Why the planner stopped, in a sentence.
    fn stopped(&self) -> &'static str {
        let Some(plan) = &self.plan else { return "" };
        if plan.unallocated == 0 {
            self.c.tr(
                "Все места распределены: план остановился, когда места кончились. Каждый шаг получала программа, где он сокращал потребность сильнее всего.",
                "Every seat is placed: the plan stopped when the seats ran out. Each step went to the program where it cut the demand most.",
            )
        } else {
            self.c.tr(
                "Не все места распределены: следующий шаг ни в одной программе не сократил бы неудовлетворённую потребность (больше чем на 0,005 человеко-года) — такие места остались бы пустыми или не нужны.",
                "Not every seat is placed: no program's next step would cut the unmet demand (by more than 0.005 person-years); such seats would stay empty or are not needed.",
            )
        }
    }

    /// The rows whose gap the plan changes.
    fn changed_rows(&self) -> Vec<&Row> {
        self.plan
            .iter()
            .flat_map(|plan| plan.rows.iter())
            .filter(|row| (row.gap - super::gap_before(row)).abs() >= 0.005)
            .collect()
    }
}

async fn plan_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    plan: Option<SeatPlanResponse>,
) -> Result<HttpResponse, WebError> {
    let as_of = current_academic_year();
    let reasons = plan.as_ref().map(reasons).unwrap_or_default();
    let page_data = PlanPage {
        reasons,
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

#[cfg(test)]
mod tests {
    use super::reasons;
    use crate::app::planning::{PlanStepView, PlannedProgram, SeatPlanResponse};

    #[test]
    fn each_programs_reason_adds_up_its_own_steps() {
        let step = |program_id, seats, objective| PlanStepView {
            program_id,
            seats,
            objective,
        };
        let program = |program_id, seats_before, seats_after| PlannedProgram {
            program_id,
            title: String::new(),
            institution_id: 1,
            institution_name: String::new(),
            seats_before,
            seats_after,
        };
        let plan = SeatPlanResponse {
            as_of: 2026,
            year: 2027,
            from: 2027,
            to: 2037,
            budget: 15,
            step: 5,
            allocated: 15,
            unallocated: 0,
            objective_before: 100.0,
            objective_after: 80.0,
            // A cuts 10, then B 6, then A 4.
            steps: vec![step(1, 30, 90.0), step(2, 25, 84.0), step(1, 35, 80.0)],
            programs: vec![program(1, 25, 35), program(2, 20, 25)],
            left_out_aggregates: Vec::new(),
            rows: Vec::new(),
        };
        let reasons = reasons(&plan);
        let a = &reasons[&1];
        assert_eq!(
            (a.added, a.cut, a.per_seat, a.last_step_cut),
            (10, 14.0, 1.4, 4.0)
        );
        let b = &reasons[&2];
        assert_eq!(
            (b.added, b.cut, b.per_seat, b.last_step_cut),
            (5, 6.0, 1.2, 6.0)
        );
    }
}

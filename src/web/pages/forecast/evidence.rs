//! What the forecast rests on (`/forecast/evidence`, analysts and admins):
//! each parameter beside what the region's records say, the apply form for
//! admins, the backtest against the naive forecast, and the published
//! forecasts with their comparison with today's.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::common::parameter_label;
use crate::app::forecast::{
    self as forecast_app, ApplyBody, BacktestAsked, Comparison, PublishBody, PublishedForecast,
};
use crate::app::{self, Context};
use crate::auth::policy::{Action, allows};
use crate::domain::Language;
use crate::error::AppError;
use crate::forecast::evidence::{
    Backtest, Calibration, CountsRead, ParameterEvidence, ProgramCompletion, Stage, StageScores,
    WhyNot, round4,
};
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::render::{form_status, page, page_with, see_other};
use crate::web::svg::{self, LeadBars, RatioPoint};
use crate::web::viewer::Viewer;

/// A parameter's row: its evidence, words and chart.
struct ParameterRow {
    label: String,
    evidence: ParameterEvidence,
    chart: String,
    /// Whether applying would change the stored value or bounds.
    changes: bool,
}

/// A stage's chart and what it says in words.
struct StageRow {
    name: &'static str,
    scores: StageScores,
    chart: String,
    verdict: String,
}

#[derive(Template)]
#[template(path = "evidence.html", config = "src/web/askama.toml")]
struct EvidencePage {
    c: Chrome,
    state: FormState,
    status: Option<&'static str>,
    calibration: Option<std::sync::Arc<Calibration>>,
    parameters: Vec<ParameterRow>,
    programs: Vec<ProgramCompletion>,
    programs_without: usize,
    backtest: Option<std::sync::Arc<Backtest>>,
    stages: Vec<StageRow>,
    published: Vec<PublishedForecast>,
    may_apply: bool,
    may_publish: bool,
}

impl EvidencePage {
    fn pct(&self, value: &Option<f64>) -> String {
        value.map_or_else(
            || "—".to_string(),
            // From the rate as the API writes it (four decimals), so both agree.
            |v| format!("{} %", self.c.lang.number(round4(v) * 100.0, 1)),
        )
    }

    fn any_change(&self) -> bool {
        self.parameters.iter().any(|p| p.changes)
    }

    fn r4(&self, value: &f64) -> String {
        self.c.lang.number(*value, 4)
    }

    fn rate(&self, value: &Option<f64>) -> String {
        value.map_or_else(|| "—".to_string(), |v| self.c.lang.number(v, 4))
    }

    fn why(&self, why_not: &Option<WhyNot>) -> &'static str {
        let c = &self.c;
        match why_not {
            None => c.tr("учтён", "counts"),
            Some(WhyNot::MissingEnrollments) => c.tr(
                "нет записи о зачислении у программы с местами",
                "a program with seats has no enrollment record",
            ),
            Some(WhyNot::MissingCounts) => c.tr(
                "у школы нет численности за нужный год",
                "a school has no counts of the year needed",
            ),
            Some(WhyNot::NoRecords) => c.tr("нет записей", "no records"),
            Some(WhyNot::ZeroDenominator) => c.tr("знаменатель 0", "denominator 0"),
        }
    }

    fn counts_read(&self) -> &'static str {
        match self.calibration.as_ref().map(|c| c.counts) {
            Some(CountsRead::Protected) => self.c.tr(
                "по защищённым численностям (каждая численность школы округлена до 5 до сложения)",
                "from protected counts (each school's count rounded to 5 before summing)",
            ),
            _ => self.c.tr("по точным численностям", "from exact counts"),
        }
    }
}

fn stage_name(stage: Stage, lang: Language) -> &'static str {
    match stage {
        Stage::Enrollment => lang.tr("зачисление", "enrollment"),
        Stage::Graduates => lang.tr("выпуск", "graduates"),
        Stage::Retained => lang.tr("закрепление в профессии", "retained in the profession"),
    }
}

/// Where the model does worse than the naive forecast, plainly.
fn verdict(stage: &StageScores, lang: Language) -> String {
    let name = stage_name(stage.stage, lang);
    let pct = |v: f64| format!("{} %", lang.number(round4(v) * 100.0, 1));
    let (Some(model), Some(naive)) = (stage.overall.wape, stage.overall.naive_wape) else {
        let none = lang.tr(
            "нет пар для сравнения (нет записей)",
            "no pairs to score (no records)",
        );
        return format!("{name}: {none}.");
    };
    let naive_is = lang.tr(
        "наивный прогноз («как в последний известный год»)",
        "the naive forecast (\"as in the latest known year\")",
    );
    let better = model < naive;
    let (model, naive) = (pct(model), pct(naive));
    let overall = if model == naive {
        match lang {
            Language::Ru => {
                format!("модель ошибается столько же, сколько {naive_is}: {model} в среднем")
            }
            Language::En => format!("the model is as far off as {naive_is}: {model} overall"),
        }
    } else if better {
        match lang {
            Language::Ru => {
                format!("модель точнее, чем {naive_is}: {model} против {naive} в среднем")
            }
            Language::En => format!("the model beats {naive_is}: {model} against {naive} overall"),
        }
    } else {
        match lang {
            Language::Ru => {
                format!("модель ошибается больше, чем {naive_is}: {model} против {naive} в среднем")
            }
            Language::En => {
                format!("the model is further off than {naive_is}: {model} against {naive} overall")
            }
        }
    };
    let worse: Vec<String> = stage
        .leads
        .iter()
        .filter(|l| matches!((l.wape, l.naive_wape), (Some(m), Some(n)) if m > n))
        .map(|l| l.lead.to_string())
        .collect();
    let leads = match (worse.is_empty(), better, lang) {
        (true, _, _) => String::new(),
        (false, true, Language::Ru) => {
            format!(", но хуже на горизонтах (лет вперёд): {}", worse.join(", "))
        }
        (false, true, Language::En) => format!(", but is worse at leads {}", worse.join(", ")),
        (false, false, Language::Ru) => {
            format!("; хуже на горизонтах (лет вперёд): {}", worse.join(", "))
        }
        (false, false, Language::En) => format!("; worse at leads {}", worse.join(", ")),
    };
    format!("{name}: {overall}{leads}.")
}

fn parameter_rows(calibration: &Calibration, lang: Language) -> Vec<ParameterRow> {
    calibration
        .parameters
        .iter()
        .map(|p| {
            let label = parameter_label(&p.name, lang);
            let points: Vec<RatioPoint> = p
                .years
                .iter()
                .map(|y| RatioPoint {
                    year: y.year,
                    ratio: y.ratio,
                    valid: y.valid,
                })
                .collect();
            let chart = svg::ratio_strip(&points, p.current, p.estimate, lang, &label);
            let changes = p.enough
                && (p.estimate.is_some_and(|e| round4(e) != p.current)
                    || p.low.is_some_and(|l| round4(l) != p.current_low)
                    || p.high.is_some_and(|h| round4(h) != p.current_high));
            ParameterRow {
                label,
                evidence: p.clone(),
                chart,
                changes,
            }
        })
        .collect()
}

fn stage_rows(backtest: &Backtest, lang: Language) -> Vec<StageRow> {
    backtest
        .stages
        .iter()
        .map(|stage| {
            let name = stage_name(stage.stage, lang);
            let bars: Vec<LeadBars> = stage
                .leads
                .iter()
                .map(|l| LeadBars {
                    lead: l.lead,
                    model: l.wape,
                    naive: l.naive_wape,
                })
                .collect();
            let title = format!(
                "{name}: {}",
                lang.tr("ошибка (WAPE) по горизонту", "error (WAPE) by lead")
            );
            StageRow {
                name,
                chart: svg::wape_chart(&bars, lang, &title),
                verdict: verdict(stage, lang),
                scores: stage.clone(),
            }
        })
        .collect()
}

async fn evidence_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    status: Option<&'static str>,
) -> Result<HttpResponse, WebError> {
    // A window the form refused is shown with its error; the tables use the default.
    let window: Option<i32> = if state.has_errors() {
        None
    } else {
        state.value("window").trim().parse().ok()
    };
    let calibration = forecast_app::calibration(ctx, &viewer.user, None, window)
        .await
        .map_err(|e| viewer.error(e))?;
    let backtest = forecast_app::backtest(
        ctx,
        &viewer.user,
        BacktestAsked {
            window,
            ..BacktestAsked::default()
        },
    )
    .await
    .map_err(|e| viewer.error(e))?;
    let published = forecast_app::list_published(ctx, &viewer.user)
        .await
        .map_err(|e| viewer.error(e))?;
    let lang = viewer.lang;
    let (programs, without): (Vec<_>, Vec<_>) = calibration
        .programs
        .iter()
        .cloned()
        .partition(|p| p.proposed.is_some());
    let data = EvidencePage {
        c: viewer.chrome(viewer.tr("На чём основан прогноз", "What the forecast rests on")),
        status,
        parameters: parameter_rows(&calibration, lang),
        programs,
        programs_without: without.len(),
        stages: stage_rows(&backtest, lang),
        calibration: Some(calibration),
        backtest: Some(backtest),
        published,
        may_apply: allows(&viewer.user, Action::ApplyCalibration),
        may_publish: allows(&viewer.user, Action::PublishForecasts),
        state,
    };
    page_with(form_status(&data.state), &data)
}

pub(super) async fn evidence(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    let form = Form::of_query(req.query_string(), viewer.lang);
    let status = match form.get("done") {
        "applied" => Some("applied"),
        "deleted" => Some("deleted"),
        _ => None,
    };
    let mut errors = Vec::new();
    let window: Option<i32> = form.optional("window", &mut errors, viewer.lang);
    if errors.is_empty()
        && let Some(window) = window
        && !(1..=crate::forecast::evidence::MAX_WINDOW).contains(&window)
    {
        errors.push(crate::error::FieldError::new(
            "window",
            viewer.tr("от 1 до 15 лет", "1 to 15 years"),
        ));
    }
    if !errors.is_empty() {
        return evidence_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    }
    evidence_page(&viewer, &ctx, FormState::failed(&form, Vec::new()), status).await
}

pub(super) async fn apply(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let mut errors = Vec::new();
    let window = form.optional("window", &mut errors, viewer.lang);
    if !errors.is_empty() {
        return evidence_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    }
    let body = ApplyBody {
        as_of: None,
        window,
        programs: Some(form.has("programs")),
    };
    match forecast_app::apply_calibration(&ctx, &viewer.user, body).await {
        Ok(_) => Ok(see_other(&match window {
            Some(window) => format!("/forecast/evidence?done=applied&window={window}"),
            None => "/forecast/evidence?done=applied".to_string(),
        })),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            evidence_page(&viewer, &ctx, state, None).await
        }
    }
}

pub(super) async fn publish(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let mut errors = Vec::new();
    let from = form.optional("from", &mut errors, viewer.lang);
    let to = form.optional("to", &mut errors, viewer.lang);
    if !errors.is_empty() {
        return evidence_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    }
    let body = PublishBody {
        title: form.get("title").to_string(),
        from,
        to,
        as_of: None,
    };
    match forecast_app::publish(&ctx, &viewer.user, body, None).await {
        Ok(published) => Ok(see_other(&format!(
            "/forecast/published/{}?done=published",
            published.id
        ))),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            evidence_page(&viewer, &ctx, state, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "published.html", config = "src/web/askama.toml")]
struct PublishedPage {
    c: Chrome,
    comparison: Comparison,
    titles: HashMap<i64, (String, String)>,
    published_now: bool,
    may_delete: bool,
    may_read_evidence: bool,
}

impl PublishedPage {
    fn title_of(&self, id: &i64) -> String {
        self.titles.get(id).map_or_else(
            || id.to_string(),
            |(code, title)| format!("{title} ({code})"),
        )
    }

    fn number(&self, value: &Option<f64>) -> String {
        value.map_or_else(|| "—".to_string(), |v| self.c.lang.number(v, 2))
    }

    fn change(&self, then: &Option<f64>, now: &Option<f64>) -> String {
        match (then, now) {
            (Some(then), Some(now)) => self.c.lang.number(now - then, 2),
            _ => "—".to_string(),
        }
    }
}

fn published_id(viewer: &Viewer, raw: &str) -> Result<i64, WebError> {
    raw.parse()
        .map_err(|_| viewer.error(AppError::NotFound("published forecast".into())))
}

pub(super) async fn published(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = published_id(&viewer, &id)?;
    let comparison = forecast_app::compare_published(&ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let basis = forecast_app::load(&ctx)
        .await
        .map_err(|e| viewer.error(e))?;
    let titles = basis
        .inputs
        .professions
        .iter()
        .map(|(id, p)| (*id, (p.code.clone(), p.title.clone())))
        .collect();
    let form = Form::of_query(req.query_string(), viewer.lang);
    page(&PublishedPage {
        c: viewer.chrome(&comparison.title),
        titles,
        published_now: form.get("done") == "published",
        may_delete: allows(&viewer.user, Action::DeletePublishedForecasts),
        may_read_evidence: allows(&viewer.user, Action::ReadEvidence),
        comparison,
    })
}

pub(super) async fn delete_published(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = published_id(&viewer, &id)?;
    app::forecast::delete_published(&ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other("/forecast/evidence?done=deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::evidence::{LeadScore, Score};

    fn stage(model: Option<f64>, naive: Option<f64>, leads: &[(f64, f64)]) -> StageScores {
        StageScores {
            stage: Stage::Graduates,
            overall: Score {
                pairs: 10,
                actual: 100,
                wape: model,
                bias: model,
                naive_wape: naive,
            },
            leads: leads
                .iter()
                .enumerate()
                .map(|(i, (m, n))| LeadScore {
                    lead: i as i32 + 1,
                    pairs: 5,
                    actual: 50,
                    wape: Some(*m),
                    bias: Some(*m),
                    naive_wape: Some(*n),
                })
                .collect(),
        }
    }

    #[test]
    fn the_verdict_says_plainly_where_the_model_does_worse() {
        let ru = Language::Ru;
        let worse = verdict(&stage(Some(0.147), Some(0.041), &[(0.08, 0.03)]), ru);
        assert_eq!(
            worse,
            "выпуск: модель ошибается больше, чем наивный прогноз («как в последний известный год»): 14,7 % против 4,1 % в среднем; хуже на горизонтах (лет вперёд): 1."
        );
        let better = verdict(
            &stage(Some(0.02), Some(0.05), &[(0.01, 0.04), (0.09, 0.05)]),
            Language::En,
        );
        assert_eq!(
            better,
            "graduates: the model beats the naive forecast (\"as in the latest known year\"): 2.0 % against 5.0 % overall, but is worse at leads 2."
        );
        let level = verdict(&stage(Some(0.0350), Some(0.0349), &[]), ru);
        assert!(
            level.contains("столько же") && level.contains("3,5 %"),
            "{level}"
        );
        let none = verdict(&stage(None, None, &[]), ru);
        assert_eq!(none, "выпуск: нет пар для сравнения (нет записей).");
    }
}

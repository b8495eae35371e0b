//! A school registers its pupils for an event: every pupil who may go
//! offered (filtered by grade, searched by reference), a whole grade at
//! once, each refused pupil named with its reason, a registration withdrawn.

use actix_web::{HttpRequest, HttpResponse, web};

use super::events::{event_id, event_page};
use crate::app::registrations::{self, Batch, Candidate, Refused};
use crate::app::{self, Context};
use crate::db::events::Event;
use crate::domain::Language;
use crate::error::FieldError;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::render::see_other;
use crate::web::viewer::Viewer;

/// The registration form of a school: the pupils shown (by the filter),
/// and how many are not offered and why.
pub struct RegisterPanel {
    pub shown: Vec<Candidate>,
    /// Every pupil that may be registered, whatever the filter.
    pub eligible: usize,
    pub without_consent: usize,
    pub below_grade: usize,
    /// The grades that have pupils to offer, for the filter.
    pub grades: Vec<i32>,
    pub grade: Option<i32>,
    pub q: String,
}

/// The filter of the registration form: a grade, and text in a pupil's
/// reference or name.
fn filter_of(form: &Form) -> (Option<i32>, String) {
    (form.get("grade").parse().ok(), form.get("q").to_string())
}

fn shown_by(all: Vec<Candidate>, grade: Option<i32>, q: &str) -> Vec<Candidate> {
    let q = q.to_lowercase();
    all.into_iter()
        .filter(|c| grade.is_none_or(|g| c.grade == g))
        .filter(|c| {
            q.is_empty()
                || c.external_ref.to_lowercase().contains(&q)
                || c.display_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&q))
        })
        .collect()
}

impl RegisterPanel {
    pub async fn of(
        ctx: &Context,
        viewer: &Viewer,
        event: &Event,
        query: &Form,
    ) -> Result<Self, WebError> {
        let found = registrations::candidates(ctx, &viewer.user, event)
            .await
            .map_err(|e| viewer.error(e))?;
        let (grade, q) = filter_of(query);
        let mut grades: Vec<i32> = found.eligible.iter().map(|c| c.grade).collect();
        grades.dedup();
        Ok(Self {
            eligible: found.eligible.len(),
            without_consent: found.without_consent,
            below_grade: found.below_grade,
            shown: shown_by(found.eligible, grade, &q),
            grades,
            grade,
            q,
        })
    }

    pub fn is_grade(&self, grade: &i32) -> bool {
        self.grade == Some(*grade)
    }
}

/// What a batch did, shown when some pupils were refused.
pub struct Outcome {
    pub registered: usize,
    /// `(the pupil as the school knows it, why)`.
    pub refused: Vec<(String, String)>,
}

fn reason(refused: Refused, lang: Language) -> String {
    match refused {
        Refused::Unknown => lang
            .tr(
                "нет такого ученика в вашей школе",
                "no such pupil in your school",
            )
            .into(),
        Refused::NoConsent => lang
            .tr(
                "нет согласия родителей на обработку данных",
                "no parental consent on file",
            )
            .into(),
        Refused::BelowGrade { grade, min_grade } => match lang {
            Language::Ru => format!("учится в {grade} классе, а событие — с {min_grade} класса"),
            Language::En => format!("is in grade {grade}; the event is from grade {min_grade}"),
        },
        Refused::AlreadyRegistered => lang.tr("уже записан", "already registered").into(),
        Refused::Full => lang.tr("мест больше нет", "no places left").into(),
    }
}

impl Outcome {
    fn of(batch: &Batch, lang: Language) -> Self {
        Self {
            registered: batch.registered.len(),
            refused: batch
                .refused
                .iter()
                .map(|r| {
                    let who = r
                        .external_ref
                        .clone()
                        .unwrap_or_else(|| format!("№ {}", r.pupil_id));
                    (who, reason(r.reason, lang))
                })
                .collect(),
        }
    }
}

/// The pupil ids chosen in a form (checkboxes, or ids typed one per line or comma-separated).
fn pupil_ids(form: &Form, lang: Language) -> Result<Vec<i64>, Vec<FieldError>> {
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for value in form.all("pupil_ids") {
        for part in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            match part.parse() {
                Ok(id) => ids.push(id),
                Err(_) => errors.push(FieldError::new(
                    "pupil_ids",
                    format!("{}: {part}", lang.tr("не номер ученика", "not a pupil id")),
                )),
            }
        }
    }
    if ids.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "pupil_ids",
            lang.tr(
                "выберите хотя бы одного ученика",
                "choose at least one pupil",
            ),
        ));
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors)
    }
}

/// Registers the ticked pupils, or with `all_shown` every pupil the
/// form's filter shows.
pub async fn register(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    let ids = if form.has("all_shown") {
        let event = app::events::get_event(&ctx, &viewer.user, id)
            .await
            .map_err(|e| viewer.error(e))?;
        let found = registrations::candidates(&ctx, &viewer.user, &event)
            .await
            .map_err(|e| viewer.error(e))?;
        let (grade, q) = filter_of(&form);
        let ids: Vec<i64> = shown_by(found.eligible, grade, &q)
            .iter()
            .map(|c| c.id)
            .collect();
        if ids.is_empty() {
            Err(vec![FieldError::new(
                "pupil_ids",
                viewer.tr("некого записывать", "nobody to register"),
            )])
        } else {
            Ok(ids)
        }
    } else {
        pupil_ids(&form, viewer.lang)
    };
    let ids = match ids {
        Ok(ids) => ids,
        Err(errors) => {
            let state = FormState::failed(&form, errors);
            return event_page(&viewer, &ctx, id, &form, state, None).await;
        }
    };
    match registrations::register_batch(&ctx, &viewer.user, id, ids).await {
        Ok(batch) if batch.refused.is_empty() => Ok(see_other(&format!(
            "/events/{id}?registered={}",
            batch.registered.len()
        ))),
        Ok(batch) => {
            let outcome = Outcome::of(&batch, viewer.lang);
            event_page(
                &viewer,
                &ctx,
                id,
                &form,
                FormState::default(),
                Some(outcome),
            )
            .await
        }
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            event_page(&viewer, &ctx, id, &form, state, None).await
        }
    }
}

/// Withdraws the registrations of the pupils posted (a row's button posts one).
pub async fn unregister(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = event_id(&viewer, &id)?;
    let ids = match pupil_ids(&form, viewer.lang) {
        Ok(ids) => ids,
        Err(errors) => {
            let state = FormState::failed(&form, errors);
            return event_page(&viewer, &ctx, id, &Form::default(), state, None).await;
        }
    };
    for pupil_id in ids {
        if let Err(error) = registrations::unregister(&ctx, &viewer.user, id, pupil_id).await {
            let state = invalid_or(error, &form, viewer.lang)?;
            return event_page(&viewer, &ctx, id, &Form::default(), state, None).await;
        }
    }
    Ok(see_other(&format!("/events/{id}?withdrawn=1")))
}

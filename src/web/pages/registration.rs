//! What a school's registration form on an event's page shows and chose:
//! every pupil who may go (filtered by grade, searched by reference), a
//! whole grade at once, and each refused pupil named with its reason.

use crate::app::registrations::{self, Batch, Candidate, Refused};
use crate::app::{self, Context};
use crate::db::events::Event;
use crate::domain::Language;
use crate::error::FieldError;
use crate::web::error::WebError;
use crate::web::form::Form;
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
    pub fn of(batch: &Batch, lang: Language) -> Self {
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
pub fn pupil_ids(form: &Form, lang: Language) -> Result<Vec<i64>, Vec<FieldError>> {
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

/// The pupils a registration form chose: the ticked ones, or with
/// `all_shown` every pupil its filter shows; or what is wrong.
pub async fn chosen(
    ctx: &Context,
    viewer: &Viewer,
    event_id: i64,
    form: &Form,
) -> Result<Result<Vec<i64>, Vec<FieldError>>, WebError> {
    if !form.has("all_shown") {
        return Ok(pupil_ids(form, viewer.lang));
    }
    let event = app::events::get_event(ctx, &viewer.user, event_id)
        .await
        .map_err(|e| viewer.error(e))?;
    let found = registrations::candidates(ctx, &viewer.user, &event)
        .await
        .map_err(|e| viewer.error(e))?;
    let (grade, q) = filter_of(form);
    let ids: Vec<i64> = shown_by(found.eligible, grade, &q)
        .iter()
        .map(|c| c.id)
        .collect();
    Ok(if ids.is_empty() {
        Err(vec![FieldError::new(
            "pupil_ids",
            viewer.tr("некого записывать", "nobody to register"),
        )])
    } else {
        Ok(ids)
    })
}

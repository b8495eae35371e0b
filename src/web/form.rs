//! Posted forms: their fields (`Form`), a form shown again with what was
//! typed and what is wrong (`FormState`), the record's entity tag a form
//! carries.

use super::error::WebError;
use super::wording;
use crate::app::conditional::{IfMatch, entity_tag};
use crate::domain::Language;
use crate::error::{AppError, FieldError};

/// A posted form's fields (every value of a repeated name kept in order),
/// and the language of the page it came from, which its errors are said in.
#[derive(Debug, Default)]
pub struct Form {
    fields: Vec<(String, String)>,
    lang: Language,
}

impl Form {
    pub fn parse(body: &[u8], lang: Language) -> Self {
        Self {
            fields: serde_urlencoded::from_bytes(body).unwrap_or_default(),
            lang,
        }
    }

    pub fn from_pairs(fields: Vec<(String, String)>, lang: Language) -> Self {
        Self { fields, lang }
    }

    /// A page's query as a form, for its filters, in the request's language.
    pub fn of_request(req: &actix_web::HttpRequest) -> Self {
        Self::of_query(req.query_string(), super::i18n::lang_of(req))
    }

    /// A query string's fields.
    pub fn of_query(query: &str, lang: Language) -> Self {
        Self::from_pairs(serde_urlencoded::from_str(query).unwrap_or_default(), lang)
    }

    /// The first value of `name`, trimmed; "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.trim())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// `name` as a number, or an error on that field ("required" when empty).
    pub fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
        lang: Language,
    ) -> Option<T> {
        let text = self
            .get(name)
            .replace([' ', '\u{a0}'], "")
            .replace(',', ".");
        if text.is_empty() {
            errors.push(FieldError::new(
                name,
                lang.tr("обязательное поле", "required"),
            ));
            return None;
        }
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(FieldError::new(
                    name,
                    lang.tr("должно быть числом", "must be a number"),
                ));
                None
            }
        }
    }

    /// `name` as a number when filled in.
    pub fn optional<T: std::str::FromStr>(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
        lang: Language,
    ) -> Option<T> {
        if self.get(name).is_empty() {
            None
        } else {
            self.number(name, errors, lang)
        }
    }
}

/// A form shown again: what was typed, and what is wrong with which field.
#[derive(Debug, Default)]
pub struct FormState {
    pub values: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
}

impl FormState {
    /// The form shown again with `errors`, each said in the form's language.
    pub fn failed(form: &Form, errors: Vec<FieldError>) -> Self {
        Self {
            values: form.fields.clone(),
            errors: errors
                .into_iter()
                .map(|mut e| {
                    e.message = wording::message(&e.message, form.lang);
                    e
                })
                .collect(),
        }
    }

    pub fn value(&self, name: &str) -> String {
        self.value_or(name, "")
    }

    /// The typed value, or `default` when the form is shown the first time.
    pub fn value_or(&self, name: &str, default: impl ToString) -> String {
        self.values
            .iter()
            .find(|(key, _)| key == name)
            .map_or_else(|| default.to_string(), |(_, value)| value.clone())
    }

    /// Whether `value` was one of the values chosen for `name`.
    pub fn chosen(&self, name: &str, value: impl ToString) -> bool {
        let value = value.to_string();
        self.values
            .iter()
            .any(|(key, v)| key == name && *v == value)
    }

    /// What is wrong with `name` (joined when several things are).
    pub fn error(&self, name: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| {
                e.field == name
                    || e.field.starts_with(&format!("{name}."))
                    || e.field.starts_with(&format!("{name}["))
            })
            .map(|e| e.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// The answer to a form with bad input: shown again, or a page-level error.
pub fn invalid_or(error: AppError, form: &Form, lang: Language) -> Result<FormState, WebError> {
    match error {
        AppError::Invalid(errors) => Ok(FormState::failed(form, errors)),
        AppError::Conflict(message) => {
            Ok(FormState::failed(form, vec![FieldError::new("", message)]))
        }
        AppError::PreconditionFailed => Ok(FormState::failed(
            form,
            vec![FieldError::new(
                "",
                lang.tr(
                    "Пока вы редактировали, запись изменил кто-то другой. Ниже она такая, как сейчас, а в форме ваши изменения: проверьте их и сохраните снова.",
                    "Someone else changed the record while you were editing it. It is shown below as it is now, with your changes in the form: check them and save again.",
                ),
            )],
        )),
        other => Err(WebError::new(other, lang)),
    }
}

/// The entity tag of a record a form edits, for its hidden `etag` field.
pub fn tag_of<T: serde::Serialize>(record: &T) -> String {
    entity_tag(record).unwrap_or_default()
}

/// The `If-Match` of a form that carries the `etag` it was shown with:
/// saving it fails (and shows the record as it is now) when someone else
/// saved the record in between.
pub fn if_match(form: &Form) -> IfMatch {
    match form.get("etag") {
        "" => IfMatch::Absent,
        tag => IfMatch::Tags(vec![tag.to_string()]),
    }
}

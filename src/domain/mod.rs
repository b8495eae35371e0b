//! Validated values: a request body becomes these at the edge, and nothing behind the edge sees an unchecked value.

pub mod disclosure;
pub mod email;
mod kinds;
mod language;
mod message;
pub mod numbers;
mod page;
pub mod pupil;
mod text;
pub mod zone;

pub use email::EmailAddress;
pub use kinds::{OrganizationKind, OutboxStatus, Role};
pub use language::Language;
pub use message::Email;
pub use numbers::Grade;
pub use page::Page;
pub use text::{Label, Password, ProfessionCode, a_or_an, count_en, count_ru, specialty_code};
pub use zone::Zone;

/// Parses several fields at once and answers 422 listing every invalid one,
/// not just the first: `parse_fields!(name = "name" => Label::parse(&body.name))`.
/// Each expression is a `Result<T, String>`; on success the names are bound to the values.
#[macro_export]
macro_rules! parse_fields {
    ($($name:ident = $field:expr => $parsed:expr),+ $(,)?) => {
        $crate::parse_fields!(also Vec::<$crate::error::FieldError>::new(); $($name = $field => $parsed),+)
    };
    // `also`: errors found elsewhere (nested fields), answered together with these.
    (also $also:expr; $($name:ident = $field:expr => $parsed:expr),+ $(,)?) => {
        $(let $name: Result<_, $crate::error::FieldError> =
            $parsed.map_err(|message| $crate::error::FieldError::new($field, message));)+
        let mut errors: Vec<$crate::error::FieldError> =
            [$($name.as_ref().err().cloned()),+].into_iter().flatten().collect();
        errors.extend($also);
        if !errors.is_empty() {
            return Err($crate::error::AppError::Invalid(errors).into());
        }
        $(let Ok($name) = $name else {
            return Err($crate::error::AppError::Invalid(Vec::new()).into());
        };)+
    };
}

/// A positive id given in a body (`cluster_id`); zero and negatives name nothing.
pub fn positive_id(id: i64) -> Result<i64, String> {
    if id > 0 {
        Ok(id)
    } else {
        Err("must be a positive id".into())
    }
}

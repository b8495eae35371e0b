//! What the forecast's pages share: the catalogue for filters, the
//! heatmap's filters read the API's way, the parameters' names in words.

use actix_web::HttpRequest;

use crate::app::Context;
use crate::app::forecast::{RowFilter, Span};
use crate::db::clusters::Cluster;
use crate::db::professions::Profession;
use crate::domain::Language;
use crate::domain::numbers::current_academic_year;
use crate::error::AppError;
use crate::forecast::model::Row;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState};
use crate::web::viewer::Viewer;

/// Every cluster and profession, for the filters and names.
pub(super) async fn catalogue(
    ctx: &Context,
    viewer: &Viewer,
) -> Result<(Vec<Cluster>, Vec<Profession>), WebError> {
    Ok((
        crate::web::pages::all_clusters(ctx, viewer).await?,
        crate::web::pages::all_professions(ctx, viewer).await?,
    ))
}

/// The heatmap's filters as typed, checked the API's way.
pub(super) struct Filters {
    pub(super) state: FormState,
    pub(super) as_of: i32,
    pub(super) span: Option<Span>,
    pub(super) filter: RowFilter,
}

pub(super) fn filters(req: &HttpRequest, lang: Language) -> Filters {
    let form = Form::of_query(req.query_string(), lang);
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

pub(super) fn parameter_label(name: &str, lang: Language) -> String {
    crate::web::wording::parameter(name, lang)
        .unwrap_or(name)
        .to_string()
}

/// A scenario or plan row's gap on the stored data.
pub fn gap_before(row: &Row) -> f64 {
    row.gap_before.unwrap_or(row.gap)
}

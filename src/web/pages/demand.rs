//! Enterprises' demand: their own records to add, change and delete;
//! analysts and admins read every enterprise's.

use crate::app::conditional::IfMatch;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, invalid_or};
use crate::web::pager::{LIST_PAGE, Pager};
use crate::web::render::{form_status, page_with, see_other};
use crate::web::viewer::Viewer;
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::demand::{DemandBody, DemandQuery};
use crate::app::{self, Context};
use crate::auth::policy::{Action, authorize};
use crate::db::demand::Demand;
use crate::db::professions::Profession;
use crate::domain::{OrganizationKind, Role};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/demand", web::get().to(list))
        .route("/demand", web::post().to(create))
        .route("/demand/{id}", web::post().to(replace))
        .route("/demand/{id}/delete", web::post().to(delete));
}

#[derive(Template)]
#[template(path = "demand.html", config = "src/web/askama.toml")]
struct DemandPage {
    c: Chrome,
    records: Vec<Demand>,
    pager: Pager,
    professions: Vec<Profession>,
    enterprises: HashMap<i64, String>,
    may_write: bool,
    is_admin: bool,
    state: FormState,
    next_year: i32,
    /// The record the form would have repeated, offered to change instead.
    existing: Option<Demand>,
    /// After a save: how far the region's colleges cover the profession's
    /// demand that year, `(profession_id, its title, year, supply, demand)`.
    coverage: Option<(i64, String, i32, f64, f64)>,
}

impl DemandPage {
    fn profession(&self, id: &i64) -> String {
        self.professions
            .iter()
            .find(|p| p.id == *id)
            .map(|p| format!("{} {}", p.code, p.title))
            .unwrap_or_default()
    }

    fn enterprise(&self, id: &i64) -> String {
        self.enterprises.get(id).cloned().unwrap_or_default()
    }

    fn enterprise_list(&self) -> Vec<(i64, String)> {
        let mut all: Vec<(i64, String)> = self
            .enterprises
            .iter()
            .map(|(id, n)| (*id, n.clone()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        all
    }
}

/// The forecast's supply and demand of a profession in a year, from the
/// stored data; `None` where the year is outside the forecast.
async fn coverage_of(
    ctx: &Context,
    viewer: &Viewer,
    profession_id: i64,
    year: i32,
) -> Option<(f64, f64)> {
    let as_of = app::forecast::as_of(None).ok()?;
    let span = app::forecast::Span::parse(as_of, Some(year), Some(year)).ok()?;
    let filter = app::forecast::RowFilter {
        profession_id: Some(profession_id),
        cluster_id: None,
    };
    let answer = app::forecast::stored_forecast(ctx, &viewer.user, as_of, span, filter)
        .await
        .ok()?;
    answer
        .rows
        .iter()
        .find(|row| row.year == year)
        .map(|row| (row.supply, row.demand))
}

async fn list_page(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    list_page_with(req, viewer, ctx, state, None).await
}

async fn list_page_with(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    existing: Option<Demand>,
) -> Result<HttpResponse, WebError> {
    authorize(&viewer.user, Action::SeeDemandRecords).map_err(|e| viewer.error(e))?;
    let query = DemandQuery {
        profession_id: None,
        year: None,
        enterprise_id: None,
    };
    let mut pager = Pager::of(req, LIST_PAGE);
    let (records, total) = app::demand::list(ctx, &viewer.user, query, pager.page())
        .await
        .map_err(|e| viewer.error(e))?;
    pager.total = total;
    let professions = super::all_professions(ctx, viewer).await?;
    let enterprises = super::names_of(ctx, viewer, Some(OrganizationKind::Enterprise))
        .await?
        .into_iter()
        .collect();
    let query = crate::web::form::Form::of_request(req);
    let covered = (
        query.get("covered_profession").parse::<i64>(),
        query.get("covered_year").parse::<i32>(),
    );
    let coverage =
        match covered {
            (Ok(profession_id), Ok(year)) => coverage_of(ctx, viewer, profession_id, year)
                .await
                .map(|(supply, demand)| {
                    let name = professions
                        .iter()
                        .find(|p| p.id == profession_id)
                        .map(|p| p.title.clone())
                        .unwrap_or_default();
                    (profession_id, name, year, supply, demand)
                }),
            _ => None,
        };
    let page_data = DemandPage {
        existing,
        coverage,
        c: viewer.chrome(viewer.tr("Потребность в работниках", "Demand for workers")),
        records,
        pager,
        professions,
        enterprises,
        may_write: authorize(&viewer.user, Action::WriteDemandRecords).is_ok(),
        is_admin: viewer.user.role == Role::Admin,
        state,
        next_year: crate::domain::numbers::current_academic_year() + 1,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn list(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    list_page(&req, &viewer, &ctx, FormState::default()).await
}

/// A demand record as typed in a form; `None` with the errors when it is not complete.
fn body_of(
    form: &Form,
    viewer: &Viewer,
    errors: &mut Vec<crate::error::FieldError>,
) -> Option<DemandBody> {
    let lang = viewer.lang;
    let enterprise_id = form
        .optional("enterprise_id", errors, lang)
        .or(viewer.user.organization_id);
    let profession_id = form.number("profession_id", errors, lang);
    let year = form.number("year", errors, lang);
    let headcount = form.number("headcount", errors, lang);
    let note = Some(form.get("note").to_string()).filter(|n| !n.is_empty());
    match (profession_id, year, headcount) {
        (Some(profession_id), Some(year), Some(headcount)) if errors.is_empty() => {
            Some(DemandBody {
                enterprise_id,
                profession_id,
                year,
                headcount,
                note,
            })
        }
        _ => None,
    }
}

async fn create(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let mut errors = Vec::new();
    let Some(body) = body_of(&form, &viewer, &mut errors) else {
        return list_page(&req, &viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    let (enterprise_id, profession_id, year) = (body.enterprise_id, body.profession_id, body.year);
    match app::demand::create(&ctx, &viewer.user, body, None).await {
        Ok(record) => Ok(see_other(&saved(&record))),
        Err(error) => {
            let conflict = matches!(error, AppError::Conflict(_));
            let state = invalid_or(error, &form, viewer.lang)?;
            let existing = match (conflict, enterprise_id) {
                (true, Some(enterprise_id)) => {
                    app::demand::same_record(&ctx, &viewer.user, enterprise_id, profession_id, year)
                        .await
                        .map_err(|e| viewer.error(e))?
                }
                _ => None,
            };
            list_page_with(&req, &viewer, &ctx, state, existing).await
        }
    }
}

fn record_id(viewer: &Viewer, raw: &str) -> Result<i64, WebError> {
    raw.parse()
        .map_err(|_| viewer.error(AppError::NotFound("demand record".into())))
}

async fn replace(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = record_id(&viewer, &id)?;
    let mut errors = Vec::new();
    let Some(body) = body_of(&form, &viewer, &mut errors) else {
        return list_page(&req, &viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    match app::demand::replace(&ctx, &viewer.user, id, body, IfMatch::Absent).await {
        Ok(record) => Ok(see_other(&saved(&record))),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            list_page(&req, &viewer, &ctx, state).await
        }
    }
}

async fn delete(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = record_id(&viewer, &id)?;
    app::demand::delete(&ctx, &viewer.user, id, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other("/demand?deleted=1"))
}

/// Where a saved record leads: the list, saying so and how far the
/// region's colleges cover the profession that year.
fn saved(record: &Demand) -> String {
    format!(
        "/demand?saved=1&covered_profession={}&covered_year={}",
        record.profession_id, record.year
    )
}

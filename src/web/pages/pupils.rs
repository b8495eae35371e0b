//! A school's pupils: the list, one pupil, the roster upload and the counts
//! of grades 1-4 (the school's users and admins).

use crate::app::conditional::IfMatch;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, if_match, invalid_or, tag_of};
use crate::web::pager::Pager;
use crate::web::render::{form_status, page_with, see_other};
use crate::web::viewer::Viewer;
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::app::grade_counts::{GradeCount, GradeCountsBody, GradeCountsYear, Grades};
use crate::app::pupils::{NewPupilBody, PupilPatch};
use crate::app::{self, Context};
use crate::auth::policy::{Action, authorize};
use crate::db::events::PupilEvent;
use crate::db::pupils::Pupil;
use crate::domain::Role;
use crate::error::{AppError, FieldError};
use crate::http::limits::ImportLimit;
use crate::roster::ImportSummary;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pupils", web::get().to(list))
        .route("/pupils", web::post().to(create))
        .route("/pupils/import", web::get().to(import_form))
        .route("/pupils/import", web::post().to(import))
        .route("/pupils/{id}", web::get().to(show))
        .route("/pupils/{id}", web::post().to(change))
        .route("/pupils/{id}/delete", web::post().to(delete))
        .route("/younger-pupils", web::get().to(younger))
        .route("/younger-pupils", web::post().to(younger_put));
}

const PAGE_SIZE: i64 = 50;

/// The school a page is about: the user's own, or for admins the one asked for.
fn school_of(viewer: &Viewer, asked: Option<i64>) -> Result<i64, WebError> {
    match viewer.user.role {
        Role::School => viewer
            .user
            .organization_id
            .ok_or_else(|| viewer.error(AppError::Forbidden)),
        Role::Admin => asked.ok_or_else(|| {
            viewer.error(AppError::invalid(
                "school_id",
                viewer.tr("выберите школу", "choose a school"),
            ))
        }),
        _ => Err(viewer.error(AppError::Forbidden)),
    }
}

/// Schools by id and name, for an admin's choice (nobody else chooses).
async fn schools(ctx: &Context, viewer: &Viewer) -> Result<Vec<(i64, String)>, WebError> {
    if viewer.user.role != Role::Admin {
        return Ok(Vec::new());
    }
    super::names_of(ctx, viewer, Some(crate::domain::OrganizationKind::School)).await
}

#[derive(Template)]
#[template(path = "pupils.html", config = "src/web/askama.toml")]
struct PupilsPage {
    c: Chrome,
    schools: Vec<(i64, String)>,
    school_id: Option<i64>,
    search: String,
    pupils: Vec<Pupil>,
    pager: Pager,
    state: FormState,
    academic_year: i32,
}

impl PupilsPage {
    fn is_school(&self, id: &i64) -> bool {
        self.school_id == Some(*id)
    }
}

async fn list_page(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    authorize(&viewer.user, Action::SeePupilRecords).map_err(|e| viewer.error(e))?;
    let query = crate::web::form::Form::of_request(req);
    let mut errors = Vec::new();
    let asked: Option<i64> = query.optional("school_id", &mut errors, viewer.lang);
    let mut pager = Pager::of(req, PAGE_SIZE);
    let search = query.get("external_ref").to_string();
    let schools = schools(ctx, viewer).await?;
    let school_id = match viewer.user.role {
        Role::Admin => asked.or_else(|| schools.first().map(|s| s.0)),
        _ => Some(school_of(viewer, asked)?),
    };
    let (pupils, total) = match school_id {
        Some(id) => app::pupils::list(
            ctx,
            &viewer.user,
            Some(id),
            None,
            Some(search.clone()),
            pager.page(),
        )
        .await
        .map_err(|e| viewer.error(e))?,
        None => (Vec::new(), 0),
    };
    pager.total = total;
    let page_data = PupilsPage {
        c: viewer.chrome(viewer.tr("Ученики", "Pupils")),
        schools,
        school_id,
        search,
        pupils,
        pager,
        state,
        academic_year: crate::domain::numbers::current_academic_year(),
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

async fn create(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let asked = form.optional("school_id", &mut errors, lang);
    let school_id = school_of(&viewer, asked);
    let grade = form.number("grade", &mut errors, lang);
    let academic_year = form.number("academic_year", &mut errors, lang);
    if let Err(WebError::App(AppError::Invalid(more), _)) = &school_id {
        errors.extend(more.iter().cloned());
    }
    let (Ok(school_id), Some(grade), Some(academic_year), true) =
        (school_id, grade, academic_year, errors.is_empty())
    else {
        return list_page(&req, &viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    let body = NewPupilBody {
        school_id,
        external_ref: form.get("external_ref").to_string(),
        grade,
        academic_year,
        consent: form.get("consent") == "on",
        display_name: Some(form.get("display_name").to_string()).filter(|n| !n.is_empty()),
        interests: Vec::new(),
    };
    match app::pupils::create(&ctx, &viewer.user, body, None).await {
        Ok(pupil) => Ok(see_other(&format!("/pupils/{}?saved=1", pupil.id))),
        Err(error) => {
            let state = invalid_or(error, &form, lang)?;
            list_page(&req, &viewer, &ctx, state).await
        }
    }
}

#[derive(Template)]
#[template(path = "pupil.html", config = "src/web/askama.toml")]
struct PupilPage {
    c: Chrome,
    /// The pupil's entity tag when the page was made, sent back by the change form.
    etag: String,
    pupil: Pupil,
    interests: Vec<(String, f64)>,
    events: Vec<PupilEvent>,
    hours: f64,
    recommendations: super::recommended::Shortlist,
    state: FormState,
}

impl PupilPage {
    /// A ticket's code as printed: `3f9a-1c0e-77b2-d4e5`.
    fn ticket(&self, code: &str) -> String {
        app::events::ticket_text(code)
    }

    /// A field of the change form: as typed, else as stored.
    fn edit_value(&self, name: &str) -> String {
        let stored = match name {
            "grade" => self.pupil.grade.to_string(),
            "academic_year" => self.pupil.academic_year.to_string(),
            _ => String::new(),
        };
        self.state.value_or(name, stored)
    }
}

async fn show(
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::not_found("pupil", 0)))?;
    pupil_page(&viewer, &ctx, id, FormState::default()).await
}

async fn change(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::not_found("pupil", 0)))?;
    let mut errors = Vec::new();
    let grade = form.number("grade", &mut errors, viewer.lang);
    let academic_year = form.number("academic_year", &mut errors, viewer.lang);
    if !errors.is_empty() {
        return pupil_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    }
    let patch = PupilPatch {
        external_ref: None,
        grade,
        academic_year,
        consent: Some(form.get("consent") == "on"),
        display_name: None,
        interests: None,
    };
    match app::pupils::patch(&ctx, &viewer.user, id, patch, if_match(&form)).await {
        Ok(_) => Ok(see_other(&format!("/pupils/{id}?saved=1"))),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            pupil_page(&viewer, &ctx, id, state).await
        }
    }
}

async fn pupil_page(
    viewer: &Viewer,
    ctx: &Context,
    id: i64,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let pupil = app::pupils::get(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let (events, hours) = app::events::pupil_events(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let recommendations = app::recommendations::recommendations(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let recommendations = super::recommended::Shortlist::of(ctx, viewer, recommendations).await?;
    let professions = super::all_professions(ctx, viewer).await?;
    let clusters = super::all_clusters(ctx, viewer).await?;
    let interests = pupil
        .interests
        .iter()
        .map(|i| {
            let name = match (i.profession_id, i.cluster_id) {
                (Some(p), _) => professions
                    .iter()
                    .find(|x| x.id == p)
                    .map(|x| format!("{} {}", x.code, x.title)),
                (_, Some(c)) => clusters
                    .iter()
                    .find(|x| x.id == c)
                    .map(|x| format!("{} ({})", x.name, viewer.tr("кластер", "cluster"))),
                _ => None,
            };
            (name.unwrap_or_default(), i.weight)
        })
        .collect();
    let page_data = PupilPage {
        c: viewer.chrome(&format!(
            "{} {}",
            viewer.tr("Ученик", "Pupil"),
            pupil.external_ref
        )),
        etag: tag_of(&pupil),
        pupil,
        interests,
        events,
        hours,
        recommendations,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn delete(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| viewer.error(AppError::not_found("pupil", 0)))?;
    app::pupils::delete(&ctx, &viewer.user, id, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other("/pupils?deleted=1"))
}

#[derive(Template)]
#[template(path = "import.html", config = "src/web/askama.toml")]
struct ImportPage {
    c: Chrome,
    schools: Vec<(i64, String)>,
    state: FormState,
    summary: Option<ImportSummary>,
}

async fn import_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
    summary: Option<ImportSummary>,
) -> Result<HttpResponse, WebError> {
    authorize(&viewer.user, Action::SeePupilRecords).map_err(|e| viewer.error(e))?;
    if viewer.user.role != Role::Admin {
        school_of(viewer, None)?;
    }
    let page_data = ImportPage {
        c: viewer.chrome(viewer.tr("Загрузка списка учеников", "Roster upload")),
        schools: schools(ctx, viewer).await?,
        state,
        summary,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn import_form(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    import_page(&viewer, &ctx, FormState::default(), None).await
}

/// The parts of the upload form: its text fields and the file's bytes.
async fn read_upload(
    mut multipart: Multipart,
    limit: usize,
    viewer: &Viewer,
) -> Result<(Form, Vec<u8>), WebError> {
    let mut fields = Vec::new();
    let mut file = Vec::new();
    let too_big = || {
        viewer.error(AppError::invalid(
            "file",
            viewer.tr("файл слишком большой", "the file is too large"),
        ))
    };
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|_| {
            viewer.error(AppError::invalid(
                "file",
                viewer.tr("форма не прочитана", "the form could not be read"),
            ))
        })?;
        let name = part.name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| {
                viewer.error(AppError::invalid(
                    "file",
                    viewer.tr("форма не прочитана", "the form could not be read"),
                ))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = bytes;
        } else {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok((Form::from_pairs(fields, viewer.lang), file))
}

async fn import(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    limit: web::Data<ImportLimit>,
    multipart: Multipart,
) -> Result<HttpResponse, WebError> {
    let (form, file) = match read_upload(multipart, limit.0, &viewer).await {
        Ok(upload) => upload,
        Err(WebError::App(AppError::Invalid(errors), _)) => {
            return import_page(
                &viewer,
                &ctx,
                FormState::failed(&Form::from_pairs(Vec::new(), viewer.lang), errors),
                None,
            )
            .await;
        }
        Err(other) => return Err(other),
    };
    viewer.check_token(&req, form.get("csrf"))?;
    let mut errors = Vec::new();
    let asked = form.optional("school_id", &mut errors, viewer.lang);
    let school_id = match school_of(&viewer, asked) {
        Ok(id) => id,
        Err(WebError::App(AppError::Invalid(more), _)) => {
            return import_page(&viewer, &ctx, FormState::failed(&form, more), None).await;
        }
        Err(other) => return Err(other),
    };
    if file.is_empty() {
        let errors = vec![FieldError::new(
            "file",
            viewer.tr("выберите файл CSV", "choose a CSV file"),
        )];
        return import_page(&viewer, &ctx, FormState::failed(&form, errors), None).await;
    }
    match app::pupils::import_roster(&ctx, &viewer.user, school_id, file).await {
        Ok(summary) => import_page(&viewer, &ctx, FormState::default(), Some(summary)).await,
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            import_page(&viewer, &ctx, state, None).await
        }
    }
}

#[derive(Template)]
#[template(path = "younger.html", config = "src/web/askama.toml")]
struct YoungerPage {
    c: Chrome,
    schools: Vec<(i64, String)>,
    school_id: i64,
    years: Vec<GradeCountsYear>,
    state: FormState,
    academic_year: i32,
}

impl YoungerPage {
    fn is_school(&self, id: &i64) -> bool {
        self.school_id == *id
    }

    fn count(&self, year: &GradeCountsYear, grade: i32) -> String {
        year.grades
            .iter()
            .find(|g| g.grade == grade)
            .map_or_else(|| "—".to_string(), |g| self.c.int(g.pupils))
    }
}

async fn younger_page(
    req: &HttpRequest,
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let query = crate::web::form::Form::of_request(req);
    let mut ignored = Vec::new();
    let schools = schools(ctx, viewer).await?;
    let asked = query
        .optional("school_id", &mut ignored, viewer.lang)
        .or_else(|| state.value("school_id").parse().ok())
        .or_else(|| schools.first().map(|s| s.0));
    let school_id = school_of(viewer, asked)?;
    authorize(&viewer.user, Action::ManagePupils { school_id }).map_err(|e| viewer.error(e))?;
    let years = app::grade_counts::list(ctx, &viewer.user, school_id, Grades::Younger)
        .await
        .map_err(|e| viewer.error(e))?;
    let page_data = YoungerPage {
        c: viewer.chrome(viewer.tr("Ученики 1–4 классов", "Pupils of grades 1-4")),
        schools,
        school_id,
        years,
        state,
        academic_year: crate::domain::numbers::current_academic_year(),
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn younger(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
) -> Result<HttpResponse, WebError> {
    younger_page(&req, &viewer, &ctx, FormState::default()).await
}

async fn younger_put(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let asked = form.optional("school_id", &mut errors, lang);
    let school_id = school_of(&viewer, asked)?;
    let year = form.number("academic_year", &mut errors, lang);
    let mut grades = Vec::new();
    for grade in 1..=4 {
        if let Some(pupils) =
            form.number(&format!("grades[{}].pupils", grade - 1), &mut errors, lang)
        {
            grades.push(GradeCount { grade, pupils });
        }
    }
    let (Some(year), true) = (year, errors.is_empty()) else {
        return younger_page(&req, &viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    match app::grade_counts::put(
        &ctx,
        &viewer.user,
        school_id,
        year,
        GradeCountsBody { grades },
        IfMatch::Absent,
        Grades::Younger,
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/younger-pupils?school_id={school_id}&saved=1"
        ))),
        Err(error) => {
            let state = invalid_or(error, &form, lang)?;
            younger_page(&req, &viewer, &ctx, state).await
        }
    }
}

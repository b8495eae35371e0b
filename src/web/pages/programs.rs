//! Programs, their seats per year and enrollments (their graduations and
//! destinations: `outcomes`).

use crate::app::conditional::IfMatch;
use crate::web::chrome::Chrome;
use crate::web::error::WebError;
use crate::web::form::{Form, FormState, if_match, invalid_or, tag_of};
use crate::web::render::{form_status, page_with, see_other};
use crate::web::viewer::Viewer;
use std::collections::{BTreeMap, HashMap};

use crate::app::{self, Context};
use crate::domain::OrganizationKind;

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::app::programs::{EnrollmentBody, IntakeBody, ProgramBody, Yearly};
use crate::auth::policy::{Action, allows, authorize};
use crate::db::outcomes::{Destination, Graduation};
use crate::db::professions::Profession;
use crate::db::programs::{Enrollment, Intake, Program, ProgramProfession};
use crate::domain::Role;
use crate::error::AppError;

/// Every college's and university's name by id.
/// The names of the colleges, universities and enterprises; a statistical
/// group (an `aggregate` institution) is labelled as one.
pub async fn institution_names(
    ctx: &Context,
    viewer: &Viewer,
) -> Result<HashMap<i64, String>, WebError> {
    let group = viewer.tr("статистическая группа", "statistical group");
    Ok(super::all_organizations(ctx, viewer, None)
        .await?
        .into_iter()
        .filter(|o| o.kind != OrganizationKind::School)
        .map(|o| {
            let name = if o.aggregate {
                format!("{} · {group}", o.name)
            } else {
                o.name
            };
            (o.id, name)
        })
        .collect())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/programs", web::get().to(list))
        .route("/programs", web::post().to(create))
        .route("/programs/{id}", web::get().to(show))
        .route("/programs/{id}", web::post().to(replace))
        .route("/programs/{id}/delete", web::post().to(delete))
        .route("/programs/{id}/intakes", web::post().to(put_intake))
        .route(
            "/programs/{id}/intakes/{year}/delete",
            web::post().to(delete_intake),
        )
        .route("/programs/{id}/enrollments", web::post().to(put_enrollment))
        .route(
            "/programs/{id}/enrollments/{year}/delete",
            web::post().to(delete_enrollment),
        );
}

const PROFESSION_ROWS: usize = 3;

fn may_manage(viewer: &Viewer, institution_id: i64) -> bool {
    authorize(&viewer.user, Action::ManagePrograms { institution_id }).is_ok()
}

#[derive(Template)]
#[template(path = "programs.html", config = "src/web/askama.toml")]
struct ProgramsPage {
    c: Chrome,
    programs: Vec<Program>,
    names: HashMap<i64, String>,
    professions: Vec<Profession>,
    institutions: Vec<(i64, String)>,
    may_create: bool,
    state: FormState,
}

impl ProgramsPage {
    fn institution(&self, id: &i64) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }

    fn profession(&self, id: &i64) -> String {
        self.professions
            .iter()
            .find(|p| p.id == *id)
            .map(|p| format!("{} {}", p.code, p.title))
            .unwrap_or_default()
    }

    fn rows(&self) -> Vec<usize> {
        (0..PROFESSION_ROWS).collect()
    }

    fn own(&self, program: &Program) -> bool {
        self.c
            .user
            .is_some_and(|u| u.organization_id == Some(program.institution_id))
    }

    /// Whether the viewer's institution has programs of its own here.
    fn has_own(&self) -> bool {
        self.programs.iter().any(|p| self.own(p))
    }
}

async fn list_page(
    viewer: &Viewer,
    ctx: &Context,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let mut programs = super::all_programs(ctx, viewer).await?;
    let own = viewer.user.organization_id;
    programs.sort_by_key(|p| (Some(p.institution_id) != own, p.institution_id, p.id));
    let names = institution_names(ctx, viewer).await?;
    let institutions: Vec<(i64, String)> = match viewer.user.role {
        Role::Admin => {
            let mut all: Vec<(i64, String)> =
                names.iter().map(|(id, name)| (*id, name.clone())).collect();
            all.sort_by(|a, b| a.1.cmp(&b.1));
            all
        }
        _ => Vec::new(),
    };
    let page_data = ProgramsPage {
        c: viewer.chrome(viewer.tr("Программы обучения", "Programs")),
        may_create: allows(&viewer.user, Action::WritePrograms),
        programs,
        names,
        professions: super::all_professions(ctx, viewer).await?,
        institutions,
        state,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn list(viewer: Viewer, ctx: web::Data<Context>) -> Result<HttpResponse, WebError> {
    list_page(&viewer, &ctx, FormState::default()).await
}

/// A program as typed in a form; `None` with the errors when it is not complete.
fn program_body(
    form: &Form,
    viewer: &Viewer,
    errors: &mut Vec<crate::error::FieldError>,
) -> Option<ProgramBody> {
    let lang = viewer.lang;
    let institution_id = form.optional("institution_id", errors, lang);
    let entry_grade = form.number("entry_grade", errors, lang);
    let duration_months = form.number("duration_months", errors, lang);
    let completion_rate = form.optional("completion_rate", errors, lang);
    let mut shares = Vec::new();
    for i in 0..PROFESSION_ROWS {
        let id_field = format!("professions[{i}].profession_id");
        if form.get(&id_field).is_empty() {
            continue;
        }
        let profession_id = form.number(&id_field, errors, lang);
        let share = form.number(&format!("professions[{i}].share"), errors, lang);
        if let (Some(profession_id), Some(share)) = (profession_id, share) {
            shares.push(ProgramProfession {
                profession_id,
                share,
            });
        }
    }
    match (entry_grade, duration_months) {
        (Some(entry_grade), Some(duration_months)) if errors.is_empty() => Some(ProgramBody {
            institution_id,
            specialty_code: form.get("specialty_code").to_string(),
            title: form.get("title").to_string(),
            entry_grade,
            duration_months,
            completion_rate,
            professions: shares,
        }),
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
    let Some(mut body) = program_body(&form, &viewer, &mut errors) else {
        return list_page(&viewer, &ctx, FormState::failed(&form, errors)).await;
    };
    body.institution_id = body.institution_id.or(viewer.user.organization_id);
    match app::programs::create(ctx.get_ref(), &viewer.user, body, None).await {
        Ok(program) => Ok(see_other(&format!("/programs/{}?saved=1", program.id))),
        Err(error) => {
            let state = invalid_or(error, &form, viewer.lang)?;
            list_page(&viewer, &ctx, state).await
        }
    }
}

async fn replace(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    let mut errors = Vec::new();
    let Some(body) = program_body(&form, &viewer, &mut errors) else {
        return program_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    };
    let result = app::programs::replace(&ctx, &viewer.user, id, body, if_match(&form)).await;
    saved_or_shown(&viewer, &ctx, id, &form, result).await
}

#[derive(Template)]
#[template(path = "program.html", config = "src/web/askama.toml")]
struct ProgramPage {
    c: Chrome,
    /// The program's entity tag when the page was made, sent back by the edit form.
    etag: String,
    program: Program,
    institution: String,
    professions: Vec<Profession>,
    intakes: Vec<Intake>,
    enrollments: Vec<Enrollment>,
    /// Per year: what the graduation and destination records say, if any.
    outcomes: Vec<(i32, Option<Graduation>, Option<Destination>)>,
    may_manage: bool,
    state: FormState,
    next_year: i32,
}

impl ProgramPage {
    /// The years with students enrolled but no seats recorded: a slip a
    /// college should see (the forecast reads seats, not enrollments, for
    /// the years ahead).
    fn enrolled_without_seats(&self) -> Vec<i32> {
        self.enrollments
            .iter()
            .map(|e| e.start_year)
            .filter(|year| !self.intakes.iter().any(|i| i.year == *year))
            .collect()
    }

    /// A field of the edit form: as typed, else as stored.
    fn edit_value(&self, name: &str) -> String {
        let p = &self.program;
        let stored = match name {
            "specialty_code" => p.specialty_code.clone(),
            "title" => p.title.clone(),
            "entry_grade" => p.entry_grade.to_string(),
            "duration_months" => p.duration_months.to_string(),
            "completion_rate" => p.completion_rate.map(|r| r.to_string()).unwrap_or_default(),
            other => {
                let index = other
                    .strip_prefix("professions[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok());
                match index.and_then(|i| p.professions.get(i)) {
                    Some(pp) if other.ends_with("profession_id") => pp.profession_id.to_string(),
                    Some(pp) => pp.share.to_string(),
                    None => String::new(),
                }
            }
        };
        self.state.value_or(name, stored)
    }

    fn rows(&self) -> Vec<usize> {
        (0..PROFESSION_ROWS).collect()
    }

    fn profession(&self, id: &i64) -> String {
        self.professions
            .iter()
            .find(|p| p.id == *id)
            .map(|p| format!("{} {}", p.code, p.title))
            .unwrap_or_default()
    }
}

pub(super) fn program_id(viewer: &Viewer, raw: &str) -> Result<i64, WebError> {
    raw.parse()
        .map_err(|_| viewer.error(AppError::NotFound("program".into())))
}

pub(super) async fn program_page(
    viewer: &Viewer,
    ctx: &Context,
    id: i64,
    state: FormState,
) -> Result<HttpResponse, WebError> {
    let program = app::programs::get(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let intakes = app::programs::intakes(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let enrollments = app::programs::enrollments(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let outcomes = outcomes_by_year(ctx, viewer, id).await?;
    let names = institution_names(ctx, viewer).await?;
    let page_data = ProgramPage {
        c: viewer.chrome(&program.title),
        institution: names
            .get(&program.institution_id)
            .cloned()
            .unwrap_or_default(),
        may_manage: may_manage(viewer, program.institution_id),
        professions: super::all_professions(ctx, viewer).await?,
        etag: tag_of(&program),
        program,
        intakes,
        enrollments,
        outcomes,
        state,
        next_year: crate::domain::numbers::current_academic_year() + 1,
    };
    page_with(form_status(&page_data.state), &page_data)
}

async fn show(
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = program_id(&viewer, &id)?;
    program_page(&viewer, &ctx, id, FormState::default()).await
}

async fn delete(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    app::programs::delete(&ctx, &viewer.user, id, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other("/programs?deleted=1"))
}

pub(super) async fn saved_or_shown<T>(
    viewer: &Viewer,
    ctx: &Context,
    id: i64,
    form: &Form,
    result: Result<T, AppError>,
) -> Result<HttpResponse, WebError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/programs/{id}?saved=1"))),
        Err(error) => {
            let state = invalid_or(error, form, viewer.lang)?;
            program_page(viewer, ctx, id, state).await
        }
    }
}

async fn put_intake(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let year = form.number("year", &mut errors, lang);
    let seats = form.number("seats", &mut errors, lang);
    let targeted_seats = form
        .optional("targeted_seats", &mut errors, lang)
        .or(Some(0));
    let (Some(year), Some(seats), Some(targeted_seats), true) =
        (year, seats, targeted_seats, errors.is_empty())
    else {
        return program_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    };
    let result = app::programs::put_intake(
        &ctx,
        &viewer.user,
        id,
        year,
        IntakeBody {
            seats,
            targeted_seats,
        },
        IfMatch::Absent,
    )
    .await;
    saved_or_shown(&viewer, &ctx, id, &form, result).await
}

async fn put_enrollment(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let form = viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &id)?;
    let lang = viewer.lang;
    let mut errors = Vec::new();
    let year = form.number("start_year", &mut errors, lang);
    let students = form.number("students", &mut errors, lang);
    let (Some(year), Some(students), true) = (year, students, errors.is_empty()) else {
        return program_page(&viewer, &ctx, id, FormState::failed(&form, errors)).await;
    };
    let result = app::programs::put_enrollment(
        &ctx,
        &viewer.user,
        id,
        year,
        EnrollmentBody { students },
        IfMatch::Absent,
    )
    .await;
    saved_or_shown(&viewer, &ctx, id, &form, result).await
}

async fn delete_yearly(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    what: Yearly,
) -> Result<HttpResponse, WebError> {
    viewer.checked(&req, &body)?;
    let id = program_id(&viewer, &path.0)?;
    let year: i32 = path
        .1
        .parse()
        .map_err(|_| viewer.error(AppError::NotFound("year".into())))?;
    app::programs::delete_yearly(&ctx, &viewer.user, id, what, year, IfMatch::Absent)
        .await
        .map_err(|e| viewer.error(e))?;
    Ok(see_other(&format!("/programs/{id}?deleted=1")))
}

async fn delete_intake(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    delete_yearly(req, viewer, ctx, path, body, Yearly::Intake).await
}

async fn delete_enrollment(
    req: HttpRequest,
    viewer: Viewer,
    ctx: web::Data<Context>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    delete_yearly(req, viewer, ctx, path, body, Yearly::Enrollment).await
}

/// The destination fields in the API's order, with their Russian and English labels.
pub const DESTINATION_FIELDS: [(&str, &str, &str); 7] = [
    (
        "employed_in_profession",
        "работают по профессии в области",
        "working in the profession in the region",
    ),
    (
        "employed_in_profession_targeted",
        "из них целевики",
        "of them from targeted seats",
    ),
    (
        "employed_other",
        "работают не по профессии",
        "working in another job",
    ),
    ("continued_study", "продолжили учёбу", "studying further"),
    ("military_service", "служат в армии", "in military service"),
    ("left_region", "уехали из области", "left the region"),
    ("unknown", "неизвестно", "unknown"),
];

/// Every year with a graduation or destination record, latest first.
async fn outcomes_by_year(
    ctx: &Context,
    viewer: &Viewer,
    id: i64,
) -> Result<Vec<(i32, Option<Graduation>, Option<Destination>)>, WebError> {
    let graduations = app::outcomes::graduations(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let destinations = app::outcomes::destinations(ctx, &viewer.user, id)
        .await
        .map_err(|e| viewer.error(e))?;
    let mut years: BTreeMap<i32, (Option<Graduation>, Option<Destination>)> = BTreeMap::new();
    for graduation in graduations {
        years.entry(graduation.year).or_default().0 = Some(graduation);
    }
    for destination in destinations {
        years.entry(destination.graduation_year).or_default().1 = Some(destination);
    }
    Ok(years
        .into_iter()
        .rev()
        .map(|(year, (graduation, destination))| (year, graduation, destination))
        .collect())
}

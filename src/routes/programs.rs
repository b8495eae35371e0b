//! Programs of colleges and universities: read by everyone signed in, managed by their institution and admins.

use std::collections::HashSet;

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::references::{Reference, check_references};
use super::{AppState, Listing, PageQuery, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::programs::{self, Program, ProgramFields, ProgramProfession};
use crate::db::{self, DbConnection, organizations};
use crate::domain::numbers::{SHARE_TOLERANCE, duration_months, entry_grade, rate, share};
use crate::domain::{Label, OrganizationKind, Page, positive_id, specialty_code};
use crate::error::{ApiError, FieldError, Problem};
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramBody {
    /// A college or university. On `PUT` it may be left out; if given it must not change.
    #[serde(default)]
    pub institution_id: Option<i64>,
    /// `UG.LL.NN`, e.g. `15.01.32`.
    pub specialty_code: String,
    /// At most 300 characters.
    pub title: String,
    /// 9 or 11.
    pub entry_grade: i32,
    /// 1 to 72.
    pub duration_months: i32,
    /// 0 to 1; leave out to use the region's dropout rate.
    #[serde(default)]
    pub completion_rate: Option<f64>,
    /// At least one; each profession once; shares above 0 adding up to 1 (within 0.001).
    pub professions: Vec<ProgramProfession>,
}

impl ProgramBody {
    /// Checks every field that needs no database, naming each bad one.
    fn fields(&self) -> Result<ProgramFields, ApiError> {
        let professions = check_professions(&self.professions);
        let completion_rate = self.completion_rate.map(rate).transpose();
        parse_fields!(
            specialty = "specialty_code" => specialty_code(&self.specialty_code),
            title = "title" => Label::parse(&self.title, 300),
            entry_grade = "entry_grade" => entry_grade(self.entry_grade),
            duration_months = "duration_months" => duration_months(self.duration_months),
            completion_rate = "completion_rate" => completion_rate,
        );
        let professions = professions?;
        Ok(ProgramFields {
            specialty_code: specialty,
            title: title.into_inner(),
            entry_grade,
            duration_months,
            completion_rate,
            professions,
        })
    }
}

fn check_professions(
    professions: &[ProgramProfession],
) -> Result<Vec<ProgramProfession>, ApiError> {
    if professions.is_empty() {
        return Err(ApiError::invalid(
            "professions",
            "must list at least one profession",
        ));
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, profession) in professions.iter().enumerate() {
        if let Err(message) = positive_id(profession.profession_id) {
            errors.push(FieldError::new(
                format!("professions[{i}].profession_id"),
                message,
            ));
        } else if !seen.insert(profession.profession_id) {
            errors.push(FieldError::new(
                format!("professions[{i}].profession_id"),
                "is listed twice",
            ));
        }
        if let Err(message) = share(profession.share) {
            errors.push(FieldError::new(format!("professions[{i}].share"), message));
        }
    }
    if errors.is_empty() {
        let total: f64 = professions.iter().map(|p| p.share).sum();
        if (total - 1.0).abs() > SHARE_TOLERANCE {
            errors.push(FieldError::new(
                "professions",
                format!("shares must add up to 1, not {total}"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(professions.to_vec())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// The checks that need the database: the institution's kind and the professions' existence.
fn check_program_references(
    conn: &mut DbConnection,
    institution_id: i64,
    fields: &ProgramFields,
) -> Result<(), ApiError> {
    match organizations::kind_of(conn, institution_id)? {
        Some(OrganizationKind::College | OrganizationKind::University) => {}
        Some(kind) => {
            return Err(ApiError::invalid(
                "institution_id",
                format!("is a {}, not a college or university", kind.as_str()),
            ));
        }
        None => {
            return Err(ApiError::invalid(
                "institution_id",
                format!("no organization has the id {institution_id}"),
            ));
        }
    }
    let references: Vec<Reference> = fields
        .professions
        .iter()
        .enumerate()
        .map(|(i, p)| Reference::Profession {
            field: format!("professions[{i}].profession_id"),
            id: p.profession_id,
        })
        .collect();
    check_references(conn, &references)
}

/// Creates a program (admins, or a college user of `institution_id`).
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])), request_body = ProgramBody, responses(
    (status = 201, body = Program, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/programs")]
pub async fn create_program(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<ProgramBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let Some(institution_id) = body.institution_id else {
        return Err(ApiError::invalid("institution_id", "is required"));
    };
    authorize(&user, Action::ManagePrograms { institution_id })?;
    let fields = body.fields()?;
    let program = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_program_references(conn, institution_id, &fields)?;
            Ok(programs::insert_in_transaction(
                conn,
                institution_id,
                &fields,
            )?)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/programs/{}", program.id),
        &program,
    ))
}

/// Replaces a program's fields and professions (its institution or admins).
#[utoipa::path(put, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])), request_body = ProgramBody,
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Program),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/api/v1/programs/{id}")]
pub async fn replace_program(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<ProgramBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let institution_id = managed_program(&state, &user, id).await?;
    if body
        .institution_id
        .is_some_and(|given| given != institution_id)
    {
        return Err(ApiError::invalid(
            "institution_id",
            "a program cannot move to another institution",
        ));
    }
    let fields = body.fields()?;
    let program = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_program_references(conn, institution_id, &fields)?;
            programs::replace_in_transaction(conn, id, &fields)?
                .ok_or_else(|| ApiError::not_found("program", id))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(program))
}

/// Deletes a program with its intakes and enrollments (its institution or admins).
#[utoipa::path(delete, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/programs/{id}")]
pub async fn delete_program(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    managed_program(&state, &user, id).await?;
    db::run(&state.pool, move |conn| Ok(programs::delete(conn, id)?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The institution of program `id` when `user` may manage it; 404 when it
/// does not exist or belongs to another institution, 403 for other roles.
pub async fn managed_program(state: &AppState, user: &AuthUser, id: i64) -> Result<i64, ApiError> {
    let institution_id = db::run(&state.pool, move |conn| {
        Ok(programs::institution_of(conn, id)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("program", id))?;
    authorize_record(
        user,
        Action::ManagePrograms { institution_id },
        "program",
        id,
    )?;
    Ok(institution_id)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgramQuery {
    /// Only programs of this institution.
    pub institution_id: Option<i64>,
    /// Only programs that train for this profession.
    pub profession_id: Option<i64>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Lists programs by id.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])), params(ProgramQuery), responses(
    (status = 200, body = Listing<Program>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/programs")]
pub async fn list_programs(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ProgramQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = programs::Filter {
        institution_id: query.institution_id,
        profession_id: query.profession_id,
    };
    let listing = db::run(&state.pool, move |conn| {
        Ok(programs::list(conn, filter, page)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

/// One program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the program's id")),
    responses(
        (status = 200, body = Program),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/programs/{id}")]
pub async fn get_program(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ReadCatalogue)?;
    let id = id.into_inner();
    let program = db::run(&state.pool, move |conn| Ok(programs::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("program", id))?;
    Ok(HttpResponse::Ok().json(program))
}

/// `PageQuery` applied to a short list already in memory.
pub fn page_of<T: Clone>(items: Vec<T>, query: &PageQuery) -> Result<Listing<T>, ApiError> {
    let page = query.page()?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let items = items
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(0))
        .collect();
    Ok(Listing { items, total })
}

//! Pupil records: minors' data, reachable only by their own school and by admins.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiJson;
use super::references::{Reference, check_references};
use super::{AppState, Listing, created};
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize, authorize_record};
use crate::db::pupils::{self, Pupil};
use crate::db::{self, DbConnection, organizations};
use crate::domain::pupil::{Interest, PupilFields, RawPupil};
use crate::domain::{OrganizationKind, Page, Role};
use crate::error::{ApiError, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPupilBody {
    pub school_id: i64,
    /// The school's own roster id, unique within the school; at most 64 characters.
    pub external_ref: String,
    /// 5 to 11.
    pub grade: i32,
    /// The academic year `grade` is for (the calendar year it starts in).
    pub academic_year: i32,
    /// Parental consent to personal data processing. Without it
    /// `display_name` and `interests` must be absent: the pupil is counted, nothing more.
    pub consent: bool,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub interests: Vec<Interest>,
}

/// Any subset of a pupil's fields. Withdrawing consent (`consent: false`)
/// erases the display name and the interests.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PupilPatch {
    #[serde(default)]
    pub external_ref: Option<String>,
    #[serde(default)]
    pub grade: Option<i32>,
    #[serde(default)]
    pub academic_year: Option<i32>,
    #[serde(default)]
    pub consent: Option<bool>,
    /// `null` removes the name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub display_name: Option<Option<String>>,
    /// Replaces every interest.
    #[serde(default)]
    pub interests: Option<Vec<Interest>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl PupilPatch {
    fn applied_to(self, pupil: Pupil) -> RawPupil {
        let consent = self.consent.unwrap_or(pupil.consent);
        let withdrawn = !consent;
        RawPupil {
            external_ref: self.external_ref.unwrap_or(pupil.external_ref),
            grade: self.grade.unwrap_or(pupil.grade),
            academic_year: self.academic_year.unwrap_or(pupil.academic_year),
            consent,
            display_name: match self.display_name {
                Some(given) => given,
                None if withdrawn => None,
                None => pupil.display_name,
            },
            interests: match self.interests {
                Some(given) => given,
                None if withdrawn => Vec::new(),
                None => pupil.interests,
            },
        }
    }
}

/// The interests' targets, for `check_references`.
pub fn interest_references(interests: &[Interest], prefix: &str) -> Vec<Reference> {
    interests
        .iter()
        .enumerate()
        .filter_map(
            |(i, interest)| match (interest.profession_id, interest.cluster_id) {
                (Some(id), _) => Some(Reference::Profession {
                    field: format!("{prefix}interests[{i}].profession_id"),
                    id,
                }),
                (None, Some(id)) => Some(Reference::Cluster {
                    field: format!("{prefix}interests[{i}].cluster_id"),
                    id,
                }),
                (None, None) => None,
            },
        )
        .collect()
}

fn conflict_on_ref(error: diesel::result::Error, external_ref: &str) -> ApiError {
    match ApiError::from(error) {
        ApiError::Conflict(_) => ApiError::Conflict(format!(
            "the school already has a pupil with the external_ref {external_ref:?}"
        )),
        other => other,
    }
}

/// 422 unless `school_id` is a school.
pub fn check_school(conn: &mut DbConnection, school_id: i64) -> Result<(), ApiError> {
    match organizations::kind_of(conn, school_id)? {
        Some(OrganizationKind::School) => Ok(()),
        Some(kind) => Err(ApiError::invalid(
            "school_id",
            format!("is a {}, not a school", kind.as_str()),
        )),
        None => Err(ApiError::invalid(
            "school_id",
            format!("no organization has the id {school_id}"),
        )),
    }
}

/// Registers a pupil (admins, or a user of the pupil's school).
#[utoipa::path(post, path = "/api/v1/pupils", tag = "pupils", security(("bearer" = [])), request_body = NewPupilBody, responses(
    (status = 201, body = Pupil, headers(("Location" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the external_ref is taken in this school", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/pupils")]
pub async fn create_pupil(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<NewPupilBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let school_id = body.school_id;
    authorize(&user, Action::ManagePupils { school_id })?;
    let fields = RawPupil {
        external_ref: body.external_ref,
        grade: body.grade,
        academic_year: body.academic_year,
        consent: body.consent,
        display_name: body.display_name,
        interests: body.interests,
    }
    .check()
    .map_err(ApiError::Invalid)?;
    let pupil = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_school(conn, school_id)?;
            check_references(conn, &interest_references(&fields.interests, ""))?;
            pupils::insert_in_transaction(conn, school_id, &fields)
                .map_err(|e| conflict_on_ref(e, &fields.external_ref))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/pupils/{}", pupil.id), &pupil))
}

/// Loads pupil `id` for `action`, answering 404 when it does not exist or
/// belongs to another school.
pub(crate) async fn visible_pupil(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    action: fn(i64) -> Action,
) -> Result<Pupil, ApiError> {
    // Roles that may never see pupil records are refused before the database is asked.
    authorize(user, Action::SeePupilRecords)?;
    let pupil = db::run(&state.pool, move |conn| Ok(pupils::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("pupil", id))?;
    authorize_record(user, action(pupil.school_id), "pupil", id)?;
    Ok(pupil)
}

/// One pupil (the pupil's school, admins).
#[utoipa::path(get, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 200, body = Pupil),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/pupils/{id}")]
pub async fn get_pupil(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let pupil = visible_pupil(&state, &user, id.into_inner(), |school_id| {
        Action::ReadPupils { school_id }
    })
    .await?;
    Ok(HttpResponse::Ok().json(pupil))
}

/// Changes some of a pupil's fields (the pupil's school, admins).
#[utoipa::path(patch, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])), request_body = PupilPatch,
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 200, body = Pupil),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/api/v1/pupils/{id}")]
pub async fn patch_pupil(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<PupilPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let pupil = visible_pupil(&state, &user, id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    let fields: PupilFields = body
        .0
        .applied_to(pupil)
        .check()
        .map_err(ApiError::Invalid)?;
    let pupil = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            check_references(conn, &interest_references(&fields.interests, ""))?;
            pupils::replace_in_transaction(conn, id, &fields)
                .map_err(|e| conflict_on_ref(e, &fields.external_ref))?
                .ok_or_else(|| ApiError::not_found("pupil", id))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(pupil))
}

/// Deletes a pupil with its interests and personal data, for good (the pupil's school, admins).
#[utoipa::path(delete, path = "/api/v1/pupils/{id}", tag = "pupils", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the pupil's id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/api/v1/pupils/{id}")]
pub async fn delete_pupil(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    visible_pupil(&state, &user, id, |school_id| Action::ManagePupils {
        school_id,
    })
    .await?;
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| Ok(pupils::delete_in_transaction(conn, id)?))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PupilQuery {
    /// A school user sees only its own school, the default for it.
    pub school_id: Option<i64>,
    pub grade: Option<i32>,
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    /// Default 0.
    pub offset: Option<i64>,
}

/// Lists pupils by id (a school its own; admins any school or all).
#[utoipa::path(get, path = "/api/v1/pupils", tag = "pupils", security(("bearer" = [])), params(PupilQuery), responses(
    (status = 200, body = Listing<Pupil>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[get("/api/v1/pupils")]
pub async fn list_pupils(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<PupilQuery>,
) -> Result<HttpResponse, ApiError> {
    let school_id = query.school_id.or(match user.role {
        Role::School => user.organization_id,
        _ => None,
    });
    match school_id {
        Some(school_id) => authorize(&user, Action::ReadPupils { school_id })?,
        None => authorize(&user, Action::ReadAllPupils)?,
    }
    let page = Page::parse(query.limit, query.offset).map_err(ApiError::Invalid)?;
    let filter = pupils::Filter {
        school_id,
        grade: query.grade,
    };
    let listing = db::run(&state.pool, move |conn| {
        Ok(pupils::list(conn, filter, page)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Listing::from(listing)))
}

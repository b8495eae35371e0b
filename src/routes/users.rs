//! User accounts, created by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::{AppState, created};
use crate::auth::policy::{Action, authorize};
use crate::auth::{AuthUser, password};
use crate::db::{self, organizations, users};
use crate::domain::{EmailAddress, Password, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::parse_fields;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub role: Role,
    /// Required for school, college and enterprise users (an organization of
    /// the matching kind); absent for admins and analysts.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// 10 to 128 characters. Without one the user cannot sign in until a
    /// password is set through an invitation.
    #[serde(default)]
    pub password: Option<String>,
}

/// A user as the API shows one: never with a secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub organization_id: Option<i64>,
}

impl TryFrom<users::UserRow> for UserView {
    type Error = ApiError;

    fn try_from(row: users::UserRow) -> Result<Self, ApiError> {
        let role = Role::parse(&row.role)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("user {}: role {e}", row.id)))?;
        Ok(Self {
            id: row.id,
            email: row.email,
            role,
            organization_id: row.organization_id,
        })
    }
}

/// Creates a user (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", security(("bearer" = [])), request_body = NewUserBody, responses(
    (status = 201, body = UserView, headers(("Location" = String))),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the email is taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api/v1/users")]
pub async fn create_user(
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<NewUserBody>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ManageUsers)?;
    let body = body.0;
    let role = body.role;
    parse_fields!(
        email = "email" => EmailAddress::parse(&body.email),
        organization_id = "organization_id" => organization_for(role, body.organization_id),
        password = "password" => body.password.as_deref().map(Password::parse).transpose(),
    );
    let password_hash = match password {
        Some(password) => Some(password::hash_blocking(password).await?),
        None => None,
    };
    let letterhead = state.letterhead.clone();
    let ttl_hours = state.invitation_ttl_hours;
    let row = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if let Some(organization_id) = organization_id {
                check_organization_kind(conn, role, organization_id)?;
            }
            let row = users::insert(
                conn,
                &users::NewUser {
                    email: email.as_str(),
                    password_hash: password_hash.as_deref(),
                    role: role.as_str(),
                    organization_id,
                },
            )
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => {
                    ApiError::Conflict(format!("a user with the email {email} already exists"))
                }
                other => other,
            })?;
            if row.password_hash.is_none() {
                crate::notify::triggers::invite(
                    conn,
                    &letterhead,
                    row.id,
                    &row.email,
                    &row.role,
                    ttl_hours,
                )?;
            }
            Ok(row)
        })
    })
    .await?;
    let view = UserView::try_from(row)?;
    Ok(created(format!("/api/v1/users/{}", view.id), &view))
}

/// Region-wide roles belong to no organization; the others to exactly one.
pub fn organization_for(role: Role, organization_id: Option<i64>) -> Result<Option<i64>, String> {
    match (role.organization_kinds().is_empty(), organization_id) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(format!("must be absent for the role {}", role.as_str())),
        (false, None) => Err(format!("is required for the role {}", role.as_str())),
        (false, Some(id)) => crate::domain::positive_id(id).map(Some),
    }
}

pub fn check_organization_kind(
    conn: &mut db::DbConnection,
    role: Role,
    organization_id: i64,
) -> Result<(), ApiError> {
    let invalid =
        |message: String| ApiError::Invalid(vec![FieldError::new("organization_id", message)]);
    match organizations::kind_of(conn, organization_id)? {
        None => Err(invalid(format!(
            "no organization has the id {organization_id}"
        ))),
        Some(kind) if !role.organization_kinds().contains(&kind) => Err(invalid(format!(
            "a {} user cannot belong to a {}",
            role.as_str(),
            kind.as_str()
        ))),
        Some(_) => Ok(()),
    }
}

/// One user (admins only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the user's id")),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/api/v1/users/{id}")]
pub async fn get_user(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&user, Action::ManageUsers)?;
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| Ok(users::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("user", id))?;
    Ok(HttpResponse::Ok().json(UserView::try_from(row)?))
}

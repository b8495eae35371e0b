//! Users: accounts created by admins, the authority of a token or session
//! as stored now, invitations redeemed once (signing in: `sign_in`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::conditional::Once;
use super::standings::Look;
use super::{Context, audit, notifications};
use crate::auth::policy::{Action, authorize};
use crate::auth::{AuthUser, password};
use crate::db::audit::AuditAction;
use crate::db::{self, conflict_as, invitations, organizations, users};
use crate::domain::Page;
use crate::domain::{EmailAddress, Password, Role};
use crate::error::{AppError, AppResult};
use crate::parse_fields;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "kadry@gusev-glass.example", "role": "college", "organization_id": 12}))]
pub struct NewUserBody {
    #[schema(
        max_length = 254,
        pattern = r"^\s*[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\s*$"
    )]
    pub email: String,
    pub role: Role,
    /// Required for school, college and enterprise users (an organization of
    /// the matching kind); absent for admins and analysts.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// 10 to 128 characters. Without one the user cannot sign in until a
    /// password is set through an invitation.
    #[serde(default)]
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
}

/// A user as the API shows one: never with a secret.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    /// A disabled user cannot sign in; their tokens and sessions no longer work.
    pub disabled: bool,
    /// Invited and not yet signed up: no password is set.
    pub invited: bool,
}

/// What an admin may change about a user; every field is optional, and any
/// change ends the user's tokens and page sessions at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub role: Option<Role>,
    /// `null` for the region-wide roles (admin, analyst).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(deserializer).map(Some)
}

impl From<users::UserRow> for UserView {
    fn from(row: users::UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            role: row.role,
            organization_id: row.organization_id,
            disabled: row.disabled,
            invited: row.password_hash.is_none(),
        }
    }
}

/// Region-wide roles belong to no organization; the others to exactly one.
fn organization_for(role: Role, organization_id: Option<i64>) -> Result<Option<i64>, String> {
    match (role.organization_kinds().is_empty(), organization_id) {
        (true, None) => Ok(None),
        (true, Some(_)) => Err(format!("must be absent for the role {}", role.as_str())),
        (false, None) => Err(format!("is required for the role {}", role.as_str())),
        (false, Some(id)) => crate::domain::positive_id(id).map(Some),
    }
}

/// Creates a user (admins only). Without a password the user is sent an
/// invitation with a set-password link, in the same transaction.
pub async fn create_user(
    ctx: &Context,
    user: &AuthUser,
    body: NewUserBody,
    once: Option<Once>,
) -> AppResult<UserView> {
    authorize(user, Action::ManageUsers)?;
    let role = body.role;
    parse_fields!(
        email = "email" => EmailAddress::parse(&body.email),
        organization_id = "organization_id" => organization_for(role, body.organization_id),
        password = "password" => body.password.as_deref().map(Password::parse).transpose(),
    );
    let password_hash = match password {
        Some(password) => Some(password::hash_blocking(password).await??),
        None => None,
    };
    let letterhead = ctx.letterhead.clone();
    let ttl_hours = ctx.invitation_ttl_hours;
    let actor = *user;
    let creator = user.id;
    let row = ctx
        .create(creator, once, move |conn| {
            check_organization(conn, role, organization_id)?;
            let row = users::insert(
                conn,
                &users::NewUser {
                    email: email.as_str(),
                    password_hash: password_hash.as_deref(),
                    role,
                    organization_id,
                },
            )
            .map_err(|e| {
                conflict_as(e, || {
                    format!("a user with the email {email} already exists")
                })
            })?;
            if row.password_hash.is_none() {
                notifications::invite(conn, &letterhead, &row, ttl_hours)?;
            }
            let view = UserView::from(row);
            audit::log(
                conn,
                &actor,
                "user",
                Some(view.id),
                AuditAction::Create,
                audit::changes_of(&view),
            )?;
            Ok(view)
        })
        .await?;
    Ok(row)
}

/// 422 on `organization_id` unless it exists and is of a kind `role` belongs to.
fn check_organization(
    conn: &mut db::DbConnection,
    role: Role,
    organization_id: Option<i64>,
) -> AppResult<()> {
    let Some(organization_id) = organization_id else {
        return Ok(());
    };
    let Some(kind) = organizations::kind_of(conn, organization_id)? else {
        return Err(AppError::invalid(
            "organization_id",
            format!("no organization has the id {organization_id}"),
        ));
    };
    if !role.organization_kinds().contains(&kind) {
        return Err(AppError::invalid(
            "organization_id",
            format!(
                "{} user cannot belong to {}",
                crate::domain::a_or_an(role.as_str()),
                crate::domain::a_or_an(kind.as_str())
            ),
        ));
    }
    Ok(())
}

/// Users, filtered by role and organization (admins only).
pub async fn list_users(
    ctx: &Context,
    user: &AuthUser,
    role: Option<Role>,
    organization_id: Option<i64>,
    page: Page,
) -> AppResult<(Vec<UserView>, i64)> {
    authorize(user, Action::ManageUsers)?;
    let (rows, total) = ctx
        .run(move |conn| Ok(users::list(conn, role, organization_id, page)?))
        .await?;
    Ok((rows.into_iter().map(UserView::from).collect(), total))
}

/// Changes a user's role, organization or status (admins only). The user's
/// tokens and page sessions stop working at once; an admin cannot change
/// their own account this way (so the last admin cannot lock everyone out).
pub async fn change_user(
    ctx: &Context,
    user: &AuthUser,
    id: i64,
    patch: UserPatch,
) -> AppResult<UserView> {
    authorize(user, Action::ManageUsers)?;
    if id == user.id {
        return Err(AppError::Conflict(
            "an admin cannot change their own account; ask another admin".into(),
        ));
    }
    let actor = *user;
    let mark = ctx.standings.mark();
    let view = ctx
        .write(move |conn| {
            let current = users::find(conn, id)?.ok_or_else(|| AppError::not_found("user", id))?;
            let role = patch.role.unwrap_or(current.role);
            let organization_id = match patch.organization_id {
                Some(organization_id) => organization_id,
                // A move to a region-wide role leaves the organization behind.
                None if role.organization_kinds().is_empty() => None,
                None => current.organization_id,
            };
            parse_fields!(
                organization_id = "organization_id" => organization_for(role, organization_id),
            );
            check_organization(conn, role, organization_id)?;
            let change = users::Change {
                role,
                organization_id,
                disabled: patch.disabled.unwrap_or(current.disabled),
            };
            users::change(conn, id, &change)?;
            let view = users::find(conn, id)?
                .map(UserView::from)
                .ok_or_else(|| AppError::not_found("user", id))?;
            audit::log(
                conn,
                &actor,
                "user",
                Some(id),
                AuditAction::Update,
                audit::changes_of(&view),
            )?;
            Ok(view)
        })
        .await;
    // Committed (or failed): this process's copy goes before the answer,
    // and the answer waits for the change's notice to have gone out to the
    // others (PostgreSQL; a quarter of a second at most).
    ctx.standings.forget(id);
    if view.is_ok() {
        ctx.standings
            .heard_since(mark, id, Duration::from_millis(250))
            .await;
    }
    view
}

/// One user (admins only).
pub async fn get_user(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<UserView> {
    authorize(user, Action::ManageUsers)?;
    ctx.run(move |conn| {
        users::find(conn, id)?
            .map(UserView::from)
            .ok_or_else(|| AppError::not_found("user", id))
    })
    .await
}

/// The caller's own account.
pub async fn me(ctx: &Context, user: &AuthUser) -> AppResult<UserView> {
    let standing = standing_of(ctx, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(UserView {
        id: user.id,
        email: standing.email,
        role: standing.role,
        organization_id: standing.organization_id,
        disabled: standing.disabled,
        invited: standing.invited,
    })
}

/// The caller as stored now, for a token or session issued for `id` at
/// `token_version`: `Unauthenticated` when the user is gone, disabled, or
/// changed since (role, organization or status), so that authority is never
/// older than the request.
pub async fn current(ctx: &Context, id: i64, token_version: i32) -> AppResult<AuthUser> {
    match standing_of(ctx, id).await? {
        Some(standing) if !standing.disabled && standing.token_version == token_version => {
            Ok(AuthUser {
                id,
                role: standing.role,
                organization_id: standing.organization_id,
            })
        }
        _ => Err(AppError::Unauthenticated),
    }
}

/// User `id` as stored now: the process's exact copy when it has one (see
/// `standings`), else read and kept.
async fn standing_of(ctx: &Context, id: i64) -> AppResult<Option<users::Standing>> {
    Ok(match ctx.standings.look(id) {
        Look::Known(standing) => standing,
        Look::Read(ticket) => {
            let read = ctx.run(move |conn| Ok(users::standing(conn, id)?)).await?;
            if let (Some(ticket), Some(read)) = (ticket, &read) {
                ctx.standings.keep(ticket, id, read.clone());
            }
            read
        }
    })
}

const UNKNOWN_TOKEN: &str = "is unknown, used or expired";

/// Sets a new user's password with the single-use token of an invitation.
/// The token is looked up before anything is hashed, so made-up tokens cost
/// one indexed read and no memory.
pub async fn set_password(ctx: &Context, token: String, password: &str) -> AppResult<()> {
    let password = Password::parse(password).map_err(|m| AppError::invalid("password", m))?;
    if token.len() > 128 {
        return Err(AppError::invalid("token", UNKNOWN_TOKEN));
    }
    let token_hash = crate::auth::token::token_hash(&token);
    let redeemable = {
        let token_hash = token_hash.clone();
        ctx.run(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            Ok(invitations::is_redeemable(conn, &token_hash, now)?)
        })
        .await?
    };
    if !redeemable {
        return Err(AppError::invalid("token", UNKNOWN_TOKEN));
    }
    let hash = password::hash_blocking(password).await??;
    let redeemed = ctx
        .write(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            Ok(invitations::redeem_in_transaction(
                conn,
                &token_hash,
                &hash,
                now,
            )?)
        })
        .await?;
    if !redeemed {
        return Err(AppError::invalid("token", UNKNOWN_TOKEN));
    }
    Ok(())
}

/// Creates the admin named by the settings when the database has no admin
/// yet; `Ok(false)` when one exists or none is configured.
pub async fn bootstrap_admin(
    ctx: &Context,
    email: Option<&str>,
    password: Option<&str>,
) -> anyhow::Result<bool> {
    let has_admin = ctx
        .run(|conn| Ok(users::admin_exists(conn)?))
        .await
        .map_err(|e| anyhow::anyhow!("checking for an admin: {}", e.describe()))?;
    if has_admin {
        return Ok(false);
    }
    let (Some(email), Some(password)) = (email, password) else {
        tracing::warn!(
            "the database has no admin: set KADRY_ADMIN_EMAIL and KADRY_ADMIN_PASSWORD to create one"
        );
        return Ok(false);
    };
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_EMAIL {e}"))?;
    let password =
        Password::parse(password).map_err(|e| anyhow::anyhow!("KADRY_ADMIN_PASSWORD {e}"))?;
    let hash = password::hash_blocking(password)
        .await
        .map_err(|_| anyhow::anyhow!("the password hashing is busy"))??;
    let address = email.to_string();
    let created = db::run(&ctx.pool, move |conn| {
        if users::find_by_email(conn, email.as_str())?.is_some() {
            return Ok(false);
        }
        users::insert(
            conn,
            &users::NewUser {
                email: email.as_str(),
                password_hash: Some(&hash),
                role: Role::Admin,
                organization_id: None,
            },
        )?;
        Ok(true)
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating the first admin: {}", e.describe()))?;
    if !created {
        anyhow::bail!("KADRY_ADMIN_EMAIL {address} already belongs to a user who is not an admin");
    }
    tracing::info!(email = %address, "created the first admin");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_wide_roles_have_no_organization_and_the_others_one() {
        assert_eq!(organization_for(Role::Analyst, None), Ok(None));
        assert!(organization_for(Role::Analyst, Some(1)).is_err());
        assert!(organization_for(Role::School, None).is_err());
        assert_eq!(organization_for(Role::School, Some(3)), Ok(Some(3)));
        assert!(organization_for(Role::College, Some(0)).is_err());
    }
}

#[cfg(test)]
mod email_schema_tests {
    use utoipa::PartialSchema;

    use crate::domain::email::EMAIL_PATTERN;

    fn email_pattern(schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> String {
        let schema = serde_json::to_value(schema).unwrap_or_default();
        schema["properties"]["email"]["pattern"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The document states the rule the parser applies.
    #[test]
    fn the_documented_email_pattern_is_the_parsers() {
        assert_eq!(email_pattern(super::NewUserBody::schema()), EMAIL_PATTERN);
        assert_eq!(
            email_pattern(crate::app::catalogue::NewOrganizationBody::schema()),
            EMAIL_PATTERN
        );
    }
}

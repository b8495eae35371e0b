//! Queries on users.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub organization_id: Option<i64>,
    pub disabled: bool,
    pub token_version: i32,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: Role,
    pub organization_id: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::organization_id.eq(new.organization_id),
            users::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning((
            users::id,
            users::email,
            users::password_hash,
            users::role,
            users::organization_id,
            users::disabled,
            users::token_version,
        ))
        .get_result::<(i64, String, Option<String>, String, Option<i64>, bool, i32)>(conn)
        .and_then(
            |(id, email, password_hash, role, organization_id, disabled, token_version)| {
                Ok(UserRow {
                    id,
                    email,
                    password_hash,
                    role: Role::try_from(role)
                        .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?,
                    organization_id,
                    disabled,
                    token_version,
                })
            },
        )
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn admin_exists(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::role.eq(Role::Admin.as_str())),
    ))
    .get_result(conn)
}

/// The addresses of every user with `role`.
pub fn emails_with_role(conn: &mut DbConnection, role: Role) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::role.eq(role.as_str()))
        .select(users::email)
        .order(users::email)
        .load(conn)
}

/// Sets the password hash of a user.
pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// What a request's authority is checked against: the user as stored now
/// (and what `/me` shows of it), without the password's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub email: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub disabled: bool,
    pub token_version: i32,
    /// No password is set yet.
    pub invited: bool,
}

pub fn standing(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Standing>> {
    let row = users::table
        .find(id)
        .select((
            users::email,
            users::role,
            users::organization_id,
            users::disabled,
            users::token_version,
            users::password_hash.is_null(),
        ))
        .first::<(String, String, Option<i64>, bool, i32, bool)>(conn)
        .optional()?;
    row.map(
        |(email, role, organization_id, disabled, token_version, invited)| {
            Ok(Standing {
                email,
                role: Role::try_from(role)
                    .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?,
                organization_id,
                disabled,
                token_version,
                invited,
            })
        },
    )
    .transpose()
}

/// Users, filtered, a page at a time, with the total.
pub fn list(
    conn: &mut DbConnection,
    role: Option<Role>,
    organization_id: Option<i64>,
    page: crate::domain::Page,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let filtered = || {
        let mut query = users::table.into_boxed();
        if let Some(role) = role {
            query = query.filter(users::role.eq(role.as_str()));
        }
        if let Some(organization_id) = organization_id {
            query = query.filter(users::organization_id.eq(organization_id));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(users::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A user's role, organization and status as an admin sets them.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub role: Role,
    pub organization_id: Option<i64>,
    pub disabled: bool,
}

/// Stores `change` and moves the token version on, which ends every token
/// and session issued before; `false` when there is no such user.
pub fn change(conn: &mut DbConnection, id: i64, change: &Change) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(id))
        .set((
            users::role.eq(change.role.as_str()),
            users::organization_id.eq(change.organization_id),
            users::disabled.eq(change.disabled),
            users::token_version.eq(users::token_version + 1),
        ))
        .execute(conn)?;
    Ok(updated > 0)
}

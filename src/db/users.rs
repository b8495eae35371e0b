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
        ))
        .get_result::<(i64, String, Option<String>, String, Option<i64>)>(conn)
        .and_then(|(id, email, password_hash, role, organization_id)| {
            Ok(UserRow {
                id,
                email,
                password_hash,
                role: Role::try_from(role)
                    .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?,
                organization_id,
            })
        })
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

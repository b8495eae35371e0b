//! The role policy of API.md in one place: every handler asks `authorize`, none decides on its own.

use super::AuthUser;
use crate::domain::Role;
use crate::error::ApiError;

/// Everything a caller may ask to do, with the record it touches where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Clusters, professions, organizations: every authenticated user.
    ReadCatalogue,
    /// Creating or changing catalogue entries: admins.
    WriteCatalogue,
    /// Creating and reading user accounts: admins.
    ManageUsers,
}

/// `Ok` when `user` may do `action`, else 403.
pub fn authorize(user: &AuthUser, action: Action) -> Result<(), ApiError> {
    if allows(user, action) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn allows(user: &AuthUser, action: Action) -> bool {
    match action {
        Action::ReadCatalogue => true,
        Action::WriteCatalogue | Action::ManageUsers => user.role == Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> AuthUser {
        AuthUser {
            id: 1,
            role,
            organization_id: None,
        }
    }

    #[test]
    fn only_admins_write_the_catalogue_and_manage_users() {
        for role in Role::ALL {
            let expected = role == Role::Admin;
            assert_eq!(
                allows(&user(role), Action::WriteCatalogue),
                expected,
                "{role:?}"
            );
            assert_eq!(
                allows(&user(role), Action::ManageUsers),
                expected,
                "{role:?}"
            );
            assert!(allows(&user(role), Action::ReadCatalogue), "{role:?}");
        }
    }
}

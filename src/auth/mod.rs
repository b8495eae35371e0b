//! Who acts (`AuthUser`: passwords, tokens) and what each role may do (`policy`).

mod hs256;
pub mod jwt;
pub mod password;
pub mod policy;
pub mod token;

pub use jwt::{Claims, JwtKeys};

use crate::domain::Role;

/// Who acts: a signed-in user (from a token or a page session), or the
/// command line, which acts as an admin of its own database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    /// The user's id; 0 for the command line.
    pub id: i64,
    pub role: Role,
    pub organization_id: Option<i64>,
}

impl AuthUser {
    /// The command line: whoever can run `kadry` on the database may do everything.
    pub const fn command_line() -> Self {
        Self {
            id: 0,
            role: Role::Admin,
            organization_id: None,
        }
    }
}

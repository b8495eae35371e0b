//! Who the caller is (passwords, tokens, the `AuthUser` extractor) and what each role may do (`policy`).

mod extractor;
pub mod jwt;
pub mod password;
pub mod policy;

pub use extractor::AuthUser;
pub use jwt::{Claims, JwtKeys};

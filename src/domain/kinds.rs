//! The closed sets of names the API uses: roles and kinds of organisation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    School,
    College,
    Enterprise,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Analyst,
        Role::School,
        Role::College,
        Role::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::School => "school",
            Role::College => "college",
            Role::Enterprise => "enterprise",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| "must be one of admin, analyst, school, college, enterprise".into())
    }

    /// The kinds of organisation a user of this role belongs to; empty for
    /// the region-wide roles, which belong to none.
    pub fn organization_kinds(self) -> &'static [OrganizationKind] {
        match self {
            Role::Admin | Role::Analyst => &[],
            Role::School => &[OrganizationKind::School],
            Role::College => &[OrganizationKind::College, OrganizationKind::University],
            Role::Enterprise => &[OrganizationKind::Enterprise],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    School,
    College,
    University,
    Enterprise,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 4] = [
        OrganizationKind::School,
        OrganizationKind::College,
        OrganizationKind::University,
        OrganizationKind::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::School => "school",
            OrganizationKind::College => "college",
            OrganizationKind::University => "university",
            OrganizationKind::Enterprise => "enterprise",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| "must be one of school, college, university, enterprise".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for kind in OrganizationKind::ALL {
            assert_eq!(OrganizationKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(Role::parse("Admin").is_err());
        assert!(OrganizationKind::parse("factory").is_err());
    }
}

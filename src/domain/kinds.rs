//! The closed sets of names kadry uses: roles, kinds of organisation, states of an email.
//!
//! Each is stored in the database as its name (`as_str`) and read back with
//! `TryFrom<String>`, so a column never holds anything but one of these.

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

    pub const fn as_str(self) -> &'static str {
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

    pub const fn as_str(self) -> &'static str {
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

/// Where an email in the outbox is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a worker, under a lease.
    Sending,
    Sent,
    /// Given up: a permanent refusal or too many attempts.
    Failed,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 4] = [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| "must be one of pending, sending, sent, failed".into())
    }
}

macro_rules! from_stored_name {
    ($($name:ident),+) => {$(
        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(raw: String) -> Result<Self, String> {
                Self::parse(&raw).map_err(|message| format!("{raw:?}: {message}"))
            }
        }
    )+};
}

from_stored_name!(Role, OrganizationKind, OutboxStatus);

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
        for status in OutboxStatus::ALL {
            assert_eq!(
                OutboxStatus::try_from(status.as_str().to_string()),
                Ok(status)
            );
        }
        assert!(Role::parse("Admin").is_err());
        assert!(OrganizationKind::parse("factory").is_err());
    }
}

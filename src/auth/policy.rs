//! The role policy in one place (README, "What kadry does"): every handler asks `authorize`, none decides on its own.

use super::AuthUser;
use crate::domain::Role;
use crate::error::AppError;

/// Everything a caller may ask to do, with the organisation whose records it touches where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Clusters, professions, organizations, programs, intakes: every authenticated user.
    ReadCatalogue,
    /// Creating or changing clusters, professions, organizations: admins.
    WriteCatalogue,
    /// Creating, reading and changing user accounts: admins.
    ManageUsers,
    /// Reading the audit log: admins.
    ReadAudit,
    /// Creating, changing, deleting an institution's programs, intakes and enrollments.
    ManagePrograms { institution_id: i64 },
    /// Writing any programs at all: the role-level check before an
    /// institution is named (colleges and universities, admins).
    WritePrograms,
    /// Reading a school's pupil records.
    ReadPupils { school_id: i64 },
    /// Creating, changing, deleting or importing a school's pupil records.
    ManagePupils { school_id: i64 },
    /// Seeing any pupil record at all: the role-level check before a record is looked up.
    SeePupilRecords,
    /// Listing pupil records of every school at once.
    ReadAllPupils,
    /// Pupil counts, suppressed for most callers: every authenticated user.
    ReadPupilStats,
    /// Pupil counts without suppression: admins, and a school for its own pupils.
    ReadUnsuppressedPupilCounts { school_id: Option<i64> },
    /// Reading any demand record at all: the role-level check before a record
    /// is looked up (enterprises, analysts, admins), so that other roles
    /// cannot tell a missing record from another's.
    SeeDemandRecords,
    /// Changing any demand record at all: the role-level check before a
    /// record is looked up (enterprises, admins).
    WriteDemandRecords,
    /// Reading an enterprise's demand records.
    ReadDemand { enterprise_id: i64 },
    /// Creating, changing, deleting an enterprise's demand records.
    ManageDemand { enterprise_id: i64 },
    /// Listing the demand records of every enterprise at once, or seeing
    /// demand broken down by enterprise: analysts and admins.
    ReadAllDemand,
    /// The forecast, its parameters and its explanations: every authenticated user.
    ReadForecast,
    /// Running scenarios: analysts and admins.
    RunScenarios,
    /// Changing the stored forecast parameters: admins.
    SetForecastParameters,
    /// Listing and retrying notifications: admins.
    ManageNotifications,
    /// Importing the whole region's school counts at once: admins.
    ImportRegionCounts,
    /// Publishing a forecast: analysts and admins.
    PublishForecasts,
    /// Deleting a published forecast: admins.
    DeletePublishedForecasts,
    /// Reading calibration and the backtest: analysts and admins.
    ReadEvidence,
    /// Applying calibration to the stored parameters: admins.
    ApplyCalibration,
    /// Creating, cancelling an event and recording its attendance: its organizer (a college or enterprise) and admins.
    ManageEvents { organizer_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Allowed,
    /// The role may never do this: 403.
    Forbidden,
    /// The role may, but not on another organisation's records: those are
    /// answered as if they did not exist (404) where a record is named.
    NotVisible,
}

/// `Ok` when `user` may do `action`, else 403.
pub fn authorize(user: &AuthUser, action: Action) -> Result<(), AppError> {
    match decide(user, action) {
        Decision::Allowed => Ok(()),
        Decision::Forbidden | Decision::NotVisible => Err(AppError::Forbidden),
    }
}

/// Like `authorize`, for an action on an existing record named in the path:
/// another organisation's record answers 404, as if it did not exist.
pub fn authorize_record(
    user: &AuthUser,
    action: Action,
    what: &str,
    id: i64,
) -> Result<(), AppError> {
    match decide(user, action) {
        Decision::Allowed => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotVisible => Err(AppError::not_found(what, id)),
    }
}

/// Whether `user` may do `action`, without an error.
pub fn allows(user: &AuthUser, action: Action) -> bool {
    decide(user, action) == Decision::Allowed
}

fn decide(user: &AuthUser, action: Action) -> Decision {
    use Decision::*;
    let own = |organization_id: i64| {
        if user.organization_id == Some(organization_id) {
            Allowed
        } else {
            NotVisible
        }
    };
    match (user.role, action) {
        (_, Action::ReadCatalogue | Action::ReadPupilStats | Action::ReadForecast) => Allowed,
        (Role::Admin, _) => Allowed,
        (
            _,
            Action::WriteCatalogue
            | Action::ManageUsers
            | Action::ReadAudit
            | Action::ReadAllPupils
            | Action::SetForecastParameters
            | Action::ManageNotifications
            | Action::ImportRegionCounts
            | Action::DeletePublishedForecasts
            | Action::ApplyCalibration,
        ) => Forbidden,
        (Role::College, Action::ManagePrograms { institution_id }) => own(institution_id),
        (Role::College, Action::WritePrograms) => Allowed,
        (Role::College | Role::Enterprise, Action::ManageEvents { organizer_id }) => {
            own(organizer_id)
        }
        (Role::School, Action::SeePupilRecords) => Allowed,
        (Role::School, Action::ReadPupils { school_id } | Action::ManagePupils { school_id }) => {
            own(school_id)
        }
        (
            Role::School,
            Action::ReadUnsuppressedPupilCounts {
                school_id: Some(school_id),
            },
        ) => own(school_id),
        (
            Role::Analyst,
            Action::SeeDemandRecords
            | Action::ReadDemand { .. }
            | Action::ReadAllDemand
            | Action::RunScenarios
            | Action::PublishForecasts
            | Action::ReadEvidence,
        ) => Allowed,
        (Role::Enterprise, Action::SeeDemandRecords | Action::WriteDemandRecords) => Allowed,
        (
            Role::Enterprise,
            Action::ReadDemand { enterprise_id } | Action::ManageDemand { enterprise_id },
        ) => own(enterprise_id),
        _ => Forbidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, organization_id: Option<i64>) -> AuthUser {
        AuthUser {
            id: 1,
            role,
            organization_id,
        }
    }

    #[test]
    fn only_admins_write_the_catalogue_and_manage_users() {
        for role in Role::ALL {
            let expected = role == Role::Admin;
            let caller = user(role, Some(1));
            assert_eq!(
                allows(&caller, Action::WriteCatalogue),
                expected,
                "{role:?}"
            );
            assert_eq!(allows(&caller, Action::ManageUsers), expected, "{role:?}");
            assert!(allows(&caller, Action::ReadCatalogue), "{role:?}");
            assert!(allows(&caller, Action::ReadPupilStats), "{role:?}");
        }
    }

    #[test]
    fn only_colleges_and_admins_write_programs() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Admin | Role::College);
            assert_eq!(
                allows(&user(role, Some(1)), Action::WritePrograms),
                expected,
                "{role:?}"
            );
        }
    }

    #[test]
    fn organisations_touch_only_their_own_records() {
        let cases = [
            (Role::College, Action::ManagePrograms { institution_id: 7 }),
            (Role::School, Action::ReadPupils { school_id: 7 }),
            (Role::School, Action::ManagePupils { school_id: 7 }),
            (
                Role::School,
                Action::ReadUnsuppressedPupilCounts { school_id: Some(7) },
            ),
            (Role::Enterprise, Action::ReadDemand { enterprise_id: 7 }),
            (Role::Enterprise, Action::ManageDemand { enterprise_id: 7 }),
        ];
        for (role, action) in cases {
            assert_eq!(
                decide(&user(role, Some(7)), action),
                Decision::Allowed,
                "{role:?} {action:?}"
            );
            assert_eq!(
                decide(&user(role, Some(8)), action),
                Decision::NotVisible,
                "{role:?} {action:?}"
            );
            assert_eq!(
                decide(&user(Role::Admin, None), action),
                Decision::Allowed,
                "{action:?}"
            );
            for other in Role::ALL
                .into_iter()
                .filter(|r| *r != role && *r != Role::Admin)
            {
                let expected =
                    if other == Role::Analyst && matches!(action, Action::ReadDemand { .. }) {
                        Decision::Allowed
                    } else {
                        Decision::Forbidden
                    };
                assert_eq!(
                    decide(&user(other, Some(7)), action),
                    expected,
                    "{other:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn pupil_records_never_reach_analysts_colleges_or_enterprises() {
        for role in [Role::Analyst, Role::College, Role::Enterprise] {
            let caller = user(role, Some(7));
            assert!(!allows(&caller, Action::ReadPupils { school_id: 7 }));
            assert!(!allows(&caller, Action::ReadAllPupils));
            assert!(!allows(&caller, Action::SeePupilRecords));
            assert!(!allows(
                &caller,
                Action::ReadUnsuppressedPupilCounts { school_id: Some(7) }
            ));
            assert!(!allows(
                &caller,
                Action::ReadUnsuppressedPupilCounts { school_id: None }
            ));
        }
        let school = user(Role::School, Some(7));
        assert!(allows(&school, Action::SeePupilRecords));
        assert!(!allows(&school, Action::ReadAllPupils));
        assert!(!allows(
            &school,
            Action::ReadUnsuppressedPupilCounts { school_id: None }
        ));
    }

    #[test]
    fn everyone_reads_the_forecast_analysts_and_admins_run_scenarios_admins_set_parameters() {
        for role in Role::ALL {
            let caller = user(role, Some(1));
            assert!(allows(&caller, Action::ReadForecast), "{role:?}");
            assert_eq!(
                allows(&caller, Action::RunScenarios),
                matches!(role, Role::Admin | Role::Analyst),
                "{role:?}"
            );
            assert_eq!(
                allows(&caller, Action::SetForecastParameters),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }

    #[test]
    fn all_demand_is_read_by_admins_and_analysts_only() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Admin | Role::Analyst);
            assert_eq!(
                allows(&user(role, Some(1)), Action::ReadAllDemand),
                expected,
                "{role:?}"
            );
        }
    }
}

//! A pupil record as the edge checks it: grade, academic year, and the consent rules for personal data.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::numbers::{Grade, academic_year, weight};
use super::text::Label;
use crate::error::FieldError;

/// What a pupil is interested in: a profession or a whole cluster, with a positive weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub profession_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub cluster_id: Option<i64>,
    /// Above 0, at most 1000; only its proportion to the pupil's other interests matters.
    #[schema(exclusive_minimum = 0, maximum = 1000)]
    pub weight: f64,
}

/// A pupil's fields once checked: without consent there is no display name
/// and there are no interests.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilFields {
    pub external_ref: String,
    pub grade: i32,
    pub academic_year: i32,
    pub consent: bool,
    pub display_name: Option<String>,
    pub interests: Vec<Interest>,
}

/// A pupil's fields as they arrive, from JSON or from a roster row.
#[derive(Debug, Clone)]
pub struct RawPupil {
    pub external_ref: String,
    pub grade: i32,
    pub academic_year: i32,
    pub consent: bool,
    pub display_name: Option<String>,
    pub interests: Vec<Interest>,
}

/// A pupil may list at most this many interests.
pub const MAX_INTERESTS: usize = 20;

impl RawPupil {
    /// Checks everything that needs no database; every bad field is named.
    pub fn check(self) -> Result<PupilFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError::new(field, message));

        let external_ref = Label::parse(&self.external_ref, 64)
            .map(Label::into_inner)
            .unwrap_or_else(|m| {
                fail("external_ref", m);
                String::new()
            });
        if let Err(m) = Grade::new(self.grade) {
            fail("grade", m);
        }
        if let Err(m) = academic_year(self.academic_year) {
            fail("academic_year", m);
        }
        let display_name = match (&self.display_name, self.consent) {
            (None, _) => None,
            (Some(_), false) => {
                fail(
                    "display_name",
                    "must be absent without parental consent".into(),
                );
                None
            }
            (Some(name), true) => Label::parse(name, 200)
                .map(|name| Some(name.into_inner()))
                .unwrap_or_else(|m| {
                    fail("display_name", m);
                    None
                }),
        };
        if !self.consent && !self.interests.is_empty() {
            fail(
                "interests",
                "must be absent without parental consent".into(),
            );
        } else if self.interests.len() > MAX_INTERESTS {
            fail("interests", format!("at most {MAX_INTERESTS} interests"));
        }
        let mut seen = HashSet::new();
        for (i, interest) in self.interests.iter().enumerate() {
            let target = match (interest.profession_id, interest.cluster_id) {
                (Some(id), None) => Some(("profession_id", id, true)),
                (None, Some(id)) => Some(("cluster_id", id, false)),
                _ => {
                    fail(
                        &format!("interests[{i}]"),
                        "must name exactly one of profession_id and cluster_id".into(),
                    );
                    None
                }
            };
            if let Some((field, id, is_profession)) = target {
                if id <= 0 {
                    fail(
                        &format!("interests[{i}].{field}"),
                        "must be a positive id".into(),
                    );
                } else if !seen.insert((is_profession, id)) {
                    fail(&format!("interests[{i}].{field}"), "is listed twice".into());
                }
            }
            if let Err(m) = weight(interest.weight) {
                fail(&format!("interests[{i}].weight"), m);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PupilFields {
            external_ref,
            grade: self.grade,
            academic_year: self.academic_year,
            consent: self.consent,
            display_name,
            interests: self.interests,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawPupil {
        RawPupil {
            external_ref: "A-1".into(),
            grade: 7,
            academic_year: 2025,
            consent: true,
            display_name: Some("Иван".into()),
            interests: vec![Interest {
                profession_id: Some(1),
                cluster_id: None,
                weight: 1.0,
            }],
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_consenting_pupil_keeps_name_and_interests() {
        let pupil = raw().check().unwrap();
        assert_eq!(pupil.display_name.as_deref(), Some("Иван"));
        assert_eq!(pupil.interests.len(), 1);
    }

    #[test]
    fn without_consent_name_and_interests_are_refused() {
        let mut pupil = raw();
        pupil.consent = false;
        assert_eq!(
            fields(pupil.check().unwrap_err()),
            ["display_name", "interests"]
        );
        let mut counted_only = raw();
        counted_only.consent = false;
        counted_only.display_name = None;
        counted_only.interests.clear();
        assert!(counted_only.check().is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut pupil = raw();
        pupil.grade = 4;
        pupil.academic_year = 1999;
        pupil.external_ref = " ".into();
        pupil.interests = vec![
            Interest {
                profession_id: Some(1),
                cluster_id: Some(2),
                weight: 1.0,
            },
            Interest {
                profession_id: None,
                cluster_id: Some(2),
                weight: 0.0,
            },
            Interest {
                profession_id: None,
                cluster_id: Some(2),
                weight: 1.0,
            },
        ];
        assert_eq!(
            fields(pupil.check().unwrap_err()),
            [
                "external_ref",
                "grade",
                "academic_year",
                "interests[0]",
                "interests[1].weight",
                "interests[2].cluster_id"
            ]
        );
    }
}

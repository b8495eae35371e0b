//! Email addresses, normalised to lower case so that sign-in is case-insensitive.

use std::fmt;

/// What the API's document says of an email address, as a pattern: Latin
/// letters, digits and `._%+-` before the `@`, a domain of at least two
/// labels of Latin letters, digits and `-`, surrounding spaces ignored.
pub const EMAIL_PATTERN: &str = r"^\s*[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\s*$";

const LIKE: &str = "must be an email address like name@example.org (Latin letters, digits and ._%+- before the @; a domain in Cyrillic is written in its xn-- form)";

/// An email address as `EMAIL_PATTERN` describes it, trimmed and in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("must not be empty".into());
        }
        if email.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(LIKE.into());
        };
        let local_ok = (1..=64).contains(&local.len())
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(LIKE.into());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Admin@Kadry.Example ").unwrap();
        assert_eq!(email.as_str(), "admin@kadry.example");
    }

    #[test]
    fn the_documented_pattern_and_the_parser_agree() {
        let pattern = regex_lite::Regex::new(super::EMAIL_PATTERN).unwrap();
        for raw in [
            "a@b.org",
            " A.B+c@x-y.example ",
            "a@b",
            "a@b.c*",
            "a@школа.рф",
            "a b@x.org",
            "a@x..org",
            "a@.org",
            "_@9.9",
            "a%b@c.d",
            "a@b@c.org",
            "",
        ] {
            assert_eq!(
                pattern.is_match(raw),
                EmailAddress::parse(raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in [
            "",
            "plain",
            "@x.org",
            "a@b",
            "a@.org",
            "a@org.",
            "a b@x.org",
            "a@b@c.org",
            "a@b.c*",
            "a@школа.рф",
            "a(b)@x.org",
            "a@x..org",
        ] {
            assert!(EmailAddress::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }
}

//! Email that is never lost: an outbox written in the change's own transaction, a delivery worker, templates and transports.

pub mod outbox;
pub mod shortage;
pub mod templates;
pub mod transport;
pub mod triggers;
pub mod worker;

use anyhow::bail;

/// The language of every email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Ru,
    En,
}

impl Language {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        match raw {
            "ru" => Ok(Self::Ru),
            "en" => Ok(Self::En),
            other => bail!("email.language must be ru or en, not {other:?}"),
        }
    }
}

/// What messages need besides their data: the language and the base of links.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub language: Language,
    pub public_url: String,
}

impl Letterhead {
    pub fn from_settings(settings: &crate::config::EmailSettings) -> anyhow::Result<Self> {
        Ok(Self {
            language: Language::parse(&settings.language)?,
            public_url: settings.public_url.trim_end_matches('/').to_string(),
        })
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

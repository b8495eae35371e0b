//! Email as kadry writes and sends it: the messages' templates and the
//! transports (SMTP, a folder, the log). What to send is kept in the
//! outbox (`db::outbox`); `app::delivery` delivers it.

pub mod templates;
pub mod transport;

pub use crate::domain::Language;

/// What messages need besides their data: the language and the base of links.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub language: Language,
    pub public_url: String,
}

impl Letterhead {
    pub fn from_settings(settings: &crate::config::EmailSettings) -> Self {
        Self {
            language: settings.language,
            public_url: settings.public_url.trim_end_matches('/').to_string(),
        }
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

//! The languages kadry speaks to people: Russian first, English on request.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Language {
    #[default]
    Ru,
    En,
}

impl Language {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "ru" => Ok(Self::Ru),
            "en" => Ok(Self::En),
            other => Err(format!("the language must be ru or en, not {other:?}")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }
}

impl TryFrom<String> for Language {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

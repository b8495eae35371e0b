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

    pub const fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    /// The Russian or the English text.
    pub fn tr<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    /// `x` with `decimals` places: "1 234,5" in Russian (a no-break space
    /// between thousands, a decimal comma), "1,234.5" in English. Rounded as
    /// the API and CSV round (the f64's correct rounding).
    pub fn number(self, x: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, x);
        let (sign, digits) = match text.strip_prefix('-') {
            Some(rest) if rest.chars().any(|c| c.is_ascii_digit() && c != '0') => ("−", rest),
            Some(rest) => ("", rest),
            None => ("", text.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let (group, point) = match self {
            Self::Ru => ('\u{a0}', ','),
            Self::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(c);
        }
        if fraction.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{point}{fraction}")
        }
    }
}

impl TryFrom<String> for Language {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::Language;

    #[test]
    fn numbers_are_written_the_russian_way_in_russian() {
        assert_eq!(
            Language::Ru.number(1234567.891, 2),
            "1\u{a0}234\u{a0}567,89"
        );
        assert_eq!(Language::Ru.number(-1234.5, 1), "−1\u{a0}234,5");
        assert_eq!(Language::Ru.number(999.0, 0), "999");
        assert_eq!(Language::Ru.number(-0.001, 2), "0,00");
        assert_eq!(Language::En.number(1234567.891, 2), "1,234,567.89");
    }
}

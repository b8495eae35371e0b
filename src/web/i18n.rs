//! The pages' languages and number formats: Russian first, English on request.

use actix_web::HttpRequest;
use actix_web::http::header;

pub const LANG_COOKIE: &str = "kadry_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

impl Lang {
    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `?lang=`, else the cookie it set, else `Accept-Language` (English only
    /// when it is asked for before Russian), else Russian.
    pub fn of(req: &HttpRequest) -> Self {
        if let Some(lang) = asked_in_query(req) {
            return lang;
        }
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accept
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| Lang::parse(tag.split('-').next().unwrap_or("")))
            .next();
        first.unwrap_or(Lang::Ru)
    }

    pub const fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The Russian or the English text.
    pub fn tr<'a>(self, ru: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
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
            Lang::Ru => ('\u{a0}', ','),
            Lang::En => (',', '.'),
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

/// The language named by `?lang=`, when the request names one.
pub fn asked_in_query(req: &HttpRequest) -> Option<Lang> {
    req.query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| Lang::parse(value))
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn numbers_are_written_the_russian_way_on_russian_pages() {
        assert_eq!(Lang::Ru.number(1234567.891, 2), "1\u{a0}234\u{a0}567,89");
        assert_eq!(Lang::Ru.number(-1234.5, 1), "−1\u{a0}234,5");
        assert_eq!(Lang::Ru.number(999.0, 0), "999");
        assert_eq!(Lang::Ru.number(-0.001, 2), "0,00");
        assert_eq!(Lang::En.number(1234567.891, 2), "1,234,567.89");
    }
}

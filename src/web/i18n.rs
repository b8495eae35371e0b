//! The pages' language: which one a request asks for (`?lang=`, the cookie
//! it set, `Accept-Language`), Russian first. The language itself, its
//! texts and number formats are `domain::Language`.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::Language;

pub const LANG_COOKIE: &str = "kadry_lang";

/// `?lang=`, else the cookie it set, else `Accept-Language` (English only
/// when it is asked for before Russian), else Russian.
pub fn lang_of(req: &HttpRequest) -> Language {
    if let Some(lang) = asked_in_query(req) {
        return lang;
    }
    if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| parse_tag(c.value())) {
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
        .filter_map(|tag| parse_tag(tag.split('-').next().unwrap_or("")))
        .next();
    first.unwrap_or(Language::Ru)
}

fn parse_tag(value: &str) -> Option<Language> {
    Language::parse(&value.trim().to_ascii_lowercase()).ok()
}

/// The language named by `?lang=`, when the request names one.
pub fn asked_in_query(req: &HttpRequest) -> Option<Language> {
    req.query_string()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, value)| parse_tag(value))
}

//! The region's local time: pages show and take times in it, the API
//! speaks UTC. Russia has kept every zone on one offset all year since
//! October 2014, so a zone is its fixed UTC offset; the IANA names of
//! Russia's zones are known by name, any other place as an offset
//! (`+03:00`) or `UTC`.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::Deserialize;

use super::Language;

/// Russia's IANA zones and their offsets from UTC in hours (since 26 October 2014;
/// Astrakhan, Saratov, Ulyanovsk and Volgograd as they are since their last moves).
const RUSSIAN_ZONES: &[(&str, i32)] = &[
    ("Europe/Kaliningrad", 2),
    ("Europe/Moscow", 3),
    ("Europe/Kirov", 3),
    ("Europe/Volgograd", 3),
    ("Europe/Simferopol", 3),
    ("Europe/Samara", 4),
    ("Europe/Astrakhan", 4),
    ("Europe/Saratov", 4),
    ("Europe/Ulyanovsk", 4),
    ("Asia/Yekaterinburg", 5),
    ("Asia/Omsk", 6),
    ("Asia/Novosibirsk", 7),
    ("Asia/Barnaul", 7),
    ("Asia/Tomsk", 7),
    ("Asia/Novokuznetsk", 7),
    ("Asia/Krasnoyarsk", 7),
    ("Asia/Irkutsk", 8),
    ("Asia/Chita", 9),
    ("Asia/Yakutsk", 9),
    ("Asia/Khandyga", 9),
    ("Asia/Vladivostok", 10),
    ("Asia/Ust-Nera", 10),
    ("Asia/Magadan", 11),
    ("Asia/Sakhalin", 11),
    ("Asia/Srednekolymsk", 11),
    ("Asia/Kamchatka", 12),
    ("Asia/Anadyr", 12),
];

/// A local time zone: its name as configured and its offset.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Zone {
    name: String,
    offset: FixedOffset,
}

impl Default for Zone {
    fn default() -> Self {
        Self::moscow()
    }
}

impl TryFrom<String> for Zone {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Self::parse(&name)
    }
}

const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Zone {
    pub fn moscow() -> Self {
        Self {
            name: "Europe/Moscow".into(),
            offset: FixedOffset::east_opt(3 * 3600).expect("+03:00 is an offset"),
        }
    }

    /// `Europe/Moscow` (or another of Russia's zones), `UTC`, or an offset `+03:00`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let hours = |h: i32| FixedOffset::east_opt(h * 3600);
        let offset = if name == "UTC" {
            hours(0)
        } else if let Some((_, h)) = RUSSIAN_ZONES.iter().find(|(zone, _)| *zone == name) {
            hours(*h)
        } else {
            name.parse::<FixedOffset>()
                .ok()
                .filter(|_| name.starts_with(['+', '-']))
        };
        offset
            .map(|offset| Self {
                name: name.to_string(),
                offset,
            })
            .ok_or_else(|| {
                format!(
                    "the time zone must be one of Russia's (Europe/Moscow, Asia/Yekaterinburg, ...), UTC, or an offset such as +03:00, not {name:?}"
                )
            })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset as `UTC+3` (`UTC+5:30`).
    pub fn label(&self) -> String {
        let seconds = self.offset.local_minus_utc();
        let sign = if seconds < 0 { '−' } else { '+' };
        let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
        if m == 0 {
            format!("UTC{sign}{h}")
        } else {
            format!("UTC{sign}{h}:{m:02}")
        }
    }

    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.offset).naive_local()
    }

    /// A local wall-clock time as UTC (every local time is one instant: no
    /// zone here moves its clocks).
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.offset.from_local_datetime(&local) {
            chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
                at.with_timezone(&Utc)
            }
            chrono::LocalResult::None => Utc.from_utc_datetime(&local),
        }
    }

    /// An instant written as people write it: "18 марта 2027, 12:00" in
    /// Russian, "18 March 2027, 12:00" in English, in local time.
    pub fn written(&self, at: DateTime<Utc>, lang: Language) -> String {
        let local = self.local(at);
        let months = match lang {
            Language::Ru => &MONTHS_RU,
            Language::En => &MONTHS_EN,
        };
        format!(
            "{} {} {}, {:02}:{:02}",
            local.day(),
            months[local.month0() as usize],
            local.year(),
            local.hour(),
            local.minute()
        )
    }

    /// An RFC 3339 instant (as the API gives it) written so; as given when it is not one.
    pub fn written_rfc3339(&self, text: &str, lang: Language) -> String {
        DateTime::parse_from_rfc3339(text)
            .map(|at| self.written(at.with_timezone(&Utc), lang))
            .unwrap_or_else(|_| text.to_string())
    }

    /// An RFC 3339 instant as a `datetime-local` field's value, in local time.
    pub fn field_value(&self, text: &str) -> String {
        DateTime::parse_from_rfc3339(text)
            .map(|at| {
                self.local(at.with_timezone(&Utc))
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moscow_is_three_hours_ahead_all_year() {
        let zone = Zone::parse("Europe/Moscow").unwrap();
        for text in ["2027-01-15T09:00:00Z", "2027-07-15T09:00:00Z"] {
            let at = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(zone.local(at).hour(), 12, "{text}");
        }
        assert_eq!(zone.label(), "UTC+3");
    }

    #[test]
    fn a_local_time_goes_to_utc_and_back() {
        let zone = Zone::parse("Asia/Yekaterinburg").unwrap();
        let local = NaiveDateTime::parse_from_str("2027-03-18 10:30", "%Y-%m-%d %H:%M").unwrap();
        let utc = zone.to_utc(local);
        assert_eq!(utc.to_rfc3339(), "2027-03-18T05:30:00+00:00");
        assert_eq!(zone.local(utc), local);
    }

    #[test]
    fn dates_are_written_the_russian_way() {
        let zone = Zone::moscow();
        assert_eq!(
            zone.written_rfc3339("2027-03-18T09:00:00Z", Language::Ru),
            "18 марта 2027, 12:00"
        );
        assert_eq!(
            zone.written_rfc3339("2027-12-31T22:15:00Z", Language::En),
            "1 January 2028, 01:15"
        );
        assert_eq!(zone.field_value("2027-03-18T09:00:00Z"), "2027-03-18T12:00");
    }

    #[test]
    fn offsets_and_utc_are_zones_and_other_names_are_not() {
        assert_eq!(Zone::parse("UTC").unwrap().label(), "UTC+0");
        assert_eq!(Zone::parse("+05:30").unwrap().label(), "UTC+5:30");
        assert_eq!(Zone::parse("-02:00").unwrap().label(), "UTC−2");
        for bad in ["Moscow", "Europe/Paris", "", "3", "+25:00"] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
    }
}

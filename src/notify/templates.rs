//! The messages, in Russian (the default) or English, as text and HTML,
//! written as askama templates (`templates/`, one `.txt` per message: its
//! subject, then its paragraphs; `_email.html` makes the HTML part, escaped).
//! No pupil's name or other personal data goes in.

use askama::Template;

use super::{Language, Letterhead};
use crate::domain::Email;

/// The HTML part: the message's paragraphs and its link, escaped by askama.
#[derive(Template)]
#[template(path = "_email.html", config = "src/notify/askama.toml")]
struct HtmlPart<'a> {
    paragraphs: Vec<&'a str>,
    link: &'a str,
}

/// A message from its rendered `.txt` template (subject, blank line,
/// paragraphs separated by blank lines) and its link, which comes last.
fn compose(
    kind: &'static str,
    recipient: &str,
    rendered: askama::Result<String>,
    link: &str,
) -> Email {
    // The templates are compiled with kadry; rendering one can fail only if
    // formatting a value fails, which then shows in the message.
    let rendered = rendered.unwrap_or_else(|e| format!("kadry\n\n({e})"));
    let rendered = rendered.trim();
    let (subject, body) = rendered.split_once("\n\n").unwrap_or((rendered, ""));
    let paragraphs: Vec<&str> = body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let text = format!("{}\n\n{link}\n", paragraphs.join("\n\n"));
    let html = HtmlPart {
        paragraphs: paragraphs.clone(),
        link,
    }
    .render()
    .unwrap_or_default();
    Email {
        kind,
        recipient: recipient.to_string(),
        subject: subject.trim().to_string(),
        text,
        html: html.trim().to_string(),
    }
}

#[derive(Template)]
#[template(path = "invitation.txt", config = "src/notify/askama.toml")]
struct Invitation<'a> {
    ru: bool,
    role: &'a str,
    ttl_hours: i64,
}

/// A new user's set-password link.
pub fn invitation(
    head: &Letterhead,
    recipient: &str,
    role: &str,
    token: &str,
    ttl_hours: i64,
) -> Email {
    let link = head.link(&format!("/set-password?token={token}"));
    let ru = head.language == Language::Ru;
    let role = match (ru, role) {
        (true, "admin") => "администратор",
        (true, "analyst") => "аналитик",
        (true, "school") => "школа",
        (true, "college") => "колледж / вуз",
        (true, "enterprise") => "предприятие",
        (_, other) => other,
    };
    let message = Invitation {
        ru,
        role,
        ttl_hours,
    };
    compose("invitation", recipient, message.render(), &link)
}

/// What an institution is told when demand for a profession it trains is posted or changed.
pub struct DemandNews<'a> {
    pub enterprise: &'a str,
    pub profession_id: i64,
    pub profession_code: &'a str,
    pub profession_title: &'a str,
    pub year: i32,
    pub headcount: i32,
    /// `None` when posted; the headcount before when changed.
    pub changed_from: Option<(i32, i32)>,
}

#[derive(Template)]
#[template(path = "demand.txt", config = "src/notify/askama.toml")]
struct DemandMessage<'a, 'n> {
    ru: bool,
    n: &'a DemandNews<'n>,
}

pub fn demand(head: &Letterhead, recipient: &str, news: &DemandNews<'_>) -> Email {
    let link = head.link(&format!(
        "/api/v1/forecast/explain?profession_id={}&year={}",
        news.profession_id, news.year
    ));
    let message = DemandMessage {
        ru: head.language == Language::Ru,
        n: news,
    };
    compose("demand", recipient, message.render(), &link)
}

/// Cells of one profession that crossed into or out of shortage.
pub struct ShortageNews<'a> {
    pub profession_id: i64,
    pub profession_code: &'a str,
    pub profession_title: &'a str,
    /// `(year, gap, demand)` of each year now in shortage.
    pub entered: Vec<(i32, f64, f64)>,
    /// Years no longer in shortage.
    pub left: Vec<i32>,
    /// Years still in shortage, told before: a profession whose shortage
    /// has only eased is not told it is over.
    pub still: Vec<i32>,
}

#[derive(Template)]
#[template(path = "shortage.txt", config = "src/notify/askama.toml")]
struct ShortageMessage<'a, 'n> {
    ru: bool,
    n: &'a ShortageNews<'n>,
    left: String,
    still: String,
}

pub fn shortage(head: &Letterhead, recipient: &str, news: &ShortageNews<'_>) -> Email {
    let link = head.link(&format!(
        "/api/v1/forecast?profession_id={}",
        news.profession_id
    ));
    let years = |years: &[i32]| {
        years
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let message = ShortageMessage {
        ru: head.language == Language::Ru,
        n: news,
        left: years(&news.left),
        still: years(&news.still),
    };
    compose("shortage", recipient, message.render(), &link)
}

/// An event as its emails name it.
pub struct EventNews<'a> {
    pub event_id: i64,
    pub title: &'a str,
    pub starts_at: &'a str,
}

#[derive(Template)]
#[template(path = "registration.txt", config = "src/notify/askama.toml")]
struct Registration<'a, 'e> {
    ru: bool,
    event: &'a EventNews<'e>,
    school: &'a str,
    added: usize,
    of_school: i64,
    registered: i32,
    capacity: i32,
}

/// Registrations, to the registering school, one per batch: how many of
/// its pupils were registered now and are in all (never who), and the
/// protected total.
#[allow(clippy::too_many_arguments)]
pub fn registration(
    head: &Letterhead,
    recipient: &str,
    event: &EventNews<'_>,
    school: &str,
    added: usize,
    of_school: i64,
    registered: i32,
    capacity: i32,
) -> Email {
    let link = head.link(&format!("/api/v1/events/{}", event.event_id));
    let message = Registration {
        ru: head.language == Language::Ru,
        event,
        school,
        added,
        of_school,
        registered,
        capacity,
    };
    compose("registration", recipient, message.render(), &link)
}

#[derive(Template)]
#[template(path = "cancellation.txt", config = "src/notify/askama.toml")]
struct Cancellation<'a, 'e> {
    ru: bool,
    event: &'a EventNews<'e>,
    of_school: i64,
}

/// A cancellation, to a school with registered pupils.
pub fn cancellation(
    head: &Letterhead,
    recipient: &str,
    event: &EventNews<'_>,
    of_school: i64,
) -> Email {
    let link = head.link(&format!("/api/v1/events/{}", event.event_id));
    let message = Cancellation {
        ru: head.language == Language::Ru,
        event,
        of_school,
    };
    compose("cancellation", recipient, message.render(), &link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(language: Language) -> Letterhead {
        Letterhead {
            language,
            public_url: "https://kadry.example".into(),
        }
    }

    #[test]
    fn messages_link_to_what_happened_and_escape_html() {
        let news = DemandNews {
            enterprise: "«Красное Эхо» <glass>",
            profession_id: 7,
            profession_code: "18.02.05",
            profession_title: "Оператор",
            year: 2029,
            headcount: 40,
            changed_from: None,
        };
        let email = demand(&head(Language::Ru), "college@x.test", &news);
        assert!(email.subject.contains("40") && email.subject.contains("2029"));
        assert!(
            email.text.contains(
                "https://kadry.example/api/v1/forecast/explain?profession_id=7&year=2029"
            )
        );
        assert!(email.html.contains("&#60;glass&#62;") && !email.html.contains("<glass>"));
        let english = demand(&head(Language::En), "college@x.test", &news);
        assert!(english.subject.contains("needs 40"));
    }

    #[test]
    fn an_invitation_carries_its_single_use_link() {
        let email = invitation(&head(Language::En), "new@x.test", "analyst", "abc123", 72);
        assert!(
            email
                .text
                .contains("https://kadry.example/set-password?token=abc123")
        );
        assert_eq!(email.kind, "invitation");
        assert_eq!(email.subject, "Your kadry account");
        assert!(email.html.starts_with("<!DOCTYPE html>"));
        assert!(
            email
                .html
                .contains("<a href=\"https://kadry.example/set-password?token=abc123\">")
        );
    }

    #[test]
    fn a_shortage_names_each_year_with_its_numbers() {
        let news = ShortageNews {
            profession_id: 3,
            profession_code: "18.02.05",
            profession_title: "Стекло",
            entered: vec![(2030, 43.4, 100.0)],
            left: vec![2031, 2032],
            still: Vec::new(),
        };
        let email = shortage(&head(Language::Ru), "a@x.test", &news);
        assert_eq!(email.subject, "Дефицит кадров: Стекло (18.02.05)");
        assert!(
            email
                .text
                .contains("2030: дефицит 43 чел. при потребности 100 — подготовка покрывает 57 %."),
            "{}",
            email.text
        );
        assert!(email.text.contains("Больше не в дефиците: 2031, 2032."));
        assert_eq!(email.html.matches("<p>").count(), 4, "{}", email.html);
    }

    #[test]
    fn a_shortage_that_only_eased_is_not_told_as_over() {
        let mut news = ShortageNews {
            profession_id: 3,
            profession_code: "18.02.05",
            profession_title: "Стекло",
            entered: Vec::new(),
            left: vec![2031],
            still: vec![2030, 2032],
        };
        let email = shortage(&head(Language::Ru), "a@x.test", &news);
        assert_eq!(email.subject, "Дефицит сократился: Стекло (18.02.05)");
        assert!(
            email.text.contains("Дефицит сохраняется: 2030, 2032."),
            "{}",
            email.text
        );
        news.still.clear();
        let email = shortage(&head(Language::Ru), "a@x.test", &news);
        assert_eq!(email.subject, "Дефицит преодолён: Стекло (18.02.05)");
        assert!(!email.text.contains("сохраняется"));
        news.still = vec![2030];
        let email = shortage(&head(Language::En), "a@x.test", &news);
        assert_eq!(email.subject, "Shortage eased: Стекло (18.02.05)");
        assert!(
            email.text.contains("Still in shortage: 2030."),
            "{}",
            email.text
        );
    }
}

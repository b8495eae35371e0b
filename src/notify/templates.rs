//! The messages, in Russian (the default) or English, as text and HTML. No pupil's name or other personal data goes in.

use super::{Language, Letterhead};
use crate::domain::Email;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The same paragraphs as text and as HTML, with the link last.
fn compose(
    kind: &'static str,
    recipient: &str,
    subject: String,
    paragraphs: &[String],
    link: &str,
) -> Email {
    let text = format!("{}\n\n{link}\n", paragraphs.join("\n\n"));
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect();
    let html = format!(
        "<!DOCTYPE html><html><body>{body}<p><a href=\"{href}\">{label}</a></p></body></html>",
        href = escape(link),
        label = escape(link)
    );
    Email {
        kind,
        recipient: recipient.to_string(),
        subject,
        text,
        html,
    }
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
    let (subject, paragraphs) = match head.language {
        Language::Ru => (
            "Приглашение в kadry".to_string(),
            vec![
                format!("Для вас создана учётная запись в kadry (роль: {role})."),
                format!(
                    "Задайте пароль по ссылке ниже в течение {ttl_hours} ч. Ссылка одноразовая; \
                     в API её токен передаётся в POST /api/v1/auth/set-password."
                ),
            ],
        ),
        Language::En => (
            "Your kadry account".to_string(),
            vec![
                format!("An account has been created for you in kadry (role: {role})."),
                format!(
                    "Set your password with the link below within {ttl_hours} hours. The link works once; \
                     its token goes to POST /api/v1/auth/set-password."
                ),
            ],
        ),
    };
    compose("invitation", recipient, subject, &paragraphs, &link)
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

pub fn demand(head: &Letterhead, recipient: &str, news: &DemandNews<'_>) -> Email {
    let link = head.link(&format!(
        "/api/v1/forecast/explain?profession_id={}&year={}",
        news.profession_id, news.year
    ));
    let profession = format!("{} ({})", news.profession_title, news.profession_code);
    let (subject, mut paragraphs) = match head.language {
        Language::Ru => (
            format!(
                "{}: нужно {} — {} чел. в {} году",
                news.enterprise, news.profession_title, news.headcount, news.year
            ),
            vec![format!(
                "{} сообщает о потребности в кадрах по профессии, которой обучает ваша организация: {profession}, {} чел. в {} году.",
                news.enterprise, news.headcount, news.year
            )],
        ),
        Language::En => (
            format!(
                "{} needs {} × {} in {}",
                news.enterprise, news.headcount, news.profession_title, news.year
            ),
            vec![format!(
                "{} has posted demand for a profession your institution trains: {profession}, {} workers in {}.",
                news.enterprise, news.headcount, news.year
            )],
        ),
    };
    if let Some((year, headcount)) = news.changed_from {
        paragraphs.push(match head.language {
            Language::Ru => format!("Ранее было указано: {headcount} чел. в {year} году."),
            Language::En => format!("It was {headcount} workers in {year} before."),
        });
    }
    paragraphs.push(match head.language {
        Language::Ru => "Как это сказывается на дефиците кадров, показывает прогноз:".into(),
        Language::En => "How this changes the staffing gap is in the forecast:".into(),
    });
    compose("demand", recipient, subject, &paragraphs, &link)
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
}

pub fn shortage(head: &Letterhead, recipient: &str, news: &ShortageNews<'_>) -> Email {
    let link = head.link(&format!(
        "/api/v1/forecast?profession_id={}",
        news.profession_id
    ));
    let profession = format!("{} ({})", news.profession_title, news.profession_code);
    let mut paragraphs = Vec::new();
    for (year, gap, demand) in &news.entered {
        paragraphs.push(match head.language {
            Language::Ru => format!(
                "{year}: дефицит {gap:.0} чел. при потребности {demand:.0} — подготовка покрывает {:.0} %.",
                100.0 * (demand - gap) / demand
            ),
            Language::En => format!(
                "{year}: a shortage of {gap:.0} against a demand of {demand:.0}; training covers {:.0} %.",
                100.0 * (demand - gap) / demand
            ),
        });
    }
    if !news.left.is_empty() {
        let years: Vec<String> = news.left.iter().map(ToString::to_string).collect();
        paragraphs.push(match head.language {
            Language::Ru => format!("Больше не в дефиците: {}.", years.join(", ")),
            Language::En => format!("No longer in shortage: {}.", years.join(", ")),
        });
    }
    let subject = match (head.language, news.entered.is_empty()) {
        (Language::Ru, false) => format!("Дефицит кадров: {profession}"),
        (Language::Ru, true) => format!("Дефицит преодолён: {profession}"),
        (Language::En, false) => format!("Staffing shortage: {profession}"),
        (Language::En, true) => format!("Shortage over: {profession}"),
    };
    let lead = match head.language {
        Language::Ru => format!(
            "Прогноз kadry по профессии {profession} изменился (дефицит — разрыв не меньше 10 чел. и 20 % потребности)."
        ),
        Language::En => format!(
            "kadry's forecast for {profession} has changed (a shortage is a gap of at least 10 workers and 20 % of demand)."
        ),
    };
    paragraphs.insert(0, lead);
    compose("shortage", recipient, subject, &paragraphs, &link)
}

/// An event as its emails name it.
pub struct EventNews<'a> {
    pub event_id: i64,
    pub title: &'a str,
    pub starts_at: &'a str,
}

/// A registration, to the registering school: how many of its pupils are
/// registered (never who), and the protected total.
pub fn registration(
    head: &Letterhead,
    recipient: &str,
    event: &EventNews<'_>,
    school: &str,
    of_school: i64,
    registered: i32,
    capacity: i32,
) -> Email {
    let link = head.link(&format!("/api/v1/events/{}", event.event_id));
    let (subject, paragraphs) = match head.language {
        Language::Ru => (
            format!("Запись на «{}»", event.title),
            vec![
                format!(
                    "{school} записала ученика на мероприятие «{}» ({}).",
                    event.title, event.starts_at
                ),
                format!(
                    "От вашей школы записано: {of_school}. Всего записано около {registered} из {capacity} (число других школ округлено до 5)."
                ),
            ],
        ),
        Language::En => (
            format!("Registration for \"{}\"", event.title),
            vec![
                format!(
                    "{school} has registered a pupil for \"{}\" ({}).",
                    event.title, event.starts_at
                ),
                format!(
                    "From your school: {of_school}. Registered in all: about {registered} of {capacity} (other schools' numbers rounded to 5)."
                ),
            ],
        ),
    };
    compose("registration", recipient, subject, &paragraphs, &link)
}

/// A cancellation, to a school with registered pupils.
pub fn cancellation(
    head: &Letterhead,
    recipient: &str,
    event: &EventNews<'_>,
    of_school: i64,
) -> Email {
    let link = head.link(&format!("/api/v1/events/{}", event.event_id));
    let (subject, paragraphs) = match head.language {
        Language::Ru => (
            format!("Мероприятие «{}» отменено", event.title),
            vec![format!(
                "Организатор отменил мероприятие «{}» ({}). От вашей школы было записано учеников: {of_school}.",
                event.title, event.starts_at
            )],
        ),
        Language::En => (
            format!("\"{}\" is cancelled", event.title),
            vec![format!(
                "The organizer has cancelled \"{}\" ({}). Pupils of your school registered: {of_school}.",
                event.title, event.starts_at
            )],
        ),
    };
    compose("cancellation", recipient, subject, &paragraphs, &link)
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
        assert!(email.html.contains("&lt;glass&gt;") && !email.html.contains("<glass>"));
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
    }
}

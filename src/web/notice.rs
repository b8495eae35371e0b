//! What a save did, said at the top of the page it leads to: a successful
//! POST redirects with `?saved=1` (or another word below), and the page
//! says so in the viewer's language.

use crate::domain::Language;

/// The notice a page's query asks for, if any.
pub fn of_query(query: &str, lang: Language) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.iter().find_map(|(key, value)| {
        let text = match key.as_str() {
            "saved" => lang.tr("Сохранено.", "Saved."),
            "deleted" => lang.tr("Удалено.", "Deleted."),
            "withdrawn" => lang.tr("Запись отменена.", "The registration is withdrawn."),
            "attendance" => lang.tr("Посещаемость сохранена.", "Attendance saved."),
            "cancelled" => lang.tr("Событие отменено.", "The event is cancelled."),
            "invited" => lang.tr(
                "Приглашение создано: письмо со ссылкой для установки пароля — в разделе «Письма».",
                "Invitation created: the email with the link to set a password is under Emails.",
            ),
            "retried" => lang.tr(
                "Письмо снова поставлено в очередь.",
                "The email is queued again.",
            ),
            "registered" => {
                let n: u32 = value.parse().ok()?;
                return Some(format!(
                    "{}: {n}.",
                    lang.tr("Сохранено. Записано учеников", "Saved. Pupils registered")
                ));
            }
            _ => return None,
        };
        Some(text.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_is_said_in_the_pages_language() {
        assert_eq!(
            of_query("saved=1", Language::Ru).as_deref(),
            Some("Сохранено.")
        );
        assert_eq!(
            of_query("lang=en&saved=1", Language::En).as_deref(),
            Some("Saved.")
        );
        assert_eq!(
            of_query("registered=12", Language::Ru).as_deref(),
            Some("Сохранено. Записано учеников: 12.")
        );
        assert_eq!(of_query("registered=x", Language::Ru), None);
        assert_eq!(of_query("page=2", Language::Ru), None);
        assert_eq!(of_query("", Language::Ru), None);
    }
}

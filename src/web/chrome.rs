//! The frame every page shares (`Chrome`: language, user, navigation,
//! number formats).

use crate::auth::AuthUser;
use crate::auth::policy::{Action, allows};
use crate::domain::{Language, Zone};
use crate::domain::{OutboxStatus, Role};

/// What every page's frame needs: language, user, CSRF token, title.
pub struct Chrome {
    pub lang: Language,
    pub user: Option<AuthUser>,
    pub csrf: String,
    pub title: String,
    pub path: String,
    /// The region's local time, for every time a page shows.
    pub zone: Zone,
    /// What the last save did ("Сохранено."), shown at the top of the page.
    pub notice: Option<String>,
}

impl Chrome {
    /// The frame of a page shown to someone not signed in.
    pub fn anonymous(lang: Language, title: &str, path: &str) -> Self {
        Self {
            lang,
            user: None,
            csrf: String::new(),
            title: title.to_string(),
            path: path.to_string(),
            zone: Zone::default(),
            notice: None,
        }
    }

    pub fn tr<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        self.lang.tr(ru, en)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The same page in the other language.
    pub fn other_lang(&self) -> (String, &'static str) {
        match self.lang {
            Language::Ru => (format!("{}?lang=en", self.path), "English"),
            Language::En => (format!("{}?lang=ru", self.path), "Русский"),
        }
    }

    /// A whole number (of people), in the page's format.
    pub fn n0(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 0)
    }

    /// A number with two decimals, in the page's format.
    pub fn n2(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 2)
    }

    /// `part` as a whole percentage of `whole` ("45 %"), or "" when `whole` is 0.
    pub fn percent(&self, part: impl Numeric, whole: impl Numeric) -> String {
        let whole = whole.value();
        if whole <= 0.0 {
            return String::new();
        }
        format!(
            "{}\u{a0}%",
            self.lang.number(100.0 * part.value() / whole, 0)
        )
    }

    /// A count, in the page's format.
    pub fn int(&self, x: impl Numeric) -> String {
        self.lang.number(x.value(), 0)
    }

    /// An RFC 3339 instant in the region's local time, written the page's
    /// way ("18 марта 2027, 12:00").
    pub fn when(&self, rfc3339: &str) -> String {
        self.zone.written_rfc3339(rfc3339, self.lang)
    }

    /// A field's path (`intakes[2].seats`) as the page names it.
    pub fn field_name(&self, path: &str) -> String {
        super::wording::field(path, self.lang)
    }

    /// A stored UTC time in the region's local time, written the page's way.
    pub fn when_naive(&self, at: &chrono::NaiveDateTime) -> String {
        self.zone.written(at.and_utc(), self.lang)
    }

    /// The local time's offset, for labels ("UTC+3").
    pub fn zone_label(&self) -> String {
        self.zone.label()
    }

    pub fn role(&self) -> Option<Role> {
        self.user.map(|u| u.role)
    }

    pub fn role_name(&self) -> &'static str {
        self.role().map_or("", |role| role_label(role, self.lang))
    }

    /// A role as the page names it.
    pub fn role_label(&self, role: &Role) -> &'static str {
        role_label(*role, self.lang)
    }

    /// An email's state as the page names it.
    pub fn outbox_status(&self, status: &OutboxStatus) -> &'static str {
        match status {
            OutboxStatus::Pending => self.tr("в очереди", "pending"),
            OutboxStatus::Sending => self.tr("отправляется", "sending"),
            OutboxStatus::Sent => self.tr("отправлено", "sent"),
            OutboxStatus::Failed => self.tr("не отправлено", "failed"),
        }
    }

    /// The links of the user's role, in order: each shown only where the
    /// policy lets the role use the page.
    pub fn nav(&self) -> Vec<(&'static str, &'static str)> {
        let Some(user) = self.user else {
            return Vec::new();
        };
        let may = |action| allows(&user, action);
        let l = self.lang;
        let mut links = vec![("/forecast", l.tr("Прогноз", "Forecast"))];
        if may(Action::RunScenarios) {
            links.push(("/scenario", l.tr("Сценарий", "Scenario")));
            links.push(("/plans/seats", l.tr("План мест", "Seat plan")));
        }
        links.push(("/programs", l.tr("Программы", "Programs")));
        if may(Action::SeeDemandRecords) {
            links.push(("/demand", l.tr("Потребность", "Demand")));
        }
        if may(Action::SeePupilRecords) {
            links.push(("/pupils", l.tr("Ученики", "Pupils")));
            links.push(("/pupils/import", l.tr("Загрузка списка", "Roster upload")));
            links.push(("/younger-pupils", l.tr("1–4 классы", "Grades 1-4")));
        }
        links.push(("/guidance", l.tr("Профориентация", "Guidance")));
        links.push(("/events", l.tr("События", "Events")));
        if may(Action::ManageUsers) {
            links.push(("/admin/organizations", l.tr("Организации", "Organizations")));
            links.push(("/admin/users", l.tr("Пользователи", "Users")));
            links.push(("/admin/notifications", l.tr("Письма", "Emails")));
        }
        links.push(("/api/docs", "API"));
        links
    }

    /// Whether the user may read what the forecast rests on (`/forecast/evidence`).
    pub fn may_read_evidence(&self) -> bool {
        self.user
            .is_some_and(|user| allows(&user, Action::ReadEvidence))
    }

    pub fn is_current(&self, href: &str) -> bool {
        self.path == href
    }
}

/// A role's name in the language of a page.
pub fn role_label(role: Role, lang: Language) -> &'static str {
    match role {
        Role::Admin => lang.tr("администратор", "admin"),
        Role::Analyst => lang.tr("аналитик", "analyst"),
        Role::School => lang.tr("школа", "school"),
        Role::College => lang.tr("колледж / вуз", "college"),
        Role::Enterprise => lang.tr("предприятие", "enterprise"),
    }
}

/// A number a template may format, given by value or by reference.
pub trait Numeric {
    fn value(&self) -> f64;
}

impl Numeric for f64 {
    fn value(&self) -> f64 {
        *self
    }
}

impl Numeric for i32 {
    fn value(&self) -> f64 {
        f64::from(*self)
    }
}

impl Numeric for i64 {
    fn value(&self) -> f64 {
        *self as f64
    }
}

impl<T: Numeric> Numeric for &T {
    fn value(&self) -> f64 {
        (**self).value()
    }
}

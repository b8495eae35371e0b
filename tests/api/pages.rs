//! A signed-in visitor of the pages over plain HTTP (cookies and CSRF by
//! hand, redirects not followed), and a small region to visit.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp, World, unique};

pub struct Visitor {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

/// A page's answer: status, headers and the HTML.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    async fn of(response: Response) -> Self {
        Self {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Whether the field `id` is marked invalid on the page.
    pub fn marks(&self, id: &str) -> bool {
        let needle = format!("id=\"{id}\"");
        self.body.match_indices(&needle).any(|(at, _)| {
            let tag_end = self.body[at..]
                .find('>')
                .map_or(self.body.len(), |e| at + e);
            self.body[at..tag_end].contains("aria-invalid=\"true\"")
        })
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// The value of the cookie `name` set by a response, if any.
pub fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(SET_COOKIE).iter().find_map(|value| {
        let text = value.to_str().ok()?;
        let (pair, _) = text.split_once(';').unwrap_or((text, ""));
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim().to_string())
    })
}

/// The first CSRF token on a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')? + at;
    Some(html[at..end].to_string())
}

/// Posts the sign-in form.
pub async fn post_login(app: &TestApp, email: &str, password: &str) -> Answer {
    let response = client()
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("the sign-in form answers");
    Answer::of(response).await
}

impl Visitor {
    pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Visitor {
        let answer = post_login(app, email, password).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            answer.body
        );
        let cookie = set_cookie(&answer.headers, "kadry_session").expect("a session cookie");
        let mut visitor = Visitor {
            base: app.address.clone(),
            client: client(),
            cookie,
            csrf: String::new(),
        };
        let home = visitor.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        visitor.csrf = csrf_of(&home.body).expect("a CSRF token on the home page");
        visitor
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("kadry_session={}", self.cookie));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::of(request.send().await.expect("the page answers")).await
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    /// Posts exactly these fields and headers.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("kadry_session={}", self.cookie))
            .form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::of(request.send().await.expect("the form answers")).await
    }
}

/// A user of `role` in `organization` (none for analysts), by email.
pub async fn user_in(app: &TestApp, admin: &str, role: &str, organization: Option<i64>) -> String {
    let email = format!("{}@kadry.test", unique(role));
    app.create(
        "/api/v1/users",
        admin,
        json!({"email": email, "role": role, "organization_id": organization, "password": PASSWORD}),
    )
    .await;
    email
}

/// The World with a user per role to sign in as, and one record of each kind.
pub struct Region {
    pub w: World,
    /// Email by name: admin, analyst, school_a, school_b, college_a, college_b, enterprise_a, enterprise_b.
    pub emails: HashMap<&'static str, String>,
    pub program_a: i64,
    pub program_b: i64,
    pub pupil_a: i64,
    pub pupil_b: i64,
    pub demand_a: i64,
    pub event_a: i64,
}

impl Region {
    pub async fn build(app: &TestApp) -> Region {
        let w = World::build(app).await;
        let mut emails = HashMap::new();
        emails.insert("admin", ADMIN_EMAIL.to_string());
        emails.insert("analyst", user_in(app, &w.admin, "analyst", None).await);
        for (name, role, org) in [
            ("school_a", "school", w.school_a.0),
            ("school_b", "school", w.school_b.0),
            ("college_a", "college", w.college_a.0),
            ("college_b", "college", w.college_b.0),
            ("enterprise_a", "enterprise", w.enterprise_a.0),
            ("enterprise_b", "enterprise", w.enterprise_b.0),
        ] {
            emails.insert(name, user_in(app, &w.admin, role, Some(org)).await);
        }
        let program = |institution: i64, title: &str| {
            json!({"institution_id": institution, "specialty_code": "15.01.32", "title": title,
                   "entry_grade": 9, "duration_months": 34, "completion_rate": 0.85,
                   "professions": [{"profession_id": w.cnc_operator, "share": 1.0}]})
        };
        let program_a = app
            .create(
                "/api/v1/programs",
                &w.admin,
                program(w.college_a.0, "Оператор станков с ЧПУ"),
            )
            .await;
        let program_b = app
            .create(
                "/api/v1/programs",
                &w.admin,
                program(w.college_b.0, "Наладчик станков"),
            )
            .await;
        for (program, year) in [(program_a, 2025), (program_a, 2026), (program_b, 2026)] {
            let response = app
                .put_json(
                    &format!("/api/v1/programs/{program}/intakes/{year}"),
                    &w.admin,
                    &json!({"seats": 25, "targeted_seats": 5}),
                )
                .await;
            assert!(response.status().is_success());
        }
        let pupil = |school: i64, reference: &str| {
            json!({"school_id": school, "external_ref": reference, "grade": 8, "academic_year": 2026,
                   "consent": true, "interests": [{"profession_id": w.cnc_operator, "weight": 1}]})
        };
        let pupil_a = app
            .create("/api/v1/pupils", &w.admin, pupil(w.school_a.0, "8А-01"))
            .await;
        let pupil_b = app
            .create("/api/v1/pupils", &w.admin, pupil(w.school_b.0, "8Б-01"))
            .await;
        let demand_a = app
            .create(
                "/api/v1/demand",
                &w.admin,
                json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.cnc_operator, "year": 2029, "headcount": 1234}),
            )
            .await;
        let event_a = app
            .create(
                "/api/v1/events",
                &w.admin,
                json!({"organizer_id": w.college_a.0, "title": "День открытых дверей", "kind": "open_day",
                       "starts_at": "2027-03-01T10:00:00Z", "capacity": 30, "min_grade": 7, "hours": 4}),
            )
            .await;
        Region {
            w,
            emails,
            program_a,
            program_b,
            pupil_a,
            pupil_b,
            demand_a,
            event_a,
        }
    }

    pub async fn visitor(&self, app: &TestApp, who: &str) -> Visitor {
        let password = if who == "admin" {
            ADMIN_PASSWORD
        } else {
            PASSWORD
        };
        Visitor::sign_in(app, &self.emails[who], password).await
    }
}

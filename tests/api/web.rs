//! The pages over plain HTTP: who may open what, the 404 page for another
//! organisation's record, CSRF and origin checks, bad input shown back,
//! sessions, throttling, languages, downloads and the API reference.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};
use crate::pages::{Region, Visitor, client, post_login, set_cookie, user_in};

const OK: u16 = 200;
const NO: u16 = 403;

/// Every page of the contract, with the status each role gets.
fn pages(r: &Region) -> Vec<(String, [u16; 5])> {
    let cnc = r.w.cnc_operator;
    //                                                                   admin analyst school college enterprise
    vec![
        ("/".into(), [OK, OK, OK, OK, OK]),
        ("/forecast".into(), [OK, OK, OK, OK, OK]),
        (format!("/forecast/professions/{cnc}"), [OK, OK, OK, OK, OK]),
        (
            format!("/forecast/explain?profession_id={cnc}&year=2029"),
            [OK, OK, OK, OK, OK],
        ),
        ("/forecast.csv".into(), [OK, OK, OK, OK, OK]),
        ("/forecast.xlsx".into(), [OK, OK, OK, OK, OK]),
        ("/forecast/evidence".into(), [OK, OK, NO, NO, NO]),
        ("/scenario".into(), [OK, OK, NO, NO, NO]),
        ("/plans/seats".into(), [OK, OK, NO, NO, NO]),
        ("/programs".into(), [OK, OK, OK, OK, OK]),
        (format!("/programs/{}", r.program_a), [OK, OK, OK, OK, OK]),
        ("/demand".into(), [OK, OK, NO, NO, OK]),
        ("/pupils".into(), [OK, NO, OK, NO, NO]),
        (format!("/pupils/{}", r.pupil_a), [OK, NO, OK, NO, NO]),
        ("/pupils/import".into(), [OK, NO, OK, NO, NO]),
        ("/younger-pupils".into(), [OK, NO, OK, NO, NO]),
        ("/guidance".into(), [OK, OK, OK, OK, OK]),
        ("/events".into(), [OK, OK, OK, OK, OK]),
        (format!("/events/{}", r.event_a), [OK, OK, OK, OK, OK]),
        ("/admin/organizations".into(), [OK, NO, NO, NO, NO]),
        ("/admin/users".into(), [OK, NO, NO, NO, NO]),
        ("/admin/notifications".into(), [OK, NO, NO, NO, NO]),
    ]
}

const ROLES: [&str; 5] = ["admin", "analyst", "school_a", "college_a", "enterprise_a"];

fn assert_safe_headers(path: &str, headers: &reqwest::header::HeaderMap) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
        "{path}: {csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    assert_eq!(headers["x-frame-options"], "DENY", "{path}");
}

#[tokio::test]
async fn every_page_answers_each_role_as_its_policy_says_with_safe_headers_and_nothing_from_elsewhere()
 {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let anonymous = client();
    for (path, expected) in pages(&r) {
        let response = anonymous.get(app.url(&path)).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{path} without a session"
        );
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/login?next=%2F") || location.starts_with("/login?next=/"),
            "{path}: {location}"
        );
        for (i, who) in ROLES.iter().enumerate() {
            let visitor = r.visitor(&app, who).await;
            let answer = visitor.get(&path).await;
            assert_eq!(
                answer.status.as_u16(),
                expected[i],
                "{who} on {path}: {}",
                answer.body
            );
            assert_safe_headers(&path, &answer.headers);
            let content_type = answer.headers["content-type"].to_str().unwrap().to_string();
            if content_type.starts_with("text/html") {
                assert!(
                    answer.body.contains("<html lang=\"ru\">"),
                    "{who} on {path}"
                );
                for outside in [
                    "src=\"http",
                    "href=\"http",
                    "src=\"//",
                    "href=\"//",
                    "url(http",
                ] {
                    assert!(
                        !answer.body.contains(outside),
                        "{who} on {path} loads from elsewhere: {outside}"
                    );
                }
            }
            if answer.status == StatusCode::FORBIDDEN {
                assert!(
                    answer.body.contains("Нет доступа"),
                    "{who} on {path}: the 403 page"
                );
            }
        }
    }
}

#[tokio::test]
async fn each_role_sees_its_own_navigation() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let expectations: [(&str, &[&str], &[&str]); 5] = [
        (
            "admin",
            &["/admin/users", "/scenario", "/pupils", "/demand"],
            &[],
        ),
        (
            "analyst",
            &["/scenario", "/plans/seats", "/demand"],
            &["/pupils\"", "/admin/users"],
        ),
        (
            "school_a",
            &["/pupils", "/pupils/import", "/younger-pupils", "/guidance"],
            &["/scenario", "/demand", "/admin/users"],
        ),
        (
            "college_a",
            &["/programs", "/events"],
            &["/pupils\"", "/demand", "/scenario"],
        ),
        (
            "enterprise_a",
            &["/demand", "/forecast"],
            &["/pupils\"", "/scenario", "/admin/users"],
        ),
    ];
    for (who, present, absent) in expectations {
        let home = r.visitor(&app, who).await.get("/").await;
        let nav_start = home.body.find("<nav").expect("a navigation");
        let nav = &home.body[nav_start..home.body[nav_start..].find("</nav>").unwrap() + nav_start];
        for link in present {
            assert!(
                nav.contains(&format!("href=\"{link}")),
                "{who} misses {link}"
            );
        }
        for link in absent {
            assert!(
                !nav.contains(&format!("href=\"{link}")),
                "{who} sees {link}"
            );
        }
    }
}

#[tokio::test]
async fn another_organisations_record_is_the_404_page_and_stays_as_it_was() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let school = r.visitor(&app, "school_a").await;
    for path in [
        format!("/pupils/{}", r.pupil_b),
        "/pupils/999999".to_string(),
        "/pupils/x".to_string(),
    ] {
        let answer = school.get(&path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.body.contains("Не найдено"), "{}", answer.body);
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let answer = school
        .post(&format!("/pupils/{}/delete", r.pupil_b), &[])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/pupils/{}", r.pupil_b), &r.w.admin)
            .await
            .status(),
        StatusCode::OK
    );

    let college = r.visitor(&app, "college_a").await;
    let other = college.get(&format!("/programs/{}", r.program_b)).await;
    assert_eq!(other.status, StatusCode::OK, "programs are catalogue data");
    assert!(
        !other.body.contains("id=\"intake-form\""),
        "no form on another college's program"
    );
    let own = college.get(&format!("/programs/{}", r.program_a)).await;
    assert!(own.body.contains("id=\"intake-form\""));
    let answer = college
        .post(
            &format!("/programs/{}/intakes", r.program_b),
            &[("year", "2027"), ("seats", "99"), ("targeted_seats", "0")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let intakes = app
        .get_json(
            &format!("/api/v1/programs/{}/intakes", r.program_b),
            &r.w.admin,
        )
        .await;
    assert!(!intakes.to_string().contains("99"), "{intakes}");

    let plant = r.visitor(&app, "enterprise_b").await;
    let answer = plant
        .post(&format!("/demand/{}/delete", r.demand_a), &[])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/demand/{}", r.demand_a), &r.w.admin)
            .await
            .status(),
        StatusCode::OK
    );

    let unknown = school.get("/no/such/page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("Не найдено"));
    let api = app.get("/api/v1/no-such-thing", &r.w.admin).await;
    assert_eq!(api.headers()["content-type"], "application/problem+json");
}

async fn demand_count(app: &TestApp, admin: &str) -> i64 {
    app.get_json("/api/v1/demand", admin).await["total"]
        .as_i64()
        .unwrap()
}

/// `demand_count` right after the database came back: each pooled
/// connection that PostgreSQL cut answers one 503 before it is replaced
/// (the pool does not test connections on checkout), so it asks again.
async fn demand_count_once_back(app: &TestApp, admin: &str) -> i64 {
    for _ in 0..20 {
        let response = app.get("/api/v1/demand", admin).await;
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        }
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        return body["total"].as_i64().unwrap();
    }
    panic!("the database did not come back");
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_or_from_another_origin_is_refused_and_changes_nothing()
 {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let plant = r.visitor(&app, "enterprise_a").await;
    let before = demand_count(&app, &r.w.admin).await;
    let cnc = r.w.cnc_operator.to_string();
    let fields = [
        ("profession_id", cnc.as_str()),
        ("year", "2031"),
        ("headcount", "7"),
    ];
    let other = r.visitor(&app, "enterprise_b").await;
    type Pairs<'a> = Vec<(&'a str, &'a str)>;
    let attempts: Vec<(&str, Pairs, Pairs)> = vec![
        ("no token", fields.to_vec(), vec![]),
        (
            "a wrong token",
            [&[("csrf", "0000")][..], &fields].concat(),
            vec![],
        ),
        (
            "another session's token",
            [&[("csrf", other.csrf.as_str())][..], &fields].concat(),
            vec![],
        ),
        (
            "another origin",
            [&[("csrf", plant.csrf.as_str())][..], &fields].concat(),
            vec![("origin", "http://evil.example")],
        ),
        (
            "another origin that forwarded headers vouch for",
            [&[("csrf", plant.csrf.as_str())][..], &fields].concat(),
            vec![
                ("origin", "http://evil.example"),
                ("x-forwarded-host", "evil.example"),
                ("forwarded", "host=evil.example;proto=http"),
            ],
        ),
    ];
    for (what, form, headers) in attempts {
        let answer = plant.post_raw("/demand", &form, &headers).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
        assert!(answer.body.contains("Запрос отклонён"), "{what}");
        assert_eq!(
            demand_count(&app, &r.w.admin).await,
            before,
            "{what} changed nothing"
        );
    }
    let own_origin = app.address.clone();
    let form = [&[("csrf", plant.csrf.as_str())][..], &fields].concat();
    let answer = plant
        .post_raw("/demand", &form, &[("origin", own_origin.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(demand_count(&app, &r.w.admin).await, before + 1);

    let answer = plant.post_raw("/logout", &[], &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "signing out needs the token too"
    );
    assert_eq!(
        plant.get("/demand").await.status,
        StatusCode::OK,
        "the session lives on"
    );
}

#[tokio::test]
async fn bad_form_input_is_shown_again_with_every_bad_field_marked_and_the_input_kept() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let college = r.visitor(&app, "college_a").await;
    let programs_before = app.get_json("/api/v1/programs", &r.w.admin).await["total"].clone();
    let answer = college
        .post(
            "/programs",
            &[
                ("specialty_code", "15.01.32"),
                ("title", "Новая"),
                ("entry_grade", "abc"),
                ("duration_months", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.marks("entry_grade") && answer.marks("duration_months"),
        "{}",
        answer.body
    );
    assert!(!answer.marks("title"));
    assert!(answer.body.contains("value=\"abc\""), "the input is kept");
    let cnc = r.w.cnc_operator.to_string();
    let answer = college
        .post(
            "/programs",
            &[
                ("specialty_code", "15.01.32"),
                ("title", ""),
                ("entry_grade", "10"),
                ("duration_months", "34"),
                ("professions[0].profession_id", &cnc),
                ("professions[0].share", "1.5"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title", "entry_grade"] {
        assert!(answer.marks(field), "{field} is marked: {}", answer.body);
    }
    assert!(!answer.marks("duration_months"));
    let answer = college
        .post(
            "/programs",
            &[
                ("specialty_code", "15.01.32"),
                ("title", "Новая"),
                ("entry_grade", "9"),
                ("duration_months", "34"),
                ("professions[0].profession_id", &cnc),
                ("professions[0].share", "1.5"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.marks("professions[0].share"),
        "a nested field is marked: {}",
        answer.body
    );
    assert!(answer.body.contains("value=\"1.5\""));
    assert_eq!(
        app.get_json("/api/v1/programs", &r.w.admin).await["total"],
        programs_before
    );

    let plant = r.visitor(&app, "enterprise_a").await;
    let before = demand_count(&app, &r.w.admin).await;
    let answer = plant
        .post(
            "/demand",
            &[
                ("profession_id", &cnc),
                ("year", "1990"),
                ("headcount", "-5"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.marks("year") && answer.marks("headcount"),
        "{}",
        answer.body
    );
    assert_eq!(demand_count(&app, &r.w.admin).await, before);

    let analyst = r.visitor(&app, "analyst").await;
    let scenario = analyst.get("/scenario").await;
    let mut form: Vec<(String, String)> = Vec::new();
    for name in [
        "after_grade_9_share",
        "continue_to_grade_10_share",
        "after_grade_11_share",
        "annual_dropout_rate",
        "retention_rate",
        "targeted_retention_rate",
    ] {
        form.push((format!("parameters.{name}"), "0.5".into()));
        form.push((format!("parameters.bounds.{name}.low"), "0".into()));
        form.push((format!("parameters.bounds.{name}.high"), "1".into()));
    }
    form.retain(|(k, _)| k != "parameters.retention_rate");
    form.push(("parameters.retention_rate".into(), "1.5".into()));
    form.push(("from".into(), "2030".into()));
    form.push(("to".into(), "2028".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(scenario.status, StatusCode::OK);
    let answer = analyst.post("/scenario", &pairs).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(
        answer.marks("parameters.retention_rate") || answer.marks("to"),
        "{}",
        answer.body
    );

    let answer = analyst
        .post(
            "/plans/seats",
            &[
                ("year", "2027"),
                ("from", "2028"),
                ("to", "2035"),
                ("budget", "0"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.marks("budget"), "{}", answer.body);

    let answer = analyst.get("/forecast?from=abc").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.marks("from"));
    let answer = analyst.get("/forecast?from=2030&to=2020").await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.marks("to"), "{}", answer.body);
}

#[tokio::test]
async fn a_session_ends_on_sign_out_and_when_an_admin_disables_the_user() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let answer = post_login(&app, &r.emails["school_a"], PASSWORD).await;
    let raw = answer.headers["set-cookie"].to_str().unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(raw.contains(flag), "{raw}");
    }
    assert!(!raw.contains("Secure"), "plain http here: {raw}");

    let school = r.visitor(&app, "school_a").await;
    assert_eq!(school.get("/pupils").await.status, StatusCode::OK);
    let answer = school.post("/logout", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login");
    for path in ["/pupils", "/", "/forecast"] {
        let after = school.get(path).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "{path} after sign-out");
        assert!(after.location().starts_with("/login"));
    }
    assert_eq!(
        school
            .post("/pupils", &[("external_ref", "x")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let plant = r.visitor(&app, "enterprise_a").await;
    let users = app
        .get_json("/api/v1/users?role=enterprise", &r.w.admin)
        .await;
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == r.emails["enterprise_a"].as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let response = app
        .patch_json(
            &format!("/api/v1/users/{id}"),
            &r.w.admin,
            &serde_json::json!({"disabled": true}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        plant.get("/demand").await.status,
        StatusCode::SEE_OTHER,
        "revoked at once"
    );

    let wrong = post_login(&app, &r.emails["college_a"], "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Неверная почта или пароль"));
    assert!(set_cookie(&wrong.headers, "kadry_session").is_none());

    let away = client()
        .post(app.url("/login"))
        .form(&[
            ("email", r.emails["college_a"].as_str()),
            ("password", PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        away.headers()["location"],
        "/",
        "never sent to another site"
    );
}

#[tokio::test]
async fn signing_in_on_the_page_is_throttled_as_the_api_is() {
    let app = spawn_app_with(crate::helpers::TestDatabase::new(), |s| {
        s.auth.login_throttle.max_failures = 3;
    })
    .await;
    let r = Region::build(&app).await;
    let email = &r.emails["school_a"];
    for _ in 0..3 {
        assert_eq!(
            post_login(&app, email, "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let refused = post_login(&app, email, PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.contains_key("retry-after"));
    assert!(refused.body.contains("Слишком много попыток"));
    let api = app.login(email, PASSWORD).await;
    assert_eq!(
        api.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the same count as the API's"
    );
}

#[tokio::test]
async fn pages_are_russian_with_russian_numbers_and_english_when_asked() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let plant = r.visitor(&app, "enterprise_a").await;
    let russian = plant.get("/demand").await;
    assert!(russian.body.contains("<html lang=\"ru\">"));
    assert!(
        russian.body.contains(">1\u{a0}234<"),
        "Russian thousands: {}",
        russian.body
    );
    assert!(russian.body.contains("Потребность в работниках"));

    let english = plant.get("/demand?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains(">1,234<"));
    assert!(english.body.contains("Demand for workers"));
    assert_eq!(
        set_cookie(&english.headers, "kadry_lang").as_deref(),
        Some("en")
    );
    let remembered = client()
        .get(app.url("/demand"))
        .header(
            "cookie",
            format!("kadry_session={}; kadry_lang=en", plant.cookie),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        remembered.contains("<html lang=\"en\">"),
        "the cookie remembers"
    );
    let accepted = plant
        .get_with("/demand", &[("accept-language", "en-GB,en;q=0.9")])
        .await;
    assert!(accepted.body.contains("<html lang=\"en\">"));
    let preferred = plant
        .get_with("/demand", &[("accept-language", "ru-RU,en;q=0.5")])
        .await;
    assert!(preferred.body.contains("<html lang=\"ru\">"));

    let analyst = r.visitor(&app, "analyst").await;
    let heatmap = analyst
        .get(&format!("/forecast?profession_id={}", r.w.cnc_operator))
        .await;
    assert!(
        heatmap.body.contains("1\u{a0}234"),
        "the demand of 2029 in a cell's title"
    );
}

fn sheet_xml(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut file = archive.by_name(name).expect(name);
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

#[tokio::test]
async fn the_forecast_downloads_as_csv_and_as_xlsx_with_titles_a_frozen_header_and_number_formats()
{
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let query = format!("?profession_id={}&from=2028&to=2030", r.w.cnc_operator);
    let api = app
        .get(&format!("/api/v1/forecast.xlsx{query}"), &r.w.analyst)
        .await;
    assert_eq!(api.status(), StatusCode::OK);
    assert_eq!(
        api.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = api.bytes().await.unwrap();
    let sheet = sheet_xml(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("ySplit=\"1\""),
        "a frozen title row: {sheet}"
    );
    assert!(sheet.contains("autoFilter"));
    let strings = sheet_xml(&bytes, "xl/sharedStrings.xml");
    assert!(
        strings.contains("Profession") && strings.contains("Gap, high"),
        "{strings}"
    );
    let styles = sheet_xml(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("#,##0.00") && styles.contains("0%"),
        "{styles}"
    );
    assert_eq!(
        sheet.matches("<row ").count(),
        4,
        "a title row and three years"
    );
    assert_eq!(
        app.get("/api/v1/forecast.xlsx?from=2030&to=2020", &r.w.analyst)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/forecast.xlsx", "not-a-token")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let visitor = r.visitor(&app, "college_a").await;
    let page = visitor.get(&format!("/forecast.xlsx{query}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page_bytes = client()
        .get(app.url(&format!("/forecast.xlsx{query}")))
        .header("cookie", format!("kadry_session={}", visitor.cookie))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        sheet_xml(&page_bytes, "xl/sharedStrings.xml").contains("Профессия"),
        "Russian titles from a Russian page"
    );
    // A Russian page's CSV is for Russian Excel; an English page's is plain.
    let csv = visitor.get(&format!("/forecast.csv{query}")).await;
    assert!(
        csv.body
            .starts_with("\u{FEFF}Код профессии (id);Код;Профессия;Год")
    );
    assert_eq!(csv.body.lines().count(), 4);
    let csv = visitor.get(&format!("/forecast.csv{query}&lang=en")).await;
    assert!(
        csv.body
            .starts_with("profession_id,profession_code,profession_title,year"),
        "{}",
        csv.body
    );
    assert_eq!(csv.body.lines().count(), 4);
}

#[tokio::test]
async fn a_roster_with_a_bad_line_is_refused_whole_and_a_good_one_is_stored() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let school = r.visitor(&app, "school_a").await;
    let count = || async {
        app.get_json(
            &format!("/api/v1/pupils?school_id={}", r.w.school_a.0),
            &r.w.admin,
        )
        .await["total"]
            .as_i64()
            .unwrap()
    };
    let before = count().await;
    let upload = |csv: &'static str, csrf: String| {
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("roster.csv"),
        );
        client()
            .post(app.url("/pupils/import"))
            .header("cookie", format!("kadry_session={}", school.cookie))
            .multipart(form)
            .send()
    };
    let bad = "external_ref,grade,academic_year,consent,display_name,interests\n9А-01,9,2026,true,,\n9А-02,42,2026,true,,\n";
    let response = upload(bad, school.csrf.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("id=\"import-errors\""), "{body}");
    assert!(
        body.contains("<td class=\"num\">3</td><td>класс</td><td>класс от 5 до 11</td>"),
        "line 3's grade, in Russian: {body}"
    );
    assert_eq!(count().await, before, "nothing stored");
    let response = upload(bad, "wrong".into()).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let good = "external_ref,grade,academic_year,consent,display_name,interests\n9А-01,9,2026,true,,\n9А-02,10,2026,true,,\n";
    let response = upload(good, school.csrf.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("id=\"import-done\"")
    );
    assert_eq!(count().await, before + 2);
    let found = school.get("/pupils?external_ref=9%D0%90-0").await;
    assert!(
        found.body.contains(">9А-01<")
            && found.body.contains(">9А-02<")
            && !found.body.contains(">8А-01<"),
        "searched by reference"
    );
}

/// The gap of `profession` in `year` as the heatmap prints it (the cell's link text).
fn heatmap_cell(html: &str, profession: i64, year: i32) -> String {
    let link = format!("profession_id={profession}&amp;year={year}\">");
    let at = html
        .find(&link)
        .unwrap_or_else(|| panic!("no cell for {year}"))
        + link.len();
    html[at..at + html[at..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn a_college_changes_seats_on_its_page_and_the_heatmap_changes() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let analyst = r.visitor(&app, "analyst").await;
    let path = format!(
        "/forecast?profession_id={}&from=2028&to=2031",
        r.w.cnc_operator
    );
    let before = heatmap_cell(&analyst.get(&path).await.body, r.w.cnc_operator, 2028);
    let college = r.visitor(&app, "college_a").await;
    // This small region has too few pupils to fill seats, so the seats of a
    // year change nothing; the students actually enrolled in 2025 do.
    let answer = college
        .post(
            &format!("/programs/{}/intakes", r.program_a),
            &[("year", "2027"), ("seats", "200"), ("targeted_seats", "0")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let page = college.get(answer.location()).await;
    assert!(
        page.body.contains(">200<"),
        "the seats are on the program's page"
    );
    let answer = college
        .post(
            &format!("/programs/{}/enrollments", r.program_a),
            &[("start_year", "2025"), ("students", "40")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let after = heatmap_cell(&analyst.get(&path).await.body, r.w.cnc_operator, 2028);
    assert_ne!(before, after, "the 2025 intake graduates in 2028");
    let forecast: Value = app
        .get_json(
            &format!(
                "/api/v1/forecast?profession_id={}&from=2028&to=2028",
                r.w.cnc_operator
            ),
            &r.w.analyst,
        )
        .await;
    let gap = forecast["rows"][0]["gap"].as_f64().unwrap();
    assert_eq!(
        after.trim_end_matches('*'),
        kadry::domain::Language::Ru.number(gap, 0),
        "the page shows the API's number"
    );
}

#[tokio::test]
async fn the_api_reference_is_served_from_the_binary() {
    let app = spawn_app().await;
    let http = client();
    let redirect = http.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    let index = http.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let html = index.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        html.contains("<a href=\"/\" id=\"back-to-app\">"),
        "the reference links back to the app"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "{html}"
    );
    let initializer = http
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/v1/openapi.json"));
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css"] {
        let response = http
            .get(app.url(&format!("/api/docs/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
    let document: Value = http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["paths"]["/api/v1/forecast.xlsx"].is_object());
}

#[tokio::test]
async fn the_sign_in_page_works_signed_out_and_a_signed_in_visitor_reaches_every_action() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let page = client()
        .get(app.url("/login?next=/demand"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<label for=\"email\">") && html.contains("<label for=\"password\">"));
    assert!(html.contains("value=\"/demand\""));
    let visitor = Visitor::sign_in(&app, &r.emails["admin"], crate::helpers::ADMIN_PASSWORD).await;
    let answer = visitor
        .post(
            "/admin/organizations",
            &[
                ("kind", "school"),
                ("name", ""),
                ("town", "Ковров"),
                ("email", "bad"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.marks("name") && answer.marks("email") && !answer.marks("town"),
        "{}",
        answer.body
    );
    let answer = visitor
        .post(
            "/admin/organizations",
            &[
                ("kind", "school"),
                ("name", "Школа № 9"),
                ("town", "Ковров"),
                ("email", "s9@kovrov.example"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let answer = visitor
        .post(
            "/admin/users",
            &[("email", "new@kadry.test"), ("role", "analyst")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(
        visitor
            .get("/admin/users")
            .await
            .body
            .contains("new@kadry.test")
    );
    assert!(
        visitor
            .get("/admin/notifications")
            .await
            .body
            .contains("new@kadry.test"),
        "the invitation is in the outbox"
    );
    let answer = visitor
        .post(
            "/admin/users",
            &[("email", "new@kadry.test"), ("role", "analyst")],
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second invitation to one email is shown on the form"
    );
}

/// The links of a page to other pages of kadry (downloads and sign-out left out).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| {
            href.starts_with('/')
                && !href.starts_with("/static")
                && !href.contains(".csv")
                && !href.contains(".xlsx")
                && !href.starts_with("/api/")
        })
        .map(|href| href.replace("&amp;", "&").replace("&#38;", "&"))
        .collect()
}

#[tokio::test]
async fn no_link_on_any_page_leads_to_a_server_error() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    for who in ROLES {
        let visitor = r.visitor(&app, who).await;
        let mut seen = std::collections::HashSet::new();
        let mut queue: Vec<String> = pages(&r).into_iter().map(|(path, _)| path).collect();
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) || seen.len() > 400 {
                continue;
            }
            let answer = visitor.get(&path).await;
            assert!(
                answer.status.as_u16() < 500,
                "{who} on {path}: {}",
                answer.status
            );
            if answer.status == StatusCode::OK
                && answer.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            {
                queue.extend(links(&answer.body));
            }
        }
    }
}

#[tokio::test]
async fn unknown_records_are_the_404_page() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let admin = r.visitor(&app, "admin").await;
    for path in [
        "/programs/999999",
        "/events/999999",
        "/pupils/999999",
        "/forecast/professions/999999",
        "/forecast/explain?profession_id=999999&year=2030",
        "/programs/abc",
    ] {
        let answer = admin.get(path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.body.contains("Не найдено"), "{path}");
    }
    let answer = admin.get("/forecast/explain?profession_id=x").await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn every_form_shows_its_bad_fields_marked() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let school = r.visitor(&app, "school_a").await;
    let college = r.visitor(&app, "college_a").await;
    let admin = r.visitor(&app, "admin").await;
    let program = format!("/programs/{}", r.program_a);
    type Case<'a> = (&'a Visitor, String, Vec<(&'a str, &'a str)>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            &school,
            "/pupils".into(),
            vec![
                ("external_ref", "9А-76"),
                ("grade", "x"),
                ("academic_year", "x"),
            ],
            vec!["grade", "academic_year"],
        ),
        (
            &school,
            "/pupils".into(),
            vec![
                ("external_ref", ""),
                ("grade", "9"),
                ("academic_year", "2026"),
            ],
            vec!["external_ref"],
        ),
        (
            &school,
            "/pupils".into(),
            vec![
                ("external_ref", "9А-77"),
                ("grade", "3"),
                ("academic_year", "2026"),
            ],
            vec!["grade"],
        ),
        (
            &school,
            "/younger-pupils".into(),
            vec![
                ("academic_year", "2026"),
                ("grades[0].pupils", "-1"),
                ("grades[1].pupils", "x"),
                ("grades[2].pupils", "20"),
                ("grades[3].pupils", "20"),
            ],
            vec!["grades[1].pupils"],
        ),
        (
            &school,
            "/younger-pupils".into(),
            vec![
                ("academic_year", "1990"),
                ("grades[0].pupils", "-1"),
                ("grades[1].pupils", "20"),
                ("grades[2].pupils", "20"),
                ("grades[3].pupils", "20"),
            ],
            vec!["academic_year", "grades[0].pupils"],
        ),
        (
            &college,
            format!("{program}/intakes"),
            vec![("year", "2027"), ("seats", "-3"), ("targeted_seats", "0")],
            vec!["seats"],
        ),
        (
            &college,
            format!("{program}/intakes"),
            vec![("year", "abc"), ("seats", "")],
            vec!["year", "seats"],
        ),
        (
            &college,
            format!("{program}/enrollments"),
            vec![("start_year", "2025"), ("students", "-1")],
            vec!["students"],
        ),
        (
            &college,
            "/events".into(),
            vec![
                ("title", ""),
                ("kind", "open_day"),
                ("starts_at", "tomorrow"),
                ("capacity", "0"),
                ("min_grade", "3"),
                ("hours", "2"),
            ],
            vec!["starts_at"],
        ),
        (
            &college,
            "/events".into(),
            vec![
                ("title", ""),
                ("kind", "open_day"),
                ("starts_at", "2027-03-01T10:00"),
                ("capacity", "0"),
                ("min_grade", "3"),
                ("hours", "2"),
            ],
            vec!["title", "capacity", "min_grade"],
        ),
        (
            &admin,
            "/admin/users".into(),
            vec![("email", "not-an-email"), ("role", "analyst")],
            vec!["email"],
        ),
    ];
    for (visitor, path, fields, marked) in cases {
        let answer = visitor.post(&path, &fields).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {fields:?}: {}",
            answer.body
        );
        for field in marked {
            assert!(
                answer.marks(field),
                "{path}: {field} is marked in {}",
                answer.body
            );
        }
        for (name, value) in &fields {
            if !value.is_empty()
                && answer.body.contains(&format!("id=\"{name}\""))
                && !name.starts_with("kind")
            {
                assert!(
                    answer.body.contains(&format!("value=\"{value}\"")),
                    "{path}: {name} keeps {value}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_college_changes_its_program_and_a_school_its_pupil() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let college = r.visitor(&app, "college_a").await;
    let cnc = r.w.cnc_operator.to_string();
    let path = format!("/programs/{}", r.program_a);
    let form = college.get(&path).await;
    assert!(
        form.body.contains("value=\"Оператор станков с ЧПУ\""),
        "the form holds the stored title"
    );
    let answer = college
        .post(
            &path,
            &[
                ("specialty_code", "15.01.32"),
                ("title", "Оператор-наладчик"),
                ("entry_grade", "9"),
                ("duration_months", "46"),
                ("professions[0].profession_id", &cnc),
                ("professions[0].share", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let program = app
        .get_json(&format!("/api/v1/programs/{}", r.program_a), &r.w.admin)
        .await;
    assert_eq!(program["title"], "Оператор-наладчик");
    assert_eq!(program["duration_months"], 46);
    let other = r.visitor(&app, "college_b").await;
    let answer = other
        .post(
            &path,
            &[
                ("specialty_code", "1"),
                ("title", "x"),
                ("entry_grade", "9"),
                ("duration_months", "46"),
                ("professions[0].profession_id", &cnc),
                ("professions[0].share", "1"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);

    let school = r.visitor(&app, "school_a").await;
    let answer = school
        .post(
            &format!("/pupils/{}", r.pupil_a),
            &[("grade", "9"), ("academic_year", "2026")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let pupil = app
        .get_json(&format!("/api/v1/pupils/{}", r.pupil_a), &r.w.admin)
        .await;
    assert_eq!(pupil["grade"], 9);
    assert_eq!(pupil["consent"], false, "an unticked box withdraws consent");
}

#[tokio::test]
async fn a_school_registers_its_pupils_for_an_event_and_the_organizer_records_who_came() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let school = r.visitor(&app, "school_a").await;
    let event = format!("/events/{}", r.event_a);
    let page = school.get(&event).await;
    assert!(
        page.body.contains(&format!("value=\"{}\"", r.pupil_a)),
        "the school's own pupil is offered"
    );
    assert!(
        !page.body.contains(&format!("id=\"pupil-{}\"", r.pupil_b)),
        "another school's is not"
    );
    let pupil = r.pupil_a.to_string();
    let answer = school
        .post(&format!("{event}/register"), &[("pupil_ids", &pupil)])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let other = r.pupil_b.to_string();
    let answer = school
        .post(&format!("{event}/register"), &[("pupil_ids", &other)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains("нет такого ученика в вашей школе"),
        "another school's pupil cannot be registered, and is named by its id only"
    );
    assert!(!answer.body.contains("8Б-01"));

    // The school sees its registered pupil with the ticket to give it.
    let page = school.get(&event).await;
    let tickets = &page.body[page.body.find("id=\"tickets\"").expect("the tickets table")..];
    let start = tickets.find("<code>").unwrap() + "<code>".len();
    let ticket = tickets[start..start + 19].to_string();
    assert_eq!(ticket.matches('-').count(), 3, "{ticket}");

    let college = r.visitor(&app, "college_a").await;
    let page = college.get(&event).await;
    assert!(page.body.contains("id=\"attendance-form\""));
    assert!(!page.body.contains("8А-01"), "the organizer sees no pupil");
    assert!(!page.body.contains(&ticket), "nor any ticket");
    let answer = college
        .post(&format!("{event}/attendance"), &[("codes", "12, x")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.marks("codes"));
    assert!(answer.body.contains("не код билета"), "in Russian");
    let answer = college
        .post(&format!("{event}/attendance"), &[("codes", &pupil)])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a pupil id is no ticket"
    );
    let answer = college
        .post(&format!("{event}/attendance"), &[("codes", &ticket)])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let plant = r.visitor(&app, "enterprise_a").await;
    assert!(
        !plant
            .get(&event)
            .await
            .body
            .contains("id=\"attendance-form\"")
    );
    let answer = plant
        .post(&format!("{event}/attendance"), &[("codes", &ticket)])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "another organizer's event, as in the API"
    );

    let record = school.get(&format!("/pupils/{}", r.pupil_a)).await;
    assert!(record.body.contains("День открытых дверей"));
    assert!(
        record.body.contains("<td id=\"pupil-hours\">4,00</td>"),
        "{}",
        record.body
    );
}

#[tokio::test]
async fn long_lists_are_paged_and_the_links_keep_the_filters() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let professions = [r.w.glass_operator, r.w.cnc_operator, r.w.welder];
    let mut records = Vec::new();
    for i in 0..90 {
        records.push((
            r.w.enterprise_b.0,
            professions[i % 3],
            2027 + (i / 3) as i32,
        ));
    }
    for i in 0..15 {
        records.push((r.w.enterprise_a.0, r.w.welder, 2027 + i));
    }
    for (enterprise, profession, year) in records {
        app.create(
            "/api/v1/demand",
            &r.w.admin,
            serde_json::json!({"enterprise_id": enterprise, "profession_id": profession, "year": year, "headcount": 3}),
        )
        .await;
    }
    let analyst = r.visitor(&app, "analyst").await;
    let first = analyst.get("/demand").await;
    assert!(
        first
            .body
            .contains("1–100 из <strong class=\"total\">106</strong>"),
        "{}",
        first.body
    );
    assert_eq!(first.body.matches("<tr><td>").count(), 100);
    let next = first.body.split("rel=\"next\"").next().unwrap();
    let href = &next[next.rfind("href=\"").unwrap() + 6..next.len() - 2];
    let second = analyst.get(&href.replace("&#38;", "&")).await;
    assert!(
        second.body.contains("101–106 из"),
        "{href}: {}",
        second.body
    );
    assert_eq!(second.body.matches("<tr><td>").count(), 6);
    assert!(!second.body.contains("rel=\"next\""));
    assert!(second.body.contains("rel=\"prev\""));

    let school = r.visitor(&app, "school_a").await;
    let roster: String = (0..60)
        .map(|i| format!("7В-{i:02},7,2026,true,,\n"))
        .collect();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{}/pupils/import", r.w.school_a.0)))
        .bearer_auth(&r.w.school_a.1)
        .header("content-type", "text/csv")
        .body(format!(
            "external_ref,grade,academic_year,consent,display_name,interests\n{roster}"
        ))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
    let found = school.get("/pupils?external_ref=7%D0%92").await;
    assert!(
        found
            .body
            .contains("1–50 из <strong class=\"total\">60</strong>"),
        "{}",
        found.body
    );
    assert!(
        found.body.contains("external_ref=7%D0%92&#38;offset=50"),
        "the search is kept: {}",
        found.body
    );
}

#[tokio::test]
async fn a_database_fault_is_the_503_page_without_internals_and_passes() {
    let app = spawn_app_with(crate::helpers::TestDatabase::new(), |settings| {
        settings.database.timeout_seconds = 1;
        settings.database.sqlite_busy_timeout_ms = 100;
    })
    .await;
    let r = Region::build(&app).await;
    let plant = r.visitor(&app, "enterprise_a").await;
    let before = demand_count(&app, &r.w.admin).await;
    let cnc = r.w.cnc_operator.to_string();
    let fields = [
        ("profession_id", cnc.as_str()),
        ("year", "2031"),
        ("headcount", "7"),
    ];
    let release = crate::helpers::take_database_away(&app);
    let answer = plant.post("/demand", &fields).await;
    let signing_in = post_login(&app, &r.emails["school_a"], PASSWORD).await;
    release();
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(answer.headers.contains_key("retry-after"));
    assert!(
        answer.body.contains("Сервис временно недоступен"),
        "{}",
        answer.body
    );
    for internal in ["locked", "kadry_test", "sqlite", "SQL"] {
        assert!(
            !answer.body.contains(internal),
            "{internal} in {}",
            answer.body
        );
    }
    assert_eq!(
        signing_in.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        signing_in.body
    );
    assert_eq!(
        demand_count_once_back(&app, &r.w.admin).await,
        before,
        "nothing stored"
    );
    let mut stored = false;
    for _ in 0..20 {
        if plant.post("/demand", &fields).await.status == StatusCode::SEE_OTHER {
            stored = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(stored, "the same form works once the database is back");
    assert_eq!(demand_count(&app, &r.w.admin).await, before + 1);
}

fn fields(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The `etag` hidden in a page's edit form.
fn etag_in(html: &str) -> String {
    let at = html.find("name=\"etag\" value=\"").expect("an etag field") + 19;
    let end = html[at..].find('"').expect("the field's end");
    html[at..at + end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
}

#[tokio::test]
async fn two_people_saving_the_same_record_from_the_page_do_not_overwrite_each_other() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let cnc = r.w.cnc_operator.to_string();
    let path = format!("/programs/{}", r.program_a);
    // Two people of the college open the same program.
    let first = r.visitor(&app, "college_a").await;
    let second_email = user_in(&app, &r.w.admin, "college", Some(r.w.college_a.0)).await;
    let second = Visitor::sign_in(&app, &second_email, PASSWORD).await;
    let first_form = first.get(&path).await;
    let second_form = second.get(&path).await;
    let tag = etag_in(&first_form.body);
    assert_eq!(tag, etag_in(&second_form.body));
    let program = |title: &str, tag: &str| {
        vec![
            ("specialty_code".to_string(), "15.01.32".to_string()),
            ("title".to_string(), title.to_string()),
            ("entry_grade".to_string(), "9".to_string()),
            ("duration_months".to_string(), "34".to_string()),
            ("professions[0].profession_id".to_string(), cnc.clone()),
            ("professions[0].share".to_string(), "1".to_string()),
            ("etag".to_string(), tag.to_string()),
        ]
    };
    let saved = first
        .post(&path, &fields(&program("Первая правка", &tag)))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // The second saves from the page as it was: refused, shown the record as
    // it is now, with its own input kept in the form.
    let late = program("Вторая правка", &tag);
    let refused = second.post(&path, &fields(&late)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("изменил кто-то другой"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Первая правка"),
        "the record as it is now"
    );
    assert!(
        refused.body.contains("value=\"Вторая правка\""),
        "the input kept"
    );
    let stored = app
        .get_json(&format!("/api/v1/programs/{}", r.program_a), &r.w.admin)
        .await;
    assert_eq!(stored["title"], "Первая правка");
    // Saving again from the page it was shown goes through.
    let again = program("Вторая правка", &etag_in(&refused.body));
    let saved = second.post(&path, &fields(&again)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = app
        .get_json(&format!("/api/v1/programs/{}", r.program_a), &r.w.admin)
        .await;
    assert_eq!(stored["title"], "Вторая правка");

    // The same for a pupil's grade.
    let school = r.visitor(&app, "school_a").await;
    let pupil = format!("/pupils/{}", r.pupil_a);
    let tag = etag_in(&school.get(&pupil).await.body);
    let saved = school
        .post(
            &pupil,
            &[
                ("grade", "10"),
                ("academic_year", "2026"),
                ("consent", "on"),
                ("etag", &tag),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let refused = school
        .post(
            &pupil,
            &[
                ("grade", "9"),
                ("academic_year", "2026"),
                ("consent", "on"),
                ("etag", &tag),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stored = app
        .get_json(&format!("/api/v1/pupils/{}", r.pupil_a), &r.w.admin)
        .await;
    assert_eq!(stored["grade"], 10);
}

#[tokio::test]
async fn a_college_records_its_graduates_and_their_destinations_on_its_page() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let college = r.visitor(&app, "college_a").await;
    let page = college.get(&format!("/programs/{}", r.program_a)).await;
    assert!(
        page.body.contains("id=\"graduation-form\"")
            && page.body.contains("id=\"destination-form\"")
    );
    let graduations = format!("/programs/{}/graduations", r.program_a);
    let destinations = format!("/programs/{}/destinations", r.program_a);
    // A bad record is shown again with its field marked and nothing stored.
    let answer = college
        .post(
            &graduations,
            &[
                ("graduation.year", "2024"),
                ("graduation.graduates", "20"),
                ("graduation.targeted_graduates", "21"),
            ],
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(
        answer.marks("graduation.targeted_graduates"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("value=\"21\""));
    let api = format!("/api/v1/programs/{}/graduations", r.program_a);
    assert_eq!(app.get_json(&api, &r.w.admin).await["total"], 0);
    let answer = college
        .post(
            &graduations,
            &[
                ("graduation.year", "2024"),
                ("graduation.graduates", "20"),
                ("graduation.targeted_graduates", "4"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    // Destinations adding up to more than the 20 graduates: refused, marked.
    let mut fields = vec![
        ("destination.graduation_year", "2024"),
        ("destination.employed_in_profession", "15"),
    ];
    fields.push(("destination.unknown", "6"));
    let answer = college.post(&destinations, &fields).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(answer.marks("destination.unknown"), "{}", answer.body);
    fields.pop();
    fields.push(("destination.unknown", "5"));
    let answer = college.post(&destinations, &fields).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let page = college.get(answer.location()).await;
    let table = page.body.split("id=\"outcomes\"").nth(1).unwrap();
    let row = table
        .split("<tr><td>2024</td>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains(">20<") && row.contains(">15<") && row.contains(">5<"),
        "{row}"
    );
    // Another college sees the table but no form, and cannot write.
    let other = r.visitor(&app, "college_b").await;
    let seen = other.get(&format!("/programs/{}", r.program_a)).await;
    assert!(seen.body.contains("id=\"outcomes\"") && !seen.body.contains("id=\"graduation-form\""));
    let answer = other
        .post(
            &graduations,
            &[
                ("graduation.year", "2023"),
                ("graduation.graduates", "9"),
                ("graduation.targeted_graduates", "0"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_json(&api, &r.w.admin).await["total"], 1);
    // The college deletes the destinations of 2024 from the page.
    let answer = college
        .post(
            &format!("/programs/{}/destinations/2024/delete", r.program_a),
            &[],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_json(
            &format!("/api/v1/programs/{}/destinations", r.program_a),
            &r.w.admin
        )
        .await["total"],
        0
    );
}

#[tokio::test]
async fn years_without_posted_demand_are_no_data_on_the_heatmap_not_a_surplus() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let analyst = r.visitor(&app, "analyst").await;
    // Demand for CNC operators is posted for 2029 only.
    let page = analyst
        .get(&format!(
            "/forecast?profession_id={}&from=2028&to=2031",
            r.w.cnc_operator
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_ne!(
        heatmap_cell(&page.body, r.w.cnc_operator, 2029),
        "нет данных"
    );
    for year in [2030, 2031] {
        assert_eq!(
            heatmap_cell(&page.body, r.w.cnc_operator, year).trim_end_matches('*'),
            "нет данных"
        );
    }
    let cell = analyst
        .get(&format!(
            "/forecast/explain?profession_id={}&year=2031",
            r.w.cnc_operator
        ))
        .await;
    assert!(cell.body.contains("нет данных"), "{}", cell.body);
}

//! The pages in a real headless Chromium through WebDriver, against the real
//! server on port 0 with the demo region: one browser session for the whole
//! module. Screenshots of the main pages go to `target/screenshots/`.
//! Without Debian's `chromium` and `chromium-driver` the test says so in one
//! line and passes; every other test still runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use kadry::cli::load_demo;
use kadry::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestDatabase, spawn_app_with, test_settings,
};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, port }
    }
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Browser {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Browser {
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect(path);
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css}"))
            .text()
            .await
            .unwrap()
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// The identity of the document shown now (its root element's WebDriver id).
    async fn document(&self) -> Option<String> {
        let root = self.client.find(Locator::Css("html")).await.ok()?;
        Some(root.element_id().to_string())
    }

    /// Clicks what leads to another page and waits until that page has loaded:
    /// a new root element, fully loaded, so that nothing of the old page is read after.
    async fn click(&self, css: &str) {
        let before = self.document().await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css}"))
            .click()
            .await
            .unwrap();
        for _ in 0..600 {
            let now = self.document().await;
            if now.is_some() && now != before {
                let ready = self
                    .client
                    .execute("return document.readyState;", vec![])
                    .await
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string));
                if ready.as_deref() == Some("complete") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// Ticks a checkbox (a click that does not leave the page).
    async fn click_box(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css}"))
            .click()
            .await
            .unwrap();
    }

    async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("waiting for {css}"));
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn sign_in(&self, email: &str, password: &str) {
        self.open("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("#sign-in").await;
        self.wait_for("#logout").await;
    }

    async fn sign_out(&self) {
        self.click("#logout").await;
        self.wait_for("#sign-in").await;
    }

    async fn session_cookie(&self) -> String {
        self.client
            .get_named_cookie("kadry_session")
            .await
            .unwrap()
            .value()
            .to_string()
    }
}

/// The gap cells of the heatmap as text, in order.
async fn heatmap_cells(browser: &Browser) -> Vec<String> {
    let mut cells = Vec::new();
    for cell in browser
        .client
        .find_all(Locator::Css("#heatmap td.cell"))
        .await
        .unwrap()
    {
        cells.push(cell.text().await.unwrap());
    }
    cells
}

async fn demo_app() -> (TestApp, Vec<kadry::app::demo::DemoUser>) {
    let db = TestDatabase::new();
    let mut settings = test_settings(&db.url, &[]);
    // A reduced region keeps the suite fast; KADRY_BROWSER_DEMO_PUPILS=85000
    // gives the full demo (as for the screenshots in docs/screenshots).
    let pupils = std::env::var("KADRY_BROWSER_DEMO_PUPILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let outcome = load_demo(&mut settings, 33, pupils, false)
        .await
        .expect("the demo loads");
    let app = spawn_app_with(db, |_| {}).await;
    (app, outcome.users)
}

#[tokio::test]
async fn the_pages_work_in_a_real_browser() {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        eprintln!(
            "browser tests skipped: {CHROMIUM} and {CHROMEDRIVER} are missing (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let (app, users) = demo_app().await;
    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--lang=ru-RU", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {"intl.accept_languages": "ru-RU,ru"}
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session");
    let browser = Browser {
        client,
        base: app.address.clone(),
        shots: screenshots_dir(),
    };
    let result = run(&browser, &app, &users).await;
    browser.client.close().await.ok();
    result
}

fn user(users: &[kadry::app::demo::DemoUser], role: Role) -> (&str, &str) {
    let user = users
        .iter()
        .find(|u| u.role == role)
        .expect("a demo user of the role");
    (&user.email, &user.password)
}

async fn run(browser: &Browser, app: &TestApp, users: &[kadry::app::demo::DemoUser]) {
    // Each role signs in and sees its navigation.
    let navigation = [
        (Role::Analyst, "/scenario", "/admin/users"),
        (Role::School, "/pupils/import", "/scenario"),
        (Role::College, "/programs", "/pupils/import"),
        (Role::Enterprise, "/demand", "/pupils/import"),
    ];
    for (role, present, absent) in navigation {
        let (email, password) = user(users, role);
        browser.sign_in(email, password).await;
        let nav = browser
            .client
            .find(Locator::Css("header nav"))
            .await
            .unwrap()
            .html(false)
            .await
            .unwrap();
        assert!(
            nav.contains(&format!("href=\"{present}\"")),
            "{role:?} sees {present}"
        );
        assert!(
            !nav.contains(&format!("href=\"{absent}\"")),
            "{role:?} does not see {absent}"
        );
        browser.sign_out().await;
    }
    browser.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        browser
            .source()
            .await
            .contains("href=\"/admin/notifications\"")
    );
    browser.sign_out().await;

    // The analyst reads the heatmap and opens a profession's chart and a cell.
    let (email, password) = user(users, Role::Analyst);
    browser.sign_in(email, password).await;
    browser.open("/forecast").await;
    browser.wait_for("#heatmap").await;
    let cells = heatmap_cells(browser).await;
    assert!(
        cells.len() > 50,
        "the demo's heatmap: {} cells",
        cells.len()
    );
    assert!(browser.text("#complete-until").await.len() > 10);
    browser.screenshot("heatmap").await;
    browser.click("#heatmap tbody tr th a").await;
    browser.wait_for("#profession-chart svg").await;
    assert!(browser.path().await.starts_with("/forecast/professions/"));
    assert!(
        browser.source().await.contains("<polygon"),
        "the low-high band"
    );
    browser.screenshot("profession").await;
    browser
        .click("#profession-table tbody tr:nth-child(4) a")
        .await;
    browser.wait_for("#tornado svg").await;
    browser.screenshot("explain").await;
    // What the forecast rests on, from the cell's link: the demo's
    // calibration (six parameters, each with its chart) and the backtest.
    browser.click("#evidence-link").await;
    browser.wait_for("#calibration-table").await;
    assert_eq!(browser.path().await, "/forecast/evidence");
    let source = browser.source().await;
    assert_eq!(source.matches("data-parameter=").count(), 6);
    assert_eq!(source.matches("class=\"strip\"").count(), 6);
    assert!(
        browser.text("#verdicts").await.contains("наивн"),
        "the backtest says how the model fares against the naive forecast"
    );
    browser.screenshot("evidence").await;

    // A scenario and a seat plan run from their forms.
    browser.open("/scenario").await;
    // Retention at its high bound: a change the bounds allow.
    let high = browser
        .client
        .find(Locator::Css(
            "input[name='parameters.bounds.retention_rate.high']",
        ))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    browser
        .fill("input[name='parameters.retention_rate']", &high)
        .await;
    browser.click("#run-scenario").await;
    browser.wait_for("#scenario-table").await;
    assert!(
        !browser
            .client
            .find_all(Locator::Css("#scenario-table tr.changed"))
            .await
            .unwrap()
            .is_empty(),
        "the rows whose gap the scenario changes are marked"
    );
    assert!(
        browser
            .client
            .find_all(Locator::Css("#scenario-table tbody tr"))
            .await
            .unwrap()
            .len()
            > 10
    );
    browser.open("/plans/seats").await;
    browser.fill("#budget", "60").await;
    browser.click("#run-plan").await;
    browser.wait_for("#plan-programs").await;
    assert!(browser.text("#plan-result").await.len() > 2);
    assert!(
        browser.text("#plan-programs").await.contains("на место"),
        "each program that got seats says why"
    );
    assert!(browser.text("#plan-stopped").await.contains("мест"));
    browser.screenshot("planner").await;
    let before = heatmap_cells_at(browser, "/forecast").await;
    browser.sign_out().await;

    // A college changes seats; the heatmap changes.
    let admin = app.admin_token().await;
    let (email, password) = user(users, Role::College);
    let college_token = app.token_for(email, password).await;
    let me = app.get_json("/api/v1/me", &college_token).await;
    let programs = app
        .get_json(
            &format!(
                "/api/v1/programs?institution_id={}&limit=500",
                me["organization_id"]
            ),
            &admin,
        )
        .await;
    let program = programs["items"]
        .as_array()
        .unwrap()
        .first()
        .expect("the demo college has programs")["id"]
        .as_i64()
        .unwrap();
    browser.sign_in(email, password).await;
    browser.open(&format!("/programs/{program}")).await;
    let next_year = kadry::domain::numbers::current_academic_year() + 1;
    browser
        .fill("#intake-form input[name='year']", &next_year.to_string())
        .await;
    browser.fill("#intake-form input[name='seats']", "5").await;
    browser
        .fill("#intake-form input[name='targeted_seats']", "0")
        .await;
    browser.click("#save-intake").await;
    browser.wait_for("#intakes").await;
    assert_eq!(
        browser.text("#saved").await,
        "Сохранено.",
        "the save says so"
    );
    browser.screenshot("college-seats").await;
    browser.sign_out().await;
    let (email, password) = user(users, Role::Analyst);
    browser.sign_in(email, password).await;
    let after = heatmap_cells_at(browser, "/forecast").await;
    assert_eq!(before.len(), after.len());
    assert_ne!(
        before, after,
        "5 seats instead of the stored ones in {next_year} change the gap when that intake graduates"
    );
    let cookie = browser.session_cookie().await;
    browser.sign_out().await;

    // After sign-out the browser is signed out, and the old cookie, sent
    // again, opens nothing.
    browser.open("/forecast").await;
    assert_eq!(browser.path().await, "/login");
    let replayed = crate::pages::client()
        .get(app.url("/forecast"))
        .header("cookie", format!("kadry_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(
        replayed.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // A school uploads a roster with a bad line, sees it, then a good one.
    let (email, password) = user(users, Role::School);
    browser.sign_in(email, password).await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("roster-bad.csv");
    std::fs::write(&bad, "external_ref,grade,academic_year,consent,display_name,interests\nБ-01,9,2026,true,,\nБ-02,14,2026,true,,\n").unwrap();
    browser.open("/pupils/import").await;
    browser
        .client
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&bad.display().to_string())
        .await
        .unwrap();
    browser.click("#upload").await;
    browser.wait_for("#import-errors").await;
    let errors = browser.text("#import-errors").await;
    assert!(errors.contains('3') && errors.contains("класс"), "{errors}");
    assert_no_english(&errors, "the roster's errors");
    browser.screenshot("roster-upload-error").await;
    let good = dir.path().join("roster-good.csv");
    std::fs::write(&good, "external_ref,grade,academic_year,consent,display_name,interests\nБ-01,9,2026,true,,\nБ-02,10,2026,true,,\n").unwrap();
    browser
        .client
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&good.display().to_string())
        .await
        .unwrap();
    browser.click("#upload").await;
    browser.wait_for("#import-done").await;

    // The pupil just imported can be registered for an upcoming event; a
    // pupil without consent, posted by hand, is refused and named.
    let school_token = app.token_for(email, password).await;
    register_at_an_event(browser, app, &school_token).await;

    // The guidance record.
    browser.open("/guidance").await;
    browser.wait_for("#guidance-grades").await;
    browser.screenshot("guidance").await;

    // Another school's pupil is the 404 page.
    let own = app.get_json("/api/v1/me", &school_token).await["organization_id"]
        .as_i64()
        .unwrap();
    let schools: Value = app
        .get_json("/api/v1/organizations?kind=school&limit=500", &admin)
        .await;
    let mut other = None;
    for school in schools["items"].as_array().unwrap() {
        let id = school["id"].as_i64().unwrap();
        if id == own {
            continue;
        }
        let pupils = app
            .get_json(&format!("/api/v1/pupils?school_id={id}&limit=1"), &admin)
            .await;
        if let Some(pupil) = pupils["items"].as_array().unwrap().first() {
            other = pupil["id"].as_i64();
            break;
        }
    }
    let other = other.expect("another school's pupil");
    browser.open(&format!("/pupils/{other}")).await;
    let heading = browser.text("h1").await;
    assert!(
        heading.contains("Не найдено"),
        "{heading} at {}",
        browser.path().await
    );

    // A form whose CSRF token is not the session's gets 403 and changes nothing.
    let before = app
        .get_json(&format!("/api/v1/pupils?school_id={own}"), &admin)
        .await["total"]
        .clone();
    browser.open("/pupils").await;
    browser
        .client
        .execute(
            "document.querySelector('#new-pupil input[name=csrf]').value = 'forged';",
            vec![],
        )
        .await
        .unwrap();
    browser.fill("#new-pupil #external_ref", "Б-99").await;
    browser.fill("#new-pupil #grade", "9").await;
    browser.click("#new-pupil button[type=submit]").await;
    let heading = browser.text("h1").await;
    assert!(
        heading.contains("Запрос отклонён"),
        "{heading} at {}",
        browser.path().await
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/pupils?school_id={own}"), &admin)
            .await["total"],
        before
    );
    browser.open("/").await;
    browser.sign_out().await;

    narrow_pages(browser, users).await;
}

/// Fails when `text` holds an English word (three Latin letters or more):
/// what a Russian page says of bad input is said in Russian.
fn assert_no_english(text: &str, what: &str) {
    let english: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 3)
        .collect();
    assert!(
        english.is_empty(),
        "{what} has English words {english:?}: {text}"
    );
}

/// The school registers the pupil it just imported (Б-01, grade 9) for an
/// upcoming event, with a pupil of its own without consent added to the
/// form by hand: the first is registered, the second named with its reason.
async fn register_at_an_event(browser: &Browser, app: &TestApp, school_token: &str) {
    let me = app.get_json("/api/v1/me", school_token).await;
    let school = me["organization_id"].as_i64().unwrap();
    let pupils = app
        .get_json(
            &format!("/api/v1/pupils?school_id={school}&limit=500"),
            school_token,
        )
        .await;
    let items = pupils["items"].as_array().unwrap();
    let imported = app
        .get_json(
            &format!("/api/v1/pupils?school_id={school}&external_ref=%D0%91-01"),
            school_token,
        )
        .await["items"][0]["id"]
        .as_i64()
        .expect("the imported pupil");
    let without_consent = items.iter().find(|p| p["consent"] == false);
    let from = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let events = app
        .get_json(
            &format!("/api/v1/events?from={from}&grade=9&limit=100"),
            school_token,
        )
        .await;
    let event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["cancelled"] == false && e["registered"].as_i64() < e["capacity"].as_i64())
        .expect("an upcoming event open to grade 9")["id"]
        .as_i64()
        .unwrap();
    browser.open(&format!("/events/{event}?grade=9")).await;
    browser.wait_for("#register-form").await;
    browser.click_box(&format!("#pupil-{imported}")).await;
    if let Some(pupil) = without_consent {
        let id = pupil["id"].as_i64().unwrap();
        browser
            .client
            .execute(
                &format!("document.querySelector('#register-form fieldset').insertAdjacentHTML('beforeend', '<input type=checkbox name=pupil_ids value={id} checked>');"),
                vec![],
            )
            .await
            .unwrap();
    }
    browser.click("#register-form button[type=submit]").await;
    if let Some(pupil) = without_consent {
        browser.wait_for("#batch-outcome").await;
        let outcome = browser.text("#batch-outcome").await;
        assert!(outcome.contains("Записано учеников: 1"), "{outcome}");
        let reference = pupil["external_ref"].as_str().unwrap();
        assert!(
            outcome.contains(&format!("{reference} — нет согласия родителей")),
            "{outcome}"
        );
        browser.screenshot("event-registration").await;
    } else {
        assert!(
            browser
                .text("#saved")
                .await
                .contains("Записано учеников: 1")
        );
    }
    let tickets = browser.text("#tickets").await;
    assert!(tickets.contains("Б-01"), "{tickets}");
}

/// Each role's pages at 400 px: none scrolls sideways (wide tables scroll
/// in their own box), each is Russian, and each is photographed.
async fn narrow_pages(browser: &Browser, users: &[kadry::app::demo::DemoUser]) {
    browser.client.set_window_size(400, 900).await.unwrap();
    let by_role: [(Option<Role>, &[&str]); 5] = [
        (
            Some(Role::Analyst),
            &[
                "/forecast",
                "/scenario",
                "/plans/seats",
                "/forecast/evidence",
            ],
        ),
        (
            Some(Role::School),
            &["/pupils", "/pupils/import", "/events", "/guidance"],
        ),
        (Some(Role::College), &["/programs"]),
        (Some(Role::Enterprise), &["/demand", "/forecast?mine=1"]),
        (
            None,
            &[
                "/admin/users",
                "/admin/notifications",
                "/admin/organizations",
            ],
        ),
    ];
    for (role, paths) in by_role {
        match role {
            Some(role) => {
                let (email, password) = user(users, role);
                browser.sign_in(email, password).await;
            }
            None => browser.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await,
        }
        for path in paths {
            browser.open(path).await;
            browser.wait_for("main").await;
            let widths = browser
                .client
                .execute(
                    "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                    vec![],
                )
                .await
                .unwrap();
            let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
            if scroll > client {
                // Name the outermost elements that stick out, to say what to fix.
                let wide = browser
                    .client
                    .execute(
                        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1)).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!(
                    "{path} scrolls sideways at 400 px: {scroll} > {client}; sticking out: {wide}"
                );
            }
            assert_eq!(
                browser
                    .client
                    .execute("return document.documentElement.lang;", vec![])
                    .await
                    .unwrap(),
                json!("ru")
            );
            let name = path.trim_start_matches('/').replace(['/', '?', '='], "-");
            browser.screenshot(&format!("narrow-{name}")).await;
        }
        browser.sign_out().await;
    }
    browser.client.set_window_size(1400, 1000).await.unwrap();
}

async fn heatmap_cells_at(browser: &Browser, path: &str) -> Vec<String> {
    browser.open(path).await;
    browser.wait_for("#heatmap").await;
    heatmap_cells(browser).await
}

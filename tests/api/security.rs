//! Attacks found by an adversarial test of the service, each made again here
//! and shown to fail: memory exhaustion by unauthenticated hashing, the
//! lockout raced by concurrent attempts, throttling by client address,
//! authority outliving a change of the user, an existence oracle on demand
//! records, and the audit log.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, PASSWORD, TestDatabase, World, assert_problem,
    connect, invalid_fields, spawn_app, spawn_app_with, unique,
};

/// A `kadry serve` process of its own, so that its memory is its alone.
pub(crate) struct Served {
    pub(crate) child: Child,
    pub(crate) address: String,
    _config: tempfile::TempDir,
}

impl Served {
    pub(crate) fn start(db: &TestDatabase, config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kadry.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kadry"))
            .arg("serve")
            .env("KADRY_CONFIG", &path)
            .env("KADRY_DATABASE_URL", &db.url)
            .env("KADRY_JWT_SECRET", JWT_SECRET)
            .env("KADRY_BIND", "127.0.0.1:0")
            .env("KADRY_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("KADRY_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("KADRY_LOG", "info")
            .env_remove("KADRY_LOG_FORMAT")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kadry serve starts");
        let stderr = child.stderr.take().unwrap();
        let (port_tx, port_rx) = mpsc::channel();
        // Read the log to its end, so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("port=").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = port_tx.send(port);
                }
            }
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("kadry serve logs its port");
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _config: dir,
        }
    }

    /// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM).
    fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or_else(|| panic!("{field} in {status}"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The burst of the finding: 300 made-up set-password tokens and 300
/// sign-ins with unknown emails at once (the per-address throttle is set out
/// of the way, so that every sign-in reaches the password check), while a
/// signed-in user reads /me. Before, the server grew to 3.4-3.9 GiB and kept
/// it; each hash takes 19 MiB, and nothing bounded how many ran at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_unauthenticated_hashing_keeps_memory_bounded() {
    let db = TestDatabase::new();
    let served = Served::start(
        &db,
        "[auth.login_throttle]\nmax_failures_per_address = 1000000\nslow_down_after = 1000\n",
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}", served.address);
    let login: Value = client
        .post(url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let rss_before = served.memory_kib("VmRSS");

    let set_passwords = (0..300).map(|n| {
        let request = client.post(url("/api/v1/auth/set-password")).json(
            &json!({"token": format!("made-up-token-{n}-{}", "x".repeat(30)), "password": "a-new-password-1"}),
        );
        async move { request.send().await.map(|r| r.status()) }
    });
    let logins = (0..300).map(|n| {
        let request = client.post(url("/api/v1/auth/login")).json(
            &json!({"email": format!("nobody-{n}@kadry.test"), "password": "wrong-password-1"}),
        );
        async move { request.send().await.map(|r| r.status()) }
    });
    let reader = {
        let client = client.clone();
        let me = url("/api/v1/me");
        let token = token.clone();
        tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in 0..40 {
                let started = Instant::now();
                let status = client
                    .get(&me)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                times.push((started.elapsed(), status));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            times
        })
    };
    let (set_passwords, logins) = tokio::join!(
        futures_util::future::join_all(set_passwords),
        futures_util::future::join_all(logins)
    );
    let times = reader.await.unwrap();
    let peak_kib = served.memory_kib("VmHWM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = served.memory_kib("VmRSS");

    assert!(
        set_passwords
            .iter()
            .all(|s| matches!(s, Ok(StatusCode::UNPROCESSABLE_ENTITY))),
        "made-up tokens are refused: {set_passwords:?}"
    );
    let refused = logins
        .iter()
        .filter(|s| matches!(s, Ok(StatusCode::TOO_MANY_REQUESTS)))
        .count();
    assert!(
        logins.iter().all(|s| matches!(
            s,
            Ok(StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS)
        )),
        "{logins:?}"
    );
    assert!(
        times.iter().all(|(_, status)| *status == StatusCode::OK),
        "another user's requests are served: {times:?}"
    );
    let mut elapsed: Vec<Duration> = times.iter().map(|(time, _)| *time).collect();
    elapsed.sort();
    println!(
        "burst: RSS {} MiB before, peak {} MiB, {} MiB after; {refused} of 300 sign-ins told to come back; \
         GET /me median {:?}, slowest {:?}",
        rss_before / 1024,
        peak_kib / 1024,
        rss_after / 1024,
        elapsed[elapsed.len() / 2],
        elapsed[elapsed.len() - 1],
    );
    assert!(
        peak_kib < 300 * 1024,
        "peak RSS {} MiB (the finding: 3.4-3.9 GiB)",
        peak_kib / 1024
    );
    assert!(
        rss_after < rss_before + 64 * 1024,
        "the memory of the burst is given back: {} MiB before, {} MiB after",
        rss_before / 1024,
        rss_after / 1024
    );
}

/// The finding: 30 concurrent wrong passwords for one email all got 401 and
/// none 429 (the limit is 8), and on PostgreSQL 100 failures were stored as 37.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_check_at_most_the_limit_and_are_counted_exactly() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        let throttle = &mut settings.auth.login_throttle;
        throttle.slow_down_after = 1000;
        throttle.max_failures = 8;
    })
    .await;
    let admin = app.admin_token().await;
    let email = format!("{}@kadry.test", unique("target"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst", "password": PASSWORD}),
    )
    .await;
    let attempts = (0..100).map(|n| {
        let request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": format!("wrong-password-{n}")}));
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (8, 92), "{statuses:?}");
    let stored = kadry::db::throttle::find(&mut connect(&app.db), &email)
        .unwrap()
        .expect("the failures are stored");
    assert_eq!(stored.failures, 8, "every checked password counted once");
    assert!(stored.locked_until.is_some());
    // Locked: even the right password is not checked now.
    assert_problem(
        app.login(&email, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
}

fn client_from(address: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(IpAddr::V4(address)))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The finding: throttling was per email only, so one client could try any
/// number of emails. Now one address is refused after its limit, whatever
/// the emails, and other addresses are not.
#[tokio::test]
async fn one_client_address_is_refused_after_its_limit_whatever_the_emails() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        settings.auth.login_throttle.max_failures_per_address = 5;
    })
    .await;
    let admin = app.admin_token().await;
    let email = format!("{}@kadry.test", unique("real"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst", "password": PASSWORD}),
    )
    .await;
    let attacker = client_from(Ipv4Addr::new(127, 0, 0, 3));
    let login = |client: &reqwest::Client, email: &str, password: &str| {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for n in 0..5 {
        let response = login(
            &attacker,
            &format!("guess-{n}@kadry.test"),
            "wrong-password-1",
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let refused = login(&attacker, "guess-5@kadry.test", "wrong-password-1")
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let right_but_refused = login(&attacker, &email, PASSWORD).await.unwrap();
    assert_eq!(right_but_refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address signs in, and its wrong guesses are its own.
    let other = client_from(Ipv4Addr::new(127, 0, 0, 4));
    assert_eq!(
        login(&other, &email, PASSWORD).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        login(&other, "guess-6@kadry.test", "wrong-password-1")
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The finding: a user deleted or moved to another role kept the old role's
/// access until the token expired. Now a change ends the old tokens at once.
#[tokio::test]
async fn a_changed_or_disabled_user_loses_the_old_tokens_at_once() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let admin = &w.admin;
    let email = format!("{}@kadry.test", unique("moving"));
    let id = app
        .create(
            "/api/v1/users",
            admin,
            json!({"email": email, "role": "college", "organization_id": w.college_a.0, "password": PASSWORD}),
        )
        .await;
    let token = app.token_for(&email, PASSWORD).await;
    let programs_of_a = json!({"institution_id": w.college_a.0, "specialty_code": "18.02.05", "title": "Оператор",
        "entry_grade": 9, "duration_months": 34, "completion_rate": 0.9,
        "professions": [{"profession_id": w.glass_operator, "share": 1.0}]});
    let path = format!("/api/v1/users/{id}");

    assert_eq!(
        app.post_json("/api/v1/programs", &token, &programs_of_a)
            .await
            .status(),
        StatusCode::CREATED,
        "the control: the college's token works before the change"
    );

    // Moved to analyst: the college token stops working, a new one is an analyst's.
    let response = app
        .patch_json(&path, admin, &json!({"role": "analyst"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        changed,
        json!({"id": id, "email": email, "role": "analyst", "organization_id": null, "disabled": false, "invited": false})
    );
    assert_problem(
        app.get("/api/v1/me", &token).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/programs", &token, &programs_of_a)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let analyst = app.token_for(&email, PASSWORD).await;
    assert_eq!(
        app.get_json("/api/v1/me", &analyst).await["role"],
        "analyst"
    );

    // Disabled: the token stops working and signing in fails like a wrong password.
    let response = app
        .patch_json(&path, admin, &json!({"disabled": true}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        app.get("/api/v1/me", &analyst).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(app.login(&email, PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    // Enabled again: a new sign-in works, the old token still does not.
    app.patch_json(&path, admin, &json!({"disabled": false}))
        .await;
    assert_eq!(app.login(&email, PASSWORD).await.status(), StatusCode::OK);
    assert_problem(
        app.get("/api/v1/me", &analyst).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // The list, with filters.
    let analysts = app
        .get_json("/api/v1/users?role=analyst&limit=500", admin)
        .await;
    assert!(
        analysts["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["role"] == "analyst")
    );
    assert!(
        analysts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == id)
    );
    let of_school = app
        .get_json(
            &format!("/api/v1/users?organization_id={}", w.school_a.0),
            admin,
        )
        .await;
    assert_eq!(of_school["total"], 1);

    // Bad changes are refused and change nothing.
    let response = app
        .patch_json(&path, admin, &json!({"role": "school"}))
        .await;
    assert_eq!(invalid_fields(response).await, ["organization_id"]);
    let response = app
        .patch_json(
            &path,
            admin,
            &json!({"role": "school", "organization_id": w.college_a.0}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["organization_id"]);
    let response = app.patch_json(&path, admin, &json!({"role": "king"})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get_json(&path, admin).await["role"], "analyst");
    assert_problem(
        app.patch_json("/api/v1/users/999999", admin, &json!({"disabled": true}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let me = app.get_json("/api/v1/me", admin).await["id"].clone();
    assert_problem(
        app.patch_json(
            &format!("/api/v1/users/{me}"),
            admin,
            &json!({"disabled": true}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // Only admins list and change users.
    for token in [&w.analyst, &w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(app.get("/api/v1/users", token).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.patch_json(&path, token, &json!({"disabled": true}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(app.get_json(&path, admin).await["disabled"], false);
}

/// The finding: GET/DELETE /demand/{id} answered 403 for another
/// enterprise's record and 404 for a missing one, so schools and colleges
/// could enumerate demand ids. Now the role decides before the lookup.
#[tokio::test]
async fn demand_records_cannot_be_told_apart_from_missing_ones() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let existing = app
        .create(
            "/api/v1/demand",
            &w.enterprise_a.1,
            json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder,
                   "year": chrono::Utc::now().format("%Y").to_string().parse::<i32>().unwrap() + 2, "headcount": 12}),
        )
        .await;
    let missing = existing + 100_000;
    let answers = |token: &str| {
        let token = token.to_string();
        let app = &app;
        async move {
            let mut statuses = Vec::new();
            for id in [existing, missing] {
                let path = format!("/api/v1/demand/{id}");
                statuses.push(app.get(&path, &token).await.status());
                statuses.push(app.delete(&path, &token).await.status());
                statuses.push(
                    app.put_json(
                        &path,
                        &token,
                        &json!({"profession_id": w.welder, "year": 2030, "headcount": 1}),
                    )
                    .await
                    .status(),
                );
            }
            statuses
        }
    };
    for token in [&w.school_a.1, &w.college_a.1] {
        assert_eq!(answers(token).await, [StatusCode::FORBIDDEN; 6]);
    }
    // Analysts read every record, so existence is no secret to them; they never write.
    assert_eq!(
        answers(&w.analyst).await,
        [
            StatusCode::OK,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN
        ]
    );
    assert_eq!(answers(&w.enterprise_b.1).await, [StatusCode::NOT_FOUND; 6]);
    assert_eq!(
        app.get(&format!("/api/v1/demand/{existing}"), &w.enterprise_a.1)
            .await
            .status(),
        StatusCode::OK
    );
}

/// A profession code that opens with '-' reached the CSV's first cells.
#[tokio::test]
async fn profession_codes_start_with_a_letter_or_a_digit() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cluster = app.create_cluster(&admin, "Glass").await;
    for code in ["-1.02", ".02.05", "_x1"] {
        let response = app
            .post_json(
                "/api/v1/professions",
                &admin,
                &json!({"code": code, "title": "Формула", "cluster_id": cluster}),
            )
            .await;
        assert_eq!(invalid_fields(response).await, ["code"], "{code}");
    }
    let professions = app.get_json("/api/v1/professions", &admin).await;
    assert_eq!(professions["total"], 0);
}

/// Every stored change and every read of pupil records is logged, without a
/// pupil's name or reference, for admins only, and the log cannot be changed.
#[tokio::test]
async fn the_audit_log_says_who_changed_and_who_read_what() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let school_user = app.get_json("/api/v1/me", token).await["id"]
        .as_i64()
        .unwrap();
    let pupil = app
        .create(
            "/api/v1/pupils",
            token,
            json!({"school_id": school, "external_ref": "secret-ref-77", "grade": 8,
                   "academic_year": 2025, "consent": true, "display_name": "Секретова Аня"}),
        )
        .await;
    app.get_json(&format!("/api/v1/pupils/{pupil}"), token)
        .await;
    app.get_json("/api/v1/pupils", token).await;
    let response = app.delete(&format!("/api/v1/pupils/{pupil}"), token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let log = app
        .get_json(
            &format!("/api/v1/audit?entity=pupil&actor_id={school_user}"),
            &w.admin,
        )
        .await;
    let actions: Vec<(&str, Option<i64>)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| (line["action"].as_str().unwrap(), line["entity_id"].as_i64()))
        .collect();
    assert_eq!(
        actions,
        [
            ("delete", Some(pupil)),
            ("read", None),
            ("read", Some(pupil)),
            ("create", Some(pupil)),
        ],
        "newest first"
    );
    let text = log.to_string();
    assert!(
        !text.contains("Секретова") && !text.contains("secret-ref-77"),
        "{text}"
    );
    assert!(log["items"][2]["changes"]["school_id"] == *school);
    // Catalogue changes by admins are there too, with their fields.
    let clusters = app.get_json("/api/v1/audit?entity=cluster", &w.admin).await;
    assert_eq!(clusters["total"], 2);
    assert_eq!(clusters["items"][0]["action"], "create");
    assert!(clusters["items"][0]["changes"]["name"].is_string());
    // Only admins read it.
    for other in [&w.analyst, token, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(app.get("/api/v1/audit", other).await, StatusCode::FORBIDDEN).await;
    }
    let response = app.get("/api/v1/audit?from=yesterday", &w.admin).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Append-only, whoever asks the database.
    let mut conn = connect(&app.db);
    let total = |conn: &mut kadry::db::DbConnection| {
        kadry::db::audit::list(
            conn,
            &kadry::db::audit::Filter::default(),
            kadry::domain::Page {
                limit: 1,
                offset: 0,
            },
        )
        .unwrap()
        .1
    };
    let before = total(&mut conn);
    assert!(
        diesel::sql_query("UPDATE audit_log SET action = 'read'")
            .execute(&mut conn)
            .is_err()
    );
    assert!(
        diesel::sql_query("DELETE FROM audit_log")
            .execute(&mut conn)
            .is_err()
    );
    assert_eq!(total(&mut conn), before);
}

/// Round two, finding 2 and 3: `next` after sign-in. Browsers drop tabs and
/// newlines in a `Location` (so `/\t/evil.example` is `//evil.example`), and
/// a newline could not be sent as a header at all: the sign-in answered 500
/// and left a session row behind without a cookie. Now every such `next` is
/// the home page, the sign-in succeeds once and stores one session.
#[tokio::test]
async fn sign_in_redirects_only_to_a_path_of_kadry_itself() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let email = crate::pages::user_in(&app, &admin, "analyst", None).await;
    let sessions = |app: &crate::helpers::TestApp| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = connect(&app.db);
        diesel::sql_query("SELECT COUNT(*) AS n FROM web_sessions")
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    };
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/x\r\nSet-Cookie: stolen=1",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "/\u{0}/evil.example",
    ] {
        let before = sessions(&app);
        let response = crate::pages::client()
            .post(app.url("/login"))
            .form(&[
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            reqwest::StatusCode::SEE_OTHER,
            "{next:?}"
        );
        assert_eq!(response.headers()["location"], "/", "{next:?}");
        assert!(
            crate::pages::set_cookie(response.headers(), "kadry_session").is_some(),
            "{next:?}: signed in"
        );
        assert_eq!(
            sessions(&app),
            before + 1,
            "{next:?}: one session, with its cookie"
        );
    }
    // A path of kadry itself is kept.
    let response = crate::pages::client()
        .post(app.url("/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/forecast?from=2027"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/forecast?from=2027");
}

/// Round two, finding 4: a roster of bad lines answered every error (a 16 MB
/// file gave 65.6 MB of JSON) and four such uploads at once took the server
/// to 1.24 GB. Now the file is read a record at a time, the first 1,000 bad
/// lines are listed and the rest only counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_roster_of_bad_lines_lists_the_first_thousand_and_keeps_memory_bounded() {
    let db = TestDatabase::new();
    let served = Served::start(&db, "");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}", served.address);
    let login: Value = client
        .post(url("/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let school: Value = client
        .post(url("/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&json!({"kind": "school", "name": "Школа № 9", "town": "Владимир", "email": "school9@org.test", "cluster_ids": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let school = school["id"].as_i64().unwrap();
    // Just under the 16 MiB import limit: bad grade, bad consent on every line.
    let mut csv = String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    let mut n = 0;
    while csv.len() < 16 * 1024 * 1024 - 64 {
        csv.push_str(&format!("R{n},99,2025,maybe,,\n"));
        n += 1;
    }
    let rss_before = served.memory_kib("VmRSS");
    let uploads = (0..4).map(|_| {
        let client = client.clone();
        let csv = csv.clone();
        let url = url(&format!("/api/v1/schools/{school}/pupils/import"));
        let token = token.clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.bytes().await.unwrap();
            (status, body)
        }
    });
    let answers = futures_util::future::join_all(uploads).await;
    let peak_kib = served.memory_kib("VmHWM");
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = serde_json::from_slice(body).unwrap();
        let errors = problem["errors"].as_array().unwrap();
        let lines: std::collections::BTreeSet<i64> =
            errors.iter().filter_map(|e| e["line"].as_i64()).collect();
        assert_eq!(lines.len(), 1000, "the first 1,000 bad lines");
        assert_eq!(lines.iter().next(), Some(&2));
        let last = errors.last().unwrap();
        assert_eq!(last["field"], "file");
        assert!(
            last["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{} more bad lines", n - 1000)),
            "{last}"
        );
        assert!(body.len() < 512 * 1024, "{} bytes", body.len());
    }
    println!(
        "{n} bad lines x 4 uploads: RSS {} MiB before, peak {} MiB; answers of {} bytes",
        rss_before / 1024,
        peak_kib / 1024,
        answers[0].1.len()
    );
    // The bodies themselves are 4 x 16 MiB; the finding's peak was 1.24 GiB.
    assert!(
        peak_kib < 300 * 1024,
        "peak RSS {} MiB (the finding: 1.24 GiB)",
        peak_kib / 1024
    );
}

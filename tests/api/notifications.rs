use std::time::Duration;

use diesel::Connection;
use kadry::config::{EmailUrl, Settings};
use kadry::db::outbox;
use kadry::domain::{Email, Language};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestDatabase, World, assert_problem, connect, invalid_fields,
    spawn_app_with, unique,
};
use crate::smtp::SmtpSink;

fn quick_email(settings: &mut Settings, url: &str) {
    settings.email.url = EmailUrl::parse(url).expect("an email URL");
    settings.email.retry_base_seconds = 1;
    settings.email.poll_interval_ms = 50;
    settings.email.shortage_check_seconds = 3600;
    settings.email.timeout_seconds = 5;
}

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| quick_email(settings, &url)).await;
    (app, sink)
}

async fn notifications(app: &TestApp, admin: &str) -> Vec<Value> {
    app.get_json("/api/v1/notifications?limit=500", admin).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until the notification with this subject part has `status`.
async fn wait_status(app: &TestApp, admin: &str, to: &str, status: &str) -> Value {
    for _ in 0..200 {
        let found = notifications(app, admin)
            .await
            .into_iter()
            .find(|n| n["to"] == to && n["status"] == status);
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no notification to {to} reached {status}: {:#?}",
        notifications(app, admin).await
    );
}

#[tokio::test]
async fn an_invitation_arrives_and_its_link_sets_a_password_once() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    let email = format!("{}@kadry.test", unique("new"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst"}),
    )
    .await;
    let received = sink.wait_for(1, 10).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, std::slice::from_ref(&email));
    assert_eq!(received[0].subject(), "Приглашение в kadry");
    let token = received[0]
        .text()
        .split("set-password?token=")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .expect("a set-password link");
    assert_eq!(token.len(), 64);

    let set = |token: String, password: &str| {
        let body = json!({"token": token, "password": password});
        let request = app
            .client
            .post(app.url("/api/v1/auth/set-password"))
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(
        invalid_fields(set(token.clone(), "short").await).await,
        ["password"]
    );
    assert_eq!(
        set(token.clone(), PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    app.token_for(&email, PASSWORD).await;
    // Single use.
    assert_eq!(
        invalid_fields(set(token, "another-password-1").await).await,
        ["token"]
    );
    assert_eq!(
        invalid_fields(set("0".repeat(64), PASSWORD).await).await,
        ["token"]
    );
    app.token_for(&email, PASSWORD).await;
    // A user created with a password gets no invitation.
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "with@kadry.test", "role": "analyst", "password": PASSWORD}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn invitations_follow_the_configured_language() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        quick_email(settings, &url);
        settings.email.language = Language::En;
        settings.email.public_url = "https://kadry.example/".into();
    })
    .await;
    let admin = app.admin_token().await;
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "en@kadry.test", "role": "analyst"}),
    )
    .await;
    let received = sink.wait_for(1, 10).await;
    assert_eq!(received[0].subject(), "Your kadry account");
    assert!(
        received[0]
            .text()
            .contains("https://kadry.example/set-password?token=")
    );
}

#[tokio::test]
async fn demand_is_told_once_to_each_institution_training_the_profession() {
    let (app, sink) = app_with_sink().await;
    let w = World::build(&app).await;
    let program = |institution: i64, profession: i64| {
        json!({"institution_id": institution, "specialty_code": "18.02.05", "title": "Program", "entry_grade": 9,
               "duration_months": 34, "professions": [{"profession_id": profession, "share": 1.0}]})
    };
    app.create(
        "/api/v1/programs",
        &w.admin,
        program(w.college_a.0, w.glass_operator),
    )
    .await;
    app.create(
        "/api/v1/programs",
        &w.admin,
        program(w.college_a.0, w.glass_operator),
    )
    .await;
    app.create(
        "/api/v1/programs",
        &w.admin,
        program(w.college_b.0, w.glass_operator),
    )
    .await;
    let other = app
        .create_organization(&w.admin, "college", "Other college")
        .await;
    app.create("/api/v1/programs", &w.admin, program(other, w.welder))
        .await;
    let mut emails = Vec::new();
    for id in [w.college_a.0, w.college_b.0] {
        let organization = app
            .get_json(&format!("/api/v1/organizations/{id}"), &w.admin)
            .await;
        emails.push(organization["email"].as_str().unwrap().to_string());
    }

    let year = chrono::Datelike::year(&chrono::Utc::now()) + 3;
    let body = json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.glass_operator, "year": year, "headcount": 40});
    let id = app
        .create("/api/v1/demand", &w.enterprise_a.1, body.clone())
        .await;
    let received = sink.wait_for(2, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut to: Vec<String> = sink.received().iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    let mut expected = emails.clone();
    expected.sort();
    assert_eq!(to, expected, "one message per institution, none to others");
    assert!(
        received[0].subject().contains("40") && received[0].subject().contains(&year.to_string()),
        "{}",
        received[0].subject()
    );
    assert!(
        received[0]
            .text()
            .contains(&format!("profession_id={}&year={year}", w.glass_operator))
    );

    // A change of headcount is told; a change of the note alone is not.
    let mut changed = body.clone();
    changed["headcount"] = json!(55);
    assert_eq!(
        app.put_json(&format!("/api/v1/demand/{id}"), &w.enterprise_a.1, &changed)
            .await
            .status(),
        StatusCode::OK
    );
    sink.wait_for(4, 10).await;
    changed["note"] = json!("уточнено");
    app.put_json(&format!("/api/v1/demand/{id}"), &w.enterprise_a.1, &changed)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 4);
    // No message carries a pupil's name: there are none in demand news, and no template takes one.
    assert!(sink.received().iter().all(|r| !r.text().is_empty()));
}

#[tokio::test]
async fn a_451_is_retried_then_delivered_and_a_550_fails_after_one_attempt() {
    let (app, sink) = app_with_sink().await;
    let admin = app.admin_token().await;
    sink.answer_next(&[451]);
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "later@kadry.test", "role": "analyst"}),
    )
    .await;
    let sent = wait_status(&app, &admin, "later@kadry.test", "sent").await;
    assert_eq!(sent["attempts"], 2);
    assert!(sent["sent_at"].is_string());
    assert_eq!(sink.received().len(), 1);

    sink.answer_next(&[550]);
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "never@kadry.test", "role": "analyst"}),
    )
    .await;
    let failed = wait_status(&app, &admin, "never@kadry.test", "failed").await;
    assert_eq!(failed["attempts"], 1);
    assert!(
        failed["last_error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "a permanent failure is not retried"
    );
    let listed = app
        .get_json("/api/v1/notifications?status=failed", &admin)
        .await;
    assert_eq!(listed["total"], 1);

    // An admin sends it again.
    let id = failed["id"].as_i64().unwrap();
    let retried = app
        .post_json(
            &format!("/api/v1/notifications/{id}/retry"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    wait_status(&app, &admin, "never@kadry.test", "sent").await;
    assert_eq!(sink.received().len(), 2);
    let again = app
        .post_json(
            &format!("/api/v1/notifications/{id}/retry"),
            &admin,
            &json!({}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT).await;
    assert_problem(
        app.post_json("/api/v1/notifications/99999/retry", &admin, &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_mail_server_that_is_down_at_first_gets_the_message_once_it_is_up() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = reserved.local_addr().unwrap();
    drop(reserved);
    let url = format!("smtp://{address}");
    let app = spawn_app_with(TestDatabase::new(), |settings| quick_email(settings, &url)).await;
    let admin = app.admin_token().await;
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "patient@kadry.test", "role": "analyst"}),
    )
    .await;
    let mut waited = None;
    for _ in 0..100 {
        let found = notifications(&app, &admin)
            .await
            .into_iter()
            .find(|n| n["to"] == "patient@kadry.test");
        if let Some(n) = found.filter(|n| n["last_error"].is_string()) {
            waited = Some(n);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waited = waited.expect("a failed first attempt");
    assert_eq!(
        waited["status"], "pending",
        "a refused connection is transient: {waited}"
    );
    let sink = SmtpSink::start_on(&address.to_string()).await;
    wait_status(&app, &admin, "patient@kadry.test", "sent").await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_transaction_that_fails_leaves_no_message_behind() {
    let (app, sink) = app_with_sink().await;
    let w = World::build(&app).await;
    let before = notifications(&app, &w.admin).await.len();
    // Through the API: demand that fails validation inside its transaction.
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let response = app
        .post_json("/api/v1/demand", &w.enterprise_a.1, &json!({"enterprise_id": w.enterprise_a.0, "profession_id": 99999, "year": year, "headcount": 5}))
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    // A user whose creation conflicts sends no invitation.
    let response = app
        .post_json(
            "/api/v1/users",
            &w.admin,
            &json!({"email": "admin@kadry.test", "role": "analyst"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
    // Directly: messages enqueued in a transaction that rolls back are gone with it.
    let mut conn = connect(&app.db);
    let email = Email {
        kind: "test",
        recipient: "x@kadry.test".into(),
        subject: "rolled back".into(),
        text: "t".into(),
        html: "h".into(),
    };
    let outcome: Result<(), diesel::result::Error> = conn.transaction(|conn| {
        outbox::enqueue(conn, std::slice::from_ref(&email))?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(outcome.is_err());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(notifications(&app, &w.admin).await.len(), before);
    assert!(sink.received().iter().all(|r| r.subject() != "rolled back"));
}

#[tokio::test]
async fn messages_of_a_killed_process_are_delivered_by_the_next_one() {
    let db = TestDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    // The first process delivers nothing: its worker is off, as if it crashed before sending.
    let config = dir.path().join("kadry.toml");
    std::fs::write(&config, "[email]\nworker = false\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kadry"))
        .arg("serve")
        .env("KADRY_CONFIG", &config)
        .env("KADRY_DATABASE_URL", &db.url)
        .env("KADRY_BIND", format!("127.0.0.1:{port}"))
        .env("KADRY_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("KADRY_ADMIN_EMAIL", crate::helpers::ADMIN_EMAIL)
        .env("KADRY_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
        .env("KADRY_LOG", "error")
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut token = None;
    for _ in 0..100 {
        if let Ok(response) = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD}))
            .send()
            .await
            && response.status() == StatusCode::OK
        {
            token = response.json::<Value>().await.unwrap()["access_token"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = token.expect("the first process serves");
    for n in 0..3 {
        let response = client
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(&token)
            .json(&json!({"email": format!("crash{n}@kadry.test"), "role": "analyst"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // A message a dead worker had claimed: its lease ran out.
    {
        use diesel::RunQueryDsl;
        let mut conn = connect(&db);
        outbox::enqueue(
            &mut conn,
            &[Email {
                kind: "test",
                recipient: "claimed@kadry.test".into(),
                subject: "claimed".into(),
                text: "t".into(),
                html: "h".into(),
            }],
        )
        .unwrap();
        diesel::sql_query("UPDATE outbox SET status = 'sending', attempts = 1, lease_until = '2000-01-01 00:00:00' WHERE recipient = 'claimed@kadry.test'")
            .execute(&mut conn)
            .unwrap();
    }

    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(db, |settings| quick_email(settings, &url)).await;
    let received = sink.wait_for(4, 15).await;
    let mut to: Vec<String> = received.iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "claimed@kadry.test",
            "crash0@kadry.test",
            "crash1@kadry.test",
            "crash2@kadry.test"
        ]
    );
    let admin = app.admin_token().await;
    assert!(
        notifications(&app, &admin)
            .await
            .iter()
            .all(|n| n["status"] == "sent")
    );
}

#[tokio::test]
async fn two_workers_on_one_outbox_deliver_each_message_exactly_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let first = spawn_app_with(TestDatabase::new(), |settings| {
        quick_email(settings, &url);
        settings.email.batch_size = 7;
    })
    .await;
    let mut second_settings = crate::helpers::test_settings(&first.db.url, &[]);
    quick_email(&mut second_settings, &url);
    second_settings.email.batch_size = 5;
    let second = kadry::startup::Application::build(second_settings)
        .await
        .unwrap();
    tokio::spawn(second.run_until_stopped());

    let emails: Vec<Email> = (0..300)
        .map(|n| Email {
            kind: "test",
            recipient: format!("r{n}@kadry.test"),
            subject: format!("message {n}"),
            text: "t".into(),
            html: "h".into(),
        })
        .collect();
    let mut conn = connect(&first.db);
    outbox::enqueue(&mut conn, &emails).unwrap();
    let received = sink.wait_for(300, 60).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = if received.len() < sink.received().len() {
        sink.received()
    } else {
        received
    };
    let mut subjects: Vec<String> = received.iter().map(|r| r.subject()).collect();
    subjects.sort();
    let total = subjects.len();
    subjects.dedup();
    assert_eq!(subjects.len(), 300, "every message arrived");
    assert_eq!(total, 300, "none twice");
}

#[tokio::test]
async fn only_admins_see_and_retry_notifications() {
    let (app, _sink) = app_with_sink().await;
    let w = World::build(&app).await;
    for token in [&w.analyst, &w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(
            app.get("/api/v1/notifications", token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.post_json("/api/v1/notifications/1/retry", token, &json!({}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        app.get("/api/v1/notifications?status=lost", &w.admin).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn each_crossing_into_and_out_of_shortage_is_told_exactly_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        quick_email(settings, &url);
        settings.email.shortage_check_seconds = 1;
    })
    .await;
    let w = World::build(&app).await;
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 2;
    let analyst_email = app.get_json("/api/v1/me", &w.analyst).await["email"]
        .as_str()
        .unwrap()
        .to_string();
    let enterprise_email = app
        .get_json(
            &format!("/api/v1/organizations/{}", w.enterprise_a.0),
            &w.admin,
        )
        .await["email"]
        .as_str()
        .unwrap()
        .to_string();
    // No program trains welders, so 30 demanded is a gap of 30: a shortage.
    let id = app
        .create("/api/v1/demand", &w.enterprise_a.1, json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year, "headcount": 30}))
        .await;
    let mut expected = vec![analyst_email.clone(), enterprise_email.clone()];
    expected.sort();
    let received = sink.wait_for(2, 15).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let shortage: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|r| r.subject().starts_with("Дефицит кадров"))
        .collect();
    let mut to: Vec<String> = shortage.iter().flat_map(|r| r.to.clone()).collect();
    to.sort();
    assert_eq!(
        to, expected,
        "told once to the analyst and the enterprise: {received:#?}"
    );
    assert!(shortage[0].subject().contains("22.02.06"));
    assert!(
        shortage[0].text().contains(&format!("{year}:")),
        "{}",
        shortage[0].text()
    );

    // Demand falls below 10: out of shortage, told once.
    let response = app
        .put_json(
            &format!("/api/v1/demand/{id}"),
            &w.enterprise_a.1,
            &json!({"profession_id": w.welder, "year": year, "headcount": 8}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    sink.wait_for(4, 15).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let over: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|r| r.subject().starts_with("Дефицит преодолён"))
        .collect();
    assert_eq!(over.len(), 2, "{:#?}", sink.received());
    assert_eq!(sink.received().len(), 4);
}

#[tokio::test]
async fn a_shortage_that_eases_is_not_told_as_over_and_unknown_demand_tells_nothing() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        quick_email(settings, &url);
        settings.email.shortage_check_seconds = 1;
    })
    .await;
    let w = World::build(&app).await;
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 2;
    let subjects = |sink: &SmtpSink, start: &str| {
        sink.received()
            .into_iter()
            .filter(|r| r.subject().starts_with(start))
            .map(|r| r.text())
            .collect::<Vec<String>>()
    };
    // Welders in two years, both short (nobody trains them).
    let first = app
        .create("/api/v1/demand", &w.enterprise_a.1, json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year, "headcount": 30}))
        .await;
    let second = app
        .create("/api/v1/demand", &w.enterprise_a.1, json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year + 1, "headcount": 30}))
        .await;
    for _ in 0..75 {
        let told: usize = subjects(&sink, "Дефицит кадров")
            .iter()
            .map(|text| {
                usize::from(text.contains(&format!("{year}:")))
                    + usize::from(text.contains(&format!("{}:", year + 1)))
            })
            .sum();
        if told >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The first year eases; the second is still short: "eased", not "over".
    let response = app
        .put_json(
            &format!("/api/v1/demand/{first}"),
            &w.enterprise_a.1,
            &json!({"profession_id": w.welder, "year": year, "headcount": 8}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for _ in 0..75 {
        if subjects(&sink, "Дефицит сократился").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let eased = subjects(&sink, "Дефицит сократился");
    assert_eq!(eased.len(), 2, "{:#?}", sink.received());
    assert!(
        eased[0].contains(&format!("Больше не в дефиците: {year}.")),
        "{}",
        eased[0]
    );
    assert!(
        eased[0].contains(&format!("Дефицит сохраняется: {}.", year + 1)),
        "{}",
        eased[0]
    );
    // The second year's demand is withdrawn: its demand is no longer known
    // (no enterprise has posted for it), which is no news at all.
    let response = app
        .delete(&format!("/api/v1/demand/{second}"), &w.enterprise_a.1)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let before = sink.received().len();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(sink.received().len(), before, "{:#?}", sink.received());
    assert!(subjects(&sink, "Дефицит преодолён").is_empty());
    let forecast = app
        .get_json(
            &format!(
                "/api/v1/forecast?from={year}&to={}&profession_id={}",
                year + 1,
                w.welder
            ),
            &w.analyst,
        )
        .await;
    let known: Vec<bool> = forecast["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["demand_known"].as_bool().unwrap())
        .collect();
    assert_eq!(known, [true, false]);
    assert_eq!(
        forecast["demand_until"],
        json!([{"profession_id": w.welder, "year": year}])
    );
}

#[tokio::test]
async fn an_incomplete_cell_is_never_told_as_a_shortage() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        quick_email(settings, &url);
        settings.email.shortage_check_seconds = 1;
    })
    .await;
    let w = World::build(&app).await;
    let as_of = kadry::domain::numbers::current_academic_year();
    // Welders train for three years with seats since 2020. The cohort that
    // would graduate in as_of + 2 started in as_of - 1, and the college has
    // not recorded how many actually started: kadry does not know that cell.
    let program = app
        .create(
            "/api/v1/programs",
            &w.admin,
            json!({"institution_id": w.college_a.0, "specialty_code": "22.02.06", "title": "Welding",
                   "entry_grade": 9, "duration_months": 34,
                   "professions": [{"profession_id": w.welder, "share": 1.0}]}),
        )
        .await;
    let response = app
        .put_json(
            &format!("/api/v1/programs/{program}/intakes/2020"),
            &w.admin,
            &json!({"seats": 25, "targeted_seats": 0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let year = as_of + 2;
    app.create(
        "/api/v1/demand",
        &w.enterprise_a.1,
        json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year, "headcount": 30}),
    )
    .await;
    let forecast = app
        .get_json(
            &format!("/api/v1/forecast?as_of={as_of}&from={year}&to={year}"),
            &w.analyst,
        )
        .await;
    let cell = forecast["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profession_id"] == w.welder)
        .unwrap()
        .clone();
    assert_eq!(
        (cell["gap"].clone(), cell["complete"].clone()),
        (json!(30.0), json!(false))
    );
    // Demand news goes to the college; no shortage news, check after check.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let shortages = |sink: &SmtpSink| {
        sink.received()
            .into_iter()
            .filter(|r| r.subject().starts_with("Дефицит кадров"))
            .count()
    };
    assert_eq!(shortages(&sink), 0, "{:#?}", sink.received());
    // Once the college records that nobody started, the cell is known and short.
    let response = app
        .put_json(
            &format!("/api/v1/programs/{program}/enrollments/{}", as_of - 1),
            &w.admin,
            &json!({"students": 0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for _ in 0..50 {
        if shortages(&sink) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The analyst, the college training welders and the enterprise demanding them.
    assert_eq!(shortages(&sink), 3, "{:#?}", sink.received());
}

#[tokio::test]
async fn the_file_transport_writes_each_message_as_an_eml_file() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("file://{}", folder.path().join("mail").display());
    let app = spawn_app_with(TestDatabase::new(), |settings| quick_email(settings, &url)).await;
    let admin = app.admin_token().await;
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "filed@kadry.test", "role": "analyst"}),
    )
    .await;
    wait_status(&app, &admin, "filed@kadry.test", "sent").await;
    let files: Vec<_> = std::fs::read_dir(folder.path().join("mail"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let written = std::fs::read_to_string(&files[0]).unwrap();
    assert!(written.contains("To: filed@kadry.test"), "{written}");
}

//! `/metrics`: not there without a token, refused without the token, and
//! with it the process's requests, pool, outbox, kept answers, hashing gate
//! and sign-in failures in Prometheus text.
//!
//! The recorder is one per process, shared by every test app in this
//! binary, so counters are compared before and after, never to a number.

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::helpers::{
    ADMIN_EMAIL, TestApp, TestDatabase, World, spawn_app, spawn_app_with, take_database_away,
};

const TOKEN: &str = "scraper-token-0123456789";

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET /metrics")
}

async fn text(app: &TestApp) -> String {
    let response = scrape(app, Some(TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    response.text().await.unwrap()
}

/// The value of the sample of `name` whose labels include every one of
/// `labels` (`route="/x"`), summed over the rest; 0 if there is none.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = match series.split_once('{') {
                Some((metric, rest)) => (metric, rest),
                None => (series, ""),
            };
            (metric == name && labels.iter().all(|label| rest.contains(label)))
                .then(|| value.parse::<f64>().ok())?
        })
        .sum()
}

fn has(text: &str, name: &str) -> bool {
    text.lines()
        .any(|line| !line.starts_with('#') && line.starts_with(name))
}

#[tokio::test]
async fn without_a_token_set_there_are_no_metrics() {
    let app = spawn_app().await;
    let response = scrape(&app, None).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 404);
    // Not even to someone who guesses a token.
    assert_eq!(
        scrape(&app, Some(TOKEN)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn metrics_need_their_token_and_tell_what_the_process_did() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        settings.server.metrics_token = Some(kadry::config::MetricsToken(TOKEN.into()));
    })
    .await;

    for token in [None, Some("scraper-token-0123456780"), Some("short")] {
        let response = scrape(&app, token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 401);
        assert!(!body.to_string().contains(TOKEN));
    }
    // A user's token is not the scraper's.
    let w = World::build(&app).await;
    assert_eq!(
        scrape(&app, Some(&w.admin)).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let before = text(&app).await;
    let route = r#"route="/api/v1/clusters/{id}""#;
    let ok = [route, r#"method="GET""#, r#"status="200""#];
    let missing = [route, r#"method="GET""#, r#"status="404""#];
    for _ in 0..3 {
        let response = app
            .get(&format!("/api/v1/clusters/{}", w.glass), &w.analyst)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = app.get("/api/v1/clusters/999999", &w.analyst).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // The forecast twice: the second is a kept answer.
    for _ in 0..2 {
        let response = app
            .get("/api/v1/forecast?from=2027&to=2030", &w.analyst)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let wrong = app.login(ADMIN_EMAIL, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let after = text(&app).await;

    let counted = |labels: &[&str]| {
        sample(&after, "kadry_http_requests_total", labels)
            - sample(&before, "kadry_http_requests_total", labels)
    };
    // Other tests in this binary share the recorder; they do not read
    // this app's cluster, but may read clusters, so at least ours are there.
    assert!(counted(&ok) >= 3.0, "{after}");
    assert!(counted(&missing) >= 1.0, "{after}");
    assert!(
        !after.contains(&format!("/api/v1/clusters/{}\"", w.glass)),
        "routes by pattern, never by path"
    );
    let latency = |text: &str| sample(text, "kadry_http_request_duration_seconds_count", &ok);
    assert!(latency(&after) - latency(&before) >= 3.0);
    assert!(has(&after, "kadry_http_request_duration_seconds_bucket{"));

    let hits = |text: &str| sample(text, "kadry_kept_answers_total", &[r#"result="hit""#]);
    assert!(
        hits(&after) - hits(&before) >= 1.0,
        "the second forecast was kept"
    );
    let failures = |text: &str| sample(text, "kadry_sign_in_failures_total", &[]);
    assert!(failures(&after) - failures(&before) >= 1.0);

    for gauge in [
        "kadry_db_pool_connections{",
        "kadry_db_pool_max_connections",
        "kadry_db_pool_wait_seconds_count",
        "kadry_outbox_messages{",
        "kadry_outbox_oldest_pending_age_seconds",
        "kadry_hashing_in_use",
        "kadry_hashing_queued",
        "kadry_kept_users",
    ] {
        assert!(has(&after, gauge), "{gauge} in\n{after}");
    }
    assert_eq!(
        sample(&after, "kadry_db_pool_max_connections", &[]),
        4.0,
        "the test's pool"
    );
    assert!(sample(&after, "kadry_db_pool_connections", &[r#"state="in_use""#]) >= 0.0);
}

/// With the database gone (PostgreSQL: every query fails; SQLite: the write
/// lock held elsewhere, so writes time out) the scraper still gets its
/// metrics, with the failed requests counted, and on PostgreSQL
/// `kadry_database_up` 0 until the database is back.
#[tokio::test]
async fn metrics_are_served_while_the_database_is_down() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        settings.server.metrics_token = Some(kadry::config::MetricsToken(TOKEN.into()));
        settings.database.timeout_seconds = 1;
        settings.database.sqlite_busy_timeout_ms = 100;
    })
    .await;
    let admin = app.admin_token().await;
    let before = text(&app).await;
    let release = take_database_away(&app);

    let refused = app
        .post_json(
            "/api/v1/clusters",
            &admin,
            &serde_json::json!({"name": "Glass", "industry": "glass"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let during = text(&app).await;
    let unavailable = [
        r#"route="/api/v1/clusters""#,
        r#"method="POST""#,
        r#"status="503""#,
    ];
    let counted = |text: &str| sample(text, "kadry_http_requests_total", &unavailable);
    assert!(counted(&during) - counted(&before) >= 1.0, "{during}");
    let up = |text: &str| sample(text, "kadry_database_up", &[]);
    if app.db.is_postgres() {
        // The gauge is one per process and other apps in this binary scrape
        // too: 0 is seen on one of a few scrapes while the database is gone.
        let mut seen = up(&during) == 0.0;
        for _ in 0..3 {
            seen = seen || up(&text(&app).await) == 0.0;
        }
        assert!(seen, "kadry_database_up stayed 1 with the database gone");
    } else {
        assert_eq!(up(&during), 1.0, "a SQLite reader still answers");
    }

    release();
    let back = crate::helpers::ready_again(&app).await;
    assert!(back, "the database came back");
    let mut up_again = false;
    for _ in 0..20 {
        if up(&text(&app).await) == 1.0 {
            up_again = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(up_again, "kadry_database_up is 1 once the database is back");
}

//! SIGTERM lets the requests in flight finish: `kadry serve` as a real
//! process on the demo region, 50 forecasts asked at once, SIGTERM while
//! they run; every one is answered in full and the process exits 0.

use std::time::{Duration, Instant};

use kadry::cli::load_demo;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestDatabase, test_settings};
use crate::security::Served;

#[tokio::test]
async fn sigterm_drains_the_requests_in_flight() {
    let db = TestDatabase::new();
    let mut settings = test_settings(&db.url, &[]);
    load_demo(&mut settings, 33, 2_000, false)
        .await
        .expect("the demo loads");
    let mut served = Served::start(&db, "");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", served.address))
        .json(&json!({"email": "analyst@kadry.demo", "password": "demo-analyst-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_string();
    let started = Instant::now();
    let mut requests = Vec::new();
    for _ in 0..50 {
        let request = client
            .get(format!("{}/api/v1/forecast", served.address))
            .bearer_auth(&token);
        requests.push(tokio::spawn(async move {
            let response = request.send().await?;
            let status = response.status();
            let body: Value = response.json().await?;
            Ok::<_, reqwest::Error>((status, body))
        }));
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pid = served.child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let signalled = started.elapsed();
    let mut answered = 0;
    for request in requests {
        let (status, body) = request
            .await
            .unwrap()
            .expect("answered in full, not cut off");
        assert_eq!(status, StatusCode::OK);
        assert!(body["rows"].as_array().is_some_and(|rows| !rows.is_empty()));
        answered += 1;
    }
    let finished = started.elapsed();
    assert_eq!(answered, 50);
    let status = served.child.wait().expect("the server exits");
    assert!(status.success(), "exit status {status:?}");
    eprintln!("shutdown: SIGTERM after {signalled:?}, the last of 50 answers after {finished:?}");
    let refused = client
        .get(format!("{}/health", served.address))
        .send()
        .await;
    assert!(refused.is_err(), "nothing listens any more");
}

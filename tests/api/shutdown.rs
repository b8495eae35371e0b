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
    // 50 connections opened and accepted first (kept alive in the client's
    // pool), so that what SIGTERM finds is requests being handled, not
    // connections still waiting in the kernel's accept queue.
    let warm: Vec<_> = (0..50)
        .map(|_| client.get(format!("{}/health", served.address)).send())
        .collect();
    for response in futures_util::future::join_all(warm).await {
        assert!(response.unwrap().status().is_success());
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut requests = Vec::new();
    for _ in 0..50 {
        let request = client
            .get(format!("{}/api/v1/forecast", served.address))
            .bearer_auth(&token);
        let done = done.clone();
        requests.push(tokio::spawn(async move {
            let response = request.send().await?;
            let status = response.status();
            let body: Value = response.json().await?;
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, reqwest::Error>((status, body))
        }));
    }
    // SIGTERM once the server has read every request sent to it: a request
    // still in the kernel's buffer when the server stops is not one it took
    // on (its connection is closed, as it would be on any server).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let port: u16 = served.address.rsplit(':').next().unwrap().parse().unwrap();
    for _ in 0..400 {
        if unread_bytes(port) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = served.child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let signalled = started.elapsed();
    let in_flight = 50 - done.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        in_flight > 0,
        "every answer came before SIGTERM: nothing was drained"
    );
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
    eprintln!(
        "shutdown: SIGTERM after {signalled:?} with {in_flight} of 50 in flight, the last answer after {finished:?}"
    );
    let refused = client
        .get(format!("{}/health", served.address))
        .send()
        .await;
    assert!(refused.is_err(), "nothing listens any more");
}

/// Bytes waiting unread in the server's end of its connections on `port`
/// (the `rx_queue` of `/proc/net/tcp`'s established sockets).
fn unread_bytes(port: u16) -> u64 {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local_address, state, queues) = (fields.get(1)?, fields.get(3)?, fields.get(4)?);
            let established = *state == "01";
            (established && local_address.ends_with(&local)).then(|| {
                let rx = queues.split(':').nth(1).unwrap_or("0");
                u64::from_str_radix(rx, 16).unwrap_or(0)
            })
        })
        .sum()
}

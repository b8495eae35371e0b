//! Times the roster import of 10,000 rows through the real server (release build).
//!
//! `cargo bench --bench import` runs it on a SQLite file in a temporary folder
//! and, with `KADRY_BENCH_DATABASE_URL=postgres://...` (a server; a fresh
//! database is created and dropped), on PostgreSQL in the same run. Target:
//! under 2 s a request.

mod common;

use std::time::{Duration, Instant};

use common::{Backends, SECRET};
use kadry::config::Settings;
use kadry::startup::Application;
use serde_json::{Value, json};

const ROWS: usize = 10_000;
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    kadry::telemetry::init("warn");
    let backends = Backends::fresh(&format!("kadry_bench_import_{}", std::process::id()));
    for (backend, url) in &backends.list {
        import(backend, url).await;
    }
}

async fn import(backend: &str, url: &str) {
    let env = [
        ("KADRY_DATABASE_URL", url),
        ("KADRY_BIND", "127.0.0.1:0"),
        ("KADRY_JWT_SECRET", SECRET),
        ("KADRY_ADMIN_EMAIL", "admin@bench.test"),
        ("KADRY_ADMIN_PASSWORD", "bench-password"),
        ("KADRY_LOG", "warn"),
    ];
    let settings = Settings::from_sources(|name| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .expect("settings");
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    let token = common::token(&client, &base, "admin@bench.test", "bench-password").await;
    let post = |path: &str, body: Value| {
        let request = client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body);
        async move {
            request.send().await.unwrap().json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let cluster = post(
        "/api/v1/clusters",
        json!({"name": "Glass", "industry": "glass"}),
    )
    .await;
    post(
        "/api/v1/professions",
        json!({"code": "18.02.05", "title": "Glass", "cluster_id": cluster}),
    )
    .await;
    let school = post(
        "/api/v1/organizations",
        json!({"kind": "school", "name": "School", "town": "Town", "email": "s@bench.test"}),
    )
    .await;

    let mut csv = String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    for n in 0..ROWS {
        let consent = n % 5 != 0;
        let (name, interests) = if consent {
            (format!("Pupil {n}"), "P:18.02.05:1;C:Glass:2".to_string())
        } else {
            (String::new(), String::new())
        };
        csv.push_str(&format!(
            "R-{n:05},{},2025,{consent},{name},{interests}\n",
            5 + n % 7
        ));
    }

    let mut times = Vec::new();
    for run in 0..RUNS {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/schools/{school}/pupils/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap_or_default()
        );
        let kind = if run == 0 { "create" } else { "update" };
        println!(
            "[{backend}] run {run} ({kind} {ROWS} rows): {:.0} ms",
            elapsed.as_secs_f64() * 1000.0
        );
        times.push(elapsed);
    }
    let mut updates: Vec<Duration> = times[1..].to_vec();
    updates.sort();
    println!(
        "backend {backend}: first import (creates) {:.0} ms; median re-import (updates) {:.0} ms",
        times[0].as_secs_f64() * 1000.0,
        updates[updates.len() / 2].as_secs_f64() * 1000.0
    );

    handle.stop(true).await;
}

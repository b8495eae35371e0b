//! A mixed authenticated read load on the demo region (release build):
//! `cargo bench --bench load`.
//!
//! Loads the demo region (85,000 pupils; `KADRY_BENCH_PUPILS` for another
//! size) into a fresh SQLite file (and a fresh PostgreSQL database too when
//! `KADRY_BENCH_DATABASE_URL` names a server), starts `kadry serve` as a child
//! process, and keeps `KADRY_BENCH_CONNECTIONS` (default 50) clients busy for
//! `KADRY_BENCH_SECONDS` (default 10) with 14 authenticated GETs, each client
//! taking them in turn. Prints requests per second and the median and p99
//! latency per endpoint and for all of them; the client runs on the same
//! machine, as wrk would. Then asks the heavy reads one at a time, each right
//! after a write (so computed from the database, not kept in memory) and once
//! more (kept), and prints the medians of 15 rounds.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backends, load_demo, quantile, ready, serve, setting};
use serde_json::Value;

fn main() {
    let pupils: usize = setting("KADRY_BENCH_PUPILS", 85_000);
    let backends = Backends::fresh("kadry_bench_load");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for (name, url) in &backends.list {
        load_demo(url, pupils);
        let server = serve(url, &[]);
        runtime.block_on(load(name, &server.base, pupils));
    }
}

async fn load(backend: &str, base: &str, pupils: usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    ready(&client, base).await;
    let token = common::token(&client, base, "analyst@kadry.demo", "demo-analyst-pass").await;
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
    };
    let schools: Value = get("/api/v1/organizations?kind=school&limit=1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let school = schools["items"][0]["id"].as_i64().unwrap();
    let rows: Value = get("/api/v1/forecast").await.unwrap().json().await.unwrap();
    let cell = &rows["rows"][0];
    let paths: Vec<String> = vec![
        "/api/v1/me".into(),
        "/api/v1/clusters".into(),
        "/api/v1/professions".into(),
        "/api/v1/organizations".into(),
        "/api/v1/programs".into(),
        "/api/v1/demand".into(),
        "/api/v1/events".into(),
        "/api/v1/forecast".into(),
        "/api/v1/forecast/parameters".into(),
        format!(
            "/api/v1/forecast/explain?profession_id={}&year={}",
            cell["profession_id"], cell["year"]
        ),
        "/api/v1/stats/pupils?group_by=grade".into(),
        "/api/v1/stats/pupils?group_by=school".into(),
        "/api/v1/stats/pupils?group_by=interest".into(),
        format!("/api/v1/schools/{school}/guidance-report"),
    ];
    let connections: usize = setting("KADRY_BENCH_CONNECTIONS", 50);
    let seconds: u64 = setting("KADRY_BENCH_SECONDS", 10);
    let times: Arc<Mutex<BTreeMap<usize, Vec<Duration>>>> = Arc::default();
    let failures = Arc::new(Mutex::new(0usize));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut clients = Vec::new();
    for worker in 0..connections {
        let (client, token, base, paths) = (
            client.clone(),
            token.clone(),
            base.to_string(),
            paths.clone(),
        );
        let (times, failures) = (times.clone(), failures.clone());
        clients.push(tokio::spawn(async move {
            let mut turn = worker;
            while Instant::now() < deadline {
                let index = turn % paths.len();
                turn += 1;
                let sent = Instant::now();
                let answer = client
                    .get(format!("{base}{}", paths[index]))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let ok = match answer {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                let took = sent.elapsed();
                if ok {
                    times.lock().unwrap().entry(index).or_default().push(took);
                } else {
                    *failures.lock().unwrap() += 1;
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let times = std::mem::take(&mut *times.lock().unwrap());
    println!(
        "\n{backend}: demo region, {pupils} pupils; {connections} connections for {seconds} s; failures: {}",
        failures.lock().unwrap()
    );
    println!("| endpoint | requests/s | median ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    let mut all = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let mut these = times.get(&index).cloned().unwrap_or_default();
        if these.is_empty() {
            println!("| `{path}` | 0 | - | - |");
            continue;
        }
        all.extend(these.iter().copied());
        let rate = these.len() as f64 / elapsed;
        println!(
            "| `{path}` | {rate:.0} | {:.1} | {:.1} |",
            quantile(&mut these, 0.5),
            quantile(&mut these, 0.99)
        );
    }
    let rate = all.len() as f64 / elapsed;
    println!(
        "| all | {rate:.0} | {:.1} | {:.1} |",
        quantile(&mut all, 0.5),
        quantile(&mut all, 0.99)
    );
    alone(&client, base, &token, &paths[6..]).await;
}

/// One request at a time: each path right after a write (computed from the
/// database) and once more (the kept answer), 15 rounds, medians.
async fn alone(client: &reqwest::Client, base: &str, token: &str, paths: &[String]) {
    let admin = common::token(client, base, "admin@kadry.demo", "demo-admin-pass").await;
    let parameters: Value = client
        .get(format!("{base}/api/v1/forecast/parameters"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let timed = |path: String| async move {
        let sent = Instant::now();
        let response = client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "GET {path}");
        response.bytes().await.unwrap();
        sent.elapsed()
    };
    let mut computed: Vec<Vec<Duration>> = vec![Vec::new(); paths.len()];
    let mut kept: Vec<Vec<Duration>> = vec![Vec::new(); paths.len()];
    for _ in 0..15 {
        // A write (the same parameters again) raises the data's generation.
        let written = client
            .put(format!("{base}/api/v1/forecast/parameters"))
            .bearer_auth(&admin)
            .json(&parameters)
            .send()
            .await
            .unwrap();
        assert!(written.status().is_success());
        for (i, path) in paths.iter().enumerate() {
            computed[i].push(timed(path.clone()).await);
            kept[i].push(timed(path.clone()).await);
        }
    }
    let median = |all: &mut Vec<Duration>| {
        all.sort();
        all[all.len() / 2].as_secs_f64() * 1000.0
    };
    println!("\nOne at a time, median of 15: right after a write, and asked again");
    println!("| endpoint | after a write ms | again ms |");
    println!("| --- | --- | --- |");
    for (i, path) in paths.iter().enumerate() {
        println!(
            "| `{path}` | {:.2} | {:.2} |",
            median(&mut computed[i]),
            median(&mut kept[i])
        );
    }
}

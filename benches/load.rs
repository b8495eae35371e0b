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

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use serde_json::Value;

const KADRY: &str = env!("CARGO_BIN_EXE_kadry");
const SECRET: &str = "bench-secret-bench-secret-bench-secret";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let pupils: usize = setting("KADRY_BENCH_PUPILS", 85_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut backends = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("load.db").display()),
    )];
    let server = std::env::var("KADRY_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    if let Some(server) = &server {
        let mut admin = kadry::db::establish_postgres(server).expect("reach the PostgreSQL server");
        diesel::sql_query("DROP DATABASE IF EXISTS kadry_bench_load WITH (FORCE)")
            .execute(&mut admin)
            .unwrap();
        diesel::sql_query("CREATE DATABASE kadry_bench_load")
            .execute(&mut admin)
            .unwrap();
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        backends.push(("PostgreSQL", format!("{base}/kadry_bench_load")));
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for (name, url) in &backends {
        let loaded = Command::new(KADRY)
            .args(["demo", "--no-serve", "--pupils", &pupils.to_string()])
            .env("KADRY_DATABASE_URL", url)
            .env("KADRY_JWT_SECRET", SECRET)
            .env("KADRY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run kadry demo");
        assert!(loaded.success(), "kadry demo failed on {name}");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let _server = Server(
            Command::new(KADRY)
                .arg("serve")
                .env("KADRY_DATABASE_URL", url)
                .env("KADRY_BIND", format!("127.0.0.1:{port}"))
                .env("KADRY_JWT_SECRET", SECRET)
                .env("KADRY_LOG", "warn")
                .env("KADRY_EMAIL_URL", "log")
                .stderr(Stdio::null())
                .spawn()
                .expect("start kadry serve"),
        );
        runtime.block_on(load(name, &format!("http://127.0.0.1:{port}"), pupils));
    }
    if let Some(server) = &server
        && let Ok(mut admin) = kadry::db::establish_postgres(server)
    {
        let _ = diesel::sql_query("DROP DATABASE IF EXISTS kadry_bench_load WITH (FORCE)")
            .execute(&mut admin);
    }
}

async fn load(backend: &str, base: &str, pupils: usize) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    for _ in 0..300 {
        if client
            .get(format!("{base}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "analyst@kadry.demo", "password": "demo-analyst-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("a token").to_string();
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
    let quantile = |all: &mut Vec<Duration>, q: f64| {
        all.sort();
        all[((all.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
    };
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
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@kadry.demo", "password": "demo-admin-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = login["access_token"].as_str().expect("a token").to_string();
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

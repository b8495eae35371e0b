//! The heatmap page against the API's forecast (release build):
//! `cargo bench --bench pages`.
//!
//! Loads the demo region (`kadry demo --no-serve`, 85,000 pupils unless
//! `KADRY_BENCH_PUPILS` says otherwise) into a fresh SQLite file, starts
//! `kadry serve` as a child process, signs in once as the demo analyst on the
//! page (a session cookie) and on the API (a token), and asks, by turns, 30
//! times each: `GET /forecast` (the heatmap, the default years) and
//! `GET /api/v1/forecast` (the same years). Prints both medians and p90s,
//! their ratio (the target: under 3), and the weight of the heatmap with
//! its stylesheet (the target: under 300 KB; the page has no script and its
//! pictures are inline).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const KADRY: &str = env!("CARGO_BIN_EXE_kadry");
const SECRET: &str = "bench-secret-bench-secret-bench-secret";
const REQUESTS: usize = 30;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(times: &[Duration], p: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let pupils: usize = std::env::var("KADRY_BENCH_PUPILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(85_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let loaded = Command::new(KADRY)
        .args(["demo", "--no-serve", "--pupils", &pupils.to_string()])
        .env("KADRY_DATABASE_URL", &url)
        .env("KADRY_JWT_SECRET", SECRET)
        .env("KADRY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run kadry demo");
    assert!(loaded.success(), "kadry demo failed");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(KADRY)
            .arg("serve")
            .env("KADRY_DATABASE_URL", &url)
            .env("KADRY_BIND", format!("127.0.0.1:{port}"))
            .env("KADRY_JWT_SECRET", SECRET)
            .env("KADRY_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()
            .expect("start kadry serve"),
    );
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(measure(&base, pupils));
}

async fn measure(base: &str, pupils: usize) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..200 {
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
    let (email, password) = ("analyst@kadry.demo", "demo-analyst-pass");
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().expect("a token").to_string();
    let signed_in = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kadry_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();

    let page = || {
        client
            .get(format!("{base}/forecast"))
            .header("cookie", &cookie)
    };
    let api = || {
        client
            .get(format!("{base}/api/v1/forecast"))
            .bearer_auth(&token)
    };
    let (mut page_times, mut api_times) = (Vec::new(), Vec::new());
    let mut page_bytes = 0;
    let mut cells = 0;
    for round in 0..=REQUESTS {
        let started = Instant::now();
        let html = page().send().await.unwrap().text().await.unwrap();
        let page_time = started.elapsed();
        let started = Instant::now();
        let json = api().send().await.unwrap().bytes().await.unwrap();
        let api_time = started.elapsed();
        assert!(json.len() > 1000);
        if round > 0 {
            page_times.push(page_time);
            api_times.push(api_time);
        }
        page_bytes = html.len();
        cells = html.matches("<td class=\"cell").count();
    }
    let css = client
        .get(format!("{base}/static/kadry.css"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    let (page_median, api_median) = (percentile(&page_times, 0.5), percentile(&api_times, 0.5));
    println!("demo region, {pupils} pupils, SQLite; {REQUESTS} requests each, by turns");
    println!(
        "GET /forecast (heatmap, {cells} cells): median {page_median:.2} ms, p90 {:.2} ms",
        percentile(&page_times, 0.9)
    );
    println!(
        "GET /api/v1/forecast (same years):     median {api_median:.2} ms, p90 {:.2} ms",
        percentile(&api_times, 0.9)
    );
    println!(
        "heatmap / API: {:.2} (target under 3)",
        page_median / api_median
    );
    println!(
        "weight: page {:.1} KB + stylesheet {:.1} KB = {:.1} KB (target under 300 KB; no script, inline pictures)",
        page_bytes as f64 / 1024.0,
        css as f64 / 1024.0,
        (page_bytes + css) as f64 / 1024.0
    );
}

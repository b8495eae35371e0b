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

mod common;

use std::time::{Duration, Instant};

use common::{load_demo, ready, serve, session, setting, token};

const REQUESTS: usize = 30;

fn percentile(times: &[Duration], p: f64) -> f64 {
    let mut sorted = times.to_vec();
    common::quantile(&mut sorted, p)
}

fn main() {
    let pupils: usize = setting("KADRY_BENCH_PUPILS", 85_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    load_demo(&url, pupils);
    let server = serve(&url, &[]);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(measure(&server.base, pupils));
}

async fn measure(base: &str, pupils: usize) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    ready(&client, base).await;
    let (email, password) = ("analyst@kadry.demo", "demo-analyst-pass");
    let token = token(&client, base, email, password).await;
    let cookie = session(&client, base, email, password).await;

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

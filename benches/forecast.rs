//! The forecast benchmark (release build): `cargo bench --bench forecast`.
//!
//! 1. The engine alone, on the inputs of a generated region (85,000 pupils)
//!    and on the same aggregates scaled to a country (17 million pupils:
//!    200 regions' programs and masses).
//! 2. `GET /api/v1/forecast` end to end against a `kadry serve` child process,
//!    each request right after a change to the data (a program's seats), so
//!    that nothing cached could help; with the server's peak RSS.
//!
//! 3. `POST /api/v1/plans/seats` end to end (the region: 500 seats in steps of
//!    5; the country: 2,000 in steps of 10) against the same server, as a
//!    ratio to `GET /api/v1/forecast` in the same run; and the planner alone
//!    as the programs and the steps grow, with the naive greedy for scale.
//! 4. `GET /api/v1/forecast/calibration` and `GET /api/v1/forecast/backtest`
//!    (five origins) end to end, each right after a change, as ratios to
//!    `GET /api/v1/forecast` in the same run.
//!
//! Scales: `KADRY_BENCH_SCALES` (default `region`; `region,country` adds
//! 1,000,000 pupils). Backends: SQLite always; PostgreSQL too when
//! `KADRY_BENCH_DATABASE_URL` names a server (fresh databases are created and dropped).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Backends, serve};
use kadry::db::{ConnectionManager, DatabaseUrl};
use kadry::forecast::Inputs;
use kadry::forecast::engine::{Window, run};
use kadry::forecast::model::{InterestMass, ProgramInput, SchoolCount, SchoolRecords};
use kadry::forecast::planner::{SeatPlanRequest, plan, plan_naive};
use serde_json::{Value, json};

const REQUESTS: usize = 30;

fn main() {
    let scales: Vec<String> = std::env::var("KADRY_BENCH_SCALES")
        .unwrap_or_else(|_| "region".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");

    for scale in &scales {
        let pupils = match scale.as_str() {
            "region" => 85_000,
            "country" => 1_000_000,
            other => panic!("unknown scale {other}"),
        };
        let backends = Backends::fresh(&format!("kadry_bench_{scale}_{}", std::process::id()));
        for (backend, url) in &backends.list {
            let started = Instant::now();
            common::kadry(
                url,
                &["generate", "--pupils", &pupils.to_string(), "--seed", "1"],
            );
            println!(
                "[{scale} {backend}] generated {pupils} pupils in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            if *backend == "SQLite" {
                engine_alone(scale, url);
            }
            runtime.block_on(end_to_end(scale, backend, url));
        }
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Times `run` on the stored inputs and on them scaled to a country.
fn engine_alone(scale: &str, url: &str) {
    let manager = ConnectionManager::new(DatabaseUrl::parse(url).unwrap(), 5000);
    let mut conn = manager.connect().expect("open the database");
    let started = Instant::now();
    let inputs = kadry::db::forecast::load_inputs(&mut conn).expect("load the inputs");
    let load = started.elapsed();
    let (parameters, bounds) = kadry::db::forecast::parameter_set(&mut conn).unwrap();
    let as_of = kadry::domain::numbers::current_academic_year();
    let window = Window {
        as_of,
        from: as_of + 1,
        to: as_of + 10,
    };
    let time = |inputs: &Inputs| {
        let times: Vec<Duration> = (0..REQUESTS)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(run(inputs, &parameters, &bounds, window));
                started.elapsed()
            })
            .collect();
        median(times)
    };
    let pupils: f64 = inputs.interests.iter().map(|m| m.pupils).sum();
    println!(
        "[{scale} engine] inputs: {} interest masses ({pupils:.0} pupils), {} programs; loading them {:.1} ms; run median {:.2} ms",
        inputs.interests.len(),
        inputs.programs.len(),
        ms(load),
        ms(time(&inputs))
    );
    planner_alone(scale, &inputs, &parameters, window);
    if scale == "region" {
        let country = scaled(&inputs, 200);
        let pupils: f64 = country.interests.iter().map(|m| m.pupils).sum();
        println!(
            "[country engine] the region's aggregates x200: {pupils:.0} pupils, {} programs; run median {:.2} ms",
            country.programs.len(),
            ms(time(&country))
        );
    }
}

/// The planner without SQL or HTTP: how its time grows with the programs and the steps.
fn planner_alone(
    scale: &str,
    inputs: &Inputs,
    parameters: &kadry::forecast::Parameters,
    window: Window,
) {
    let request = |budget: i32, step: i32| SeatPlanRequest {
        year: window.as_of + 1,
        budget,
        step,
        candidates: Vec::new(),
        limits: Default::default(),
    };
    let time = |inputs: &Inputs, request: &SeatPlanRequest| {
        let started = Instant::now();
        let planned = std::hint::black_box(plan(inputs, parameters, window, request));
        (started.elapsed(), planned.steps.len())
    };
    let factors: &[i64] = if scale == "region" {
        &[1, 2, 4, 8]
    } else {
        &[1]
    };
    for factor in factors {
        let inputs = scaled(inputs, *factor);
        for (budget, step) in [(100, 5), (250, 5), (500, 5), (2000, 10)] {
            let (elapsed, steps) = time(&inputs, &request(budget, step));
            println!(
                "[{scale} planner] {} programs, budget {budget} in steps of {step}: {steps} steps taken in {:.1} ms",
                inputs.programs.len(),
                ms(elapsed)
            );
        }
    }
    if scale == "region" {
        let small = request(100, 5);
        let started = Instant::now();
        let naive = plan_naive(inputs, parameters, window, &small);
        let naive_time = started.elapsed();
        let (fast_time, _) = time(inputs, &small);
        println!(
            "[{scale} planner] the naive greedy on budget 100 in steps of 5: {} steps in {:.1} ms, the fast one {:.1} ms ({:.0}x)",
            naive.steps.len(),
            ms(naive_time),
            ms(fast_time),
            naive_time.as_secs_f64() / fast_time.as_secs_f64()
        );
    }
}

/// `factor` regions' worth of programs and pupils in one country.
fn scaled(inputs: &Inputs, factor: i64) -> Inputs {
    let max_id = inputs.programs.iter().map(|p| p.id).max().unwrap_or(0);
    let max_school = inputs
        .records
        .iter()
        .map(|r| r.school_id)
        .chain(inputs.counts.iter().map(|c| c.school_id))
        .max()
        .unwrap_or(0);
    let programs: Vec<ProgramInput> = (0..factor)
        .flat_map(|copy| {
            inputs.programs.iter().map(move |p| ProgramInput {
                id: p.id + copy * (max_id + 1),
                ..p.clone()
            })
        })
        .collect();
    Inputs {
        interests: inputs
            .interests
            .iter()
            .map(|m| InterestMass {
                pupils: m.pupils * factor as f64,
                ..*m
            })
            .collect(),
        // Each region's schools again, under ids of their own.
        records: (0..factor)
            .flat_map(|copy| {
                inputs.records.iter().map(move |r| SchoolRecords {
                    school_id: r.school_id + copy * (max_school + 1),
                    ..*r
                })
            })
            .collect(),
        counts: (0..factor)
            .flat_map(|copy| {
                inputs.counts.iter().map(move |c| SchoolCount {
                    school_id: c.school_id + copy * (max_school + 1),
                    ..*c
                })
            })
            .collect(),
        programs,
        professions: inputs.professions.clone(),
        demand: inputs
            .demand
            .iter()
            .map(|(k, v)| (*k, v * factor as f64))
            .collect(),
    }
}

/// Peak resident memory of a process, from /proc.
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches(" kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

async fn end_to_end(scale: &str, backend: &str, url: &str) {
    let server = serve(
        url,
        &[
            ("KADRY_ADMIN_EMAIL", "admin@bench.test"),
            ("KADRY_ADMIN_PASSWORD", "bench-password"),
        ],
    );
    let client = reqwest::Client::new();
    common::ready(&client, &server.base).await;
    let token = common::token(&client, &server.base, "admin@bench.test", "bench-password").await;
    let programs: Value = client
        .get(format!("{}/api/v1/programs?limit=1", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let program = programs["items"][0]["id"].as_i64().unwrap();
    let pupils: Value = client
        .get(format!("{}/api/v1/pupils?limit=1", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pupil = pupils["items"][0]["id"].as_i64().unwrap();

    let mut forecast_times = Vec::new();
    let mut health_times = Vec::new();
    let mut rows = 0;
    for n in 0..REQUESTS {
        // Change the data the forecast depends on, a program's seats or a
        // pupil's grade and interests by turns, then ask for it.
        let changed = if n % 2 == 0 {
            client
                .put(format!(
                    "{}/api/v1/programs/{program}/intakes/2027",
                    server.base
                ))
                .bearer_auth(&token)
                .json(&json!({"seats": 50 + (n % 4) as i64 * 10, "targeted_seats": 0}))
                .send()
                .await
                .unwrap()
        } else {
            client
                .patch(format!("{}/api/v1/pupils/{pupil}", server.base))
                .bearer_auth(&token)
                .json(&json!({"grade": 5 + (n % 7) as i64, "consent": true, "interests": [{"cluster_id": 1, "weight": 1}]}))
                .send()
                .await
                .unwrap()
        };
        assert!(
            changed.status().is_success(),
            "{}",
            changed.text().await.unwrap_or_default()
        );
        let started = Instant::now();
        let response = client
            .get(format!("{}/api/v1/forecast", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        forecast_times.push(started.elapsed());
        rows = body["rows"].as_array().map_or(0, Vec::len);
        let started = Instant::now();
        client
            .get(format!("{}/health", server.base))
            .send()
            .await
            .unwrap();
        health_times.push(started.elapsed());
    }
    // Calibration and the backtest (5 origins), each right after a change.
    let mut evidence_times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for n in 0..(REQUESTS / 2) {
        for (i, path) in ["/api/v1/forecast/calibration", "/api/v1/forecast/backtest"]
            .iter()
            .enumerate()
        {
            let changed = client
                .put(format!(
                    "{}/api/v1/programs/{program}/intakes/2028",
                    server.base
                ))
                .bearer_auth(&token)
                .json(&json!({"seats": 40 + ((n * 2 + i) % 4) as i64 * 10, "targeted_seats": 0}))
                .send()
                .await
                .unwrap();
            assert!(changed.status().is_success());
            let started = Instant::now();
            let response = client
                .get(format!("{}{path}", server.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{path}");
            let _: Value = response.json().await.unwrap();
            evidence_times[i].push(started.elapsed());
        }
    }
    let forecast_median = median(forecast_times.clone());
    for (name, times) in [
        ("GET /api/v1/forecast/calibration", &evidence_times[0]),
        (
            "GET /api/v1/forecast/backtest (5 origins)",
            &evidence_times[1],
        ),
    ] {
        let time = median(times.clone());
        println!(
            "[{scale} {backend}] {name} after a change: median {:.1} ms = {:.2} forecasts' time",
            ms(time),
            time.as_secs_f64() / forecast_median.as_secs_f64()
        );
    }
    let (budget, step) = if scale == "region" {
        (500, 5)
    } else {
        (2000, 10)
    };
    let as_of = kadry::domain::numbers::current_academic_year();
    let body = json!({"year": as_of + 1, "from": as_of + 1, "to": as_of + 11, "budget": budget, "step": step});
    let mut plan_times = Vec::new();
    let mut planned = Value::Null;
    for _ in 0..5 {
        let started = Instant::now();
        let response = client
            .post(format!("{}/api/v1/plans/seats", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        planned = response.json().await.unwrap();
        plan_times.push(started.elapsed());
    }
    let plan_median = median(plan_times);
    println!(
        "[{scale} {backend}] POST /api/v1/plans/seats ({budget} seats in steps of {step}: {} steps, {} allocated, unmet demand {} -> {}): median {:.1} ms = {:.1} forecasts' time",
        planned["steps"].as_array().map_or(0, Vec::len),
        planned["allocated"],
        planned["objective_before"],
        planned["objective_after"],
        ms(plan_median),
        plan_median.as_secs_f64() / forecast_median.as_secs_f64()
    );
    let mut sorted = forecast_times.clone();
    sorted.sort();
    println!(
        "[{scale} {backend}] GET /api/v1/forecast ({rows} rows, 11 years with the low and high variants) after a change: median {:.1} ms, p90 {:.1} ms, max {:.1} ms; GET /health in the same run: median {:.2} ms; server peak RSS {:.0} MB",
        ms(median(forecast_times)),
        ms(sorted[sorted.len() * 9 / 10]),
        ms(sorted[sorted.len() - 1]),
        ms(median(health_times)),
        peak_rss_mb(server.pid())
    );
}

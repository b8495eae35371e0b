//! Heavy reads under a write load (release build): `cargo bench --bench mixed`.
//!
//! Loads the demo region (85,000 pupils; `KADRY_BENCH_PUPILS`) into a fresh
//! SQLite file (and a fresh PostgreSQL database when
//! `KADRY_BENCH_DATABASE_URL` names a server) and starts `kadry serve` as a
//! child process. For `KADRY_BENCH_SECONDS` (default 20) it then keeps
//! `KADRY_BENCH_CONNECTIONS` (default 50) readers busy with the heavy reads
//! in turn (the heatmap page, the forecast, a cell explained, pupil counts
//! by interest, a school's guidance record, the events) while a writer sends
//! `KADRY_BENCH_WRITES` (default 20) writes a second, by turns: an
//! enterprise's demand changed, a pupil registered for an event or withdrawn,
//! and a roster import of 100 rows. Every write moves the data's generation
//! on, so the kept answers are dropped 20 times a second. Prints the median
//! and p99 per endpoint.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Backends, load_demo, quantile, ready, serve, session, setting, token};
use serde_json::{Value, json};

fn main() {
    let pupils: usize = setting("KADRY_BENCH_PUPILS", 85_000);
    let backends = Backends::fresh("kadry_bench_mixed");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for (name, url) in &backends.list {
        load_demo(url, pupils);
        let server = serve(url, &[]);
        runtime.block_on(run(name, &server.base, pupils));
    }
}

/// A request the benchmark sends, by what it is.
#[derive(Clone)]
enum Ask {
    Page(String),
    Api(String),
}

type Times = Arc<Mutex<BTreeMap<String, (Vec<Duration>, usize)>>>;

fn note(times: &Times, label: &str, took: Duration, ok: bool) {
    let mut times = times.lock().unwrap();
    let entry = times.entry(label.to_string()).or_default();
    if ok {
        entry.0.push(took);
    } else {
        entry.1 += 1;
    }
}

async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn run(backend: &str, base: &str, pupils: usize) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    ready(&client, base).await;
    let analyst = token(&client, base, "analyst@kadry.demo", "demo-analyst-pass").await;
    let cookie = session(&client, base, "analyst@kadry.demo", "demo-analyst-pass").await;
    let school = token(&client, base, "school@kadry.demo", "demo-school-pass").await;
    let plant = token(
        &client,
        base,
        "enterprise@kadry.demo",
        "demo-enterprise-pass",
    )
    .await;
    let get = |path: String, token: &str| client.get(format!("{base}{path}")).bearer_auth(token);
    let school_id = json_of(get("/api/v1/me".into(), &school)).await["organization_id"]
        .as_i64()
        .expect("the demo school's user has a school");
    let plant_id = json_of(get("/api/v1/me".into(), &plant)).await["organization_id"]
        .as_i64()
        .expect("the demo enterprise's user has an enterprise");

    // What the writer changes: one demand record of the enterprise, 20 of
    // the school's pupils on an upcoming event, 100 of its pupils' rows.
    let demand = json_of(get(
        format!("/api/v1/demand?enterprise_id={plant_id}&limit=1"),
        &plant,
    ))
    .await["items"][0]
        .clone();
    let listed = json_of(get(
        format!("/api/v1/pupils?school_id={school_id}&limit=500"),
        &school,
    ))
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    let events = json_of(get(
        format!("/api/v1/events?from={today}&limit=500"),
        &school,
    ))
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (event, registrants) = events
        .iter()
        .filter(|e| e["cancelled"] == false)
        .find_map(|e| {
            let room = e["capacity"].as_i64()? - e["registered"].as_i64()?;
            let min = e["min_grade"].as_i64()?;
            let eligible: Vec<i64> = listed
                .iter()
                .filter(|p| p["consent"] == true && p["grade"].as_i64() >= Some(min))
                .filter_map(|p| p["id"].as_i64())
                .take(20)
                .collect();
            (room >= 20 && eligible.len() == 20).then(|| (e["id"].as_i64().unwrap(), eligible))
        })
        .expect("an upcoming event with room for 20 of the school's pupils");
    for pupil in &registrants {
        let _ = client
            .delete(format!(
                "{base}/api/v1/events/{event}/registrations/{pupil}"
            ))
            .bearer_auth(&school)
            .send()
            .await;
    }
    let mut roster =
        String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    for pupil in listed.iter().take(100) {
        roster.push_str(&format!(
            "{},{},{},{},,\n",
            pupil["external_ref"].as_str().unwrap(),
            pupil["grade"],
            pupil["academic_year"],
            pupil["consent"]
        ));
    }

    let rows = json_of(get("/api/v1/forecast".into(), &analyst)).await;
    let cell = &rows["rows"][0];
    let reads = [
        ("page /forecast (heatmap)", Ask::Page("/forecast".into())),
        ("/api/v1/forecast", Ask::Api("/api/v1/forecast".into())),
        (
            "/api/v1/forecast/explain",
            Ask::Api(format!(
                "/api/v1/forecast/explain?profession_id={}&year={}",
                cell["profession_id"], cell["year"]
            )),
        ),
        (
            "/api/v1/stats/pupils?group_by=interest",
            Ask::Api("/api/v1/stats/pupils?group_by=interest".into()),
        ),
        (
            "/api/v1/schools/{id}/guidance-report",
            Ask::Api(format!("/api/v1/schools/{school_id}/guidance-report")),
        ),
        ("/api/v1/events", Ask::Api("/api/v1/events".into())),
    ];

    let connections: usize = setting("KADRY_BENCH_CONNECTIONS", 50);
    let seconds: u64 = setting("KADRY_BENCH_SECONDS", 20);
    let per_second: u64 = setting("KADRY_BENCH_WRITES", 20);
    let times: Times = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for reader in 0..connections {
        let (client, base, reads, times) = (
            client.clone(),
            base.to_string(),
            reads.clone(),
            times.clone(),
        );
        let (analyst, cookie) = (analyst.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let mut turn = reader;
            while Instant::now() < deadline {
                let (label, ask) = &reads[turn % reads.len()];
                turn += 1;
                let request = match ask {
                    Ask::Page(path) => client
                        .get(format!("{base}{path}"))
                        .header("cookie", &cookie),
                    Ask::Api(path) => client.get(format!("{base}{path}")).bearer_auth(&analyst),
                };
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                note(&times, label, sent.elapsed(), ok);
            }
        }));
    }

    // The writer: one write every 1/per_second s, each in its own task so
    // that a slow one does not hold the rate back.
    let registered = Arc::new(Mutex::new(vec![false; registrants.len()]));
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / per_second));
    let mut writes = Vec::new();
    let mut turn = 0usize;
    while Instant::now() < deadline {
        ticks.tick().await;
        let (client, base, times) = (client.clone(), base.to_string(), times.clone());
        let (school, plant) = (school.clone(), plant.clone());
        let (demand, roster, registrants, registered) = (
            demand.clone(),
            roster.clone(),
            registrants.clone(),
            registered.clone(),
        );
        let this = turn;
        turn += 1;
        writes.push(tokio::spawn(async move {
            let (label, request) = match this % 3 {
                0 => (
                    "PUT /api/v1/demand/{id}",
                    client
                        .put(format!("{base}/api/v1/demand/{}", demand["id"]))
                        .bearer_auth(&plant)
                        .json(&json!({
                            "profession_id": demand["profession_id"],
                            "year": demand["year"],
                            "headcount": demand["headcount"].as_i64().unwrap() + (this / 3 % 2) as i64,
                        })),
                ),
                1 => {
                    let which = (this / 3) % registrants.len();
                    let pupil = registrants[which];
                    let was = {
                        let mut registered = registered.lock().unwrap();
                        let was = registered[which];
                        registered[which] = !was;
                        was
                    };
                    if was {
                        (
                            "DELETE /api/v1/events/{id}/registrations/{pupil_id}",
                            client
                                .delete(format!(
                                    "{base}/api/v1/events/{event}/registrations/{pupil}"
                                ))
                                .bearer_auth(&school),
                        )
                    } else {
                        (
                            "POST /api/v1/events/{id}/registrations",
                            client
                                .post(format!("{base}/api/v1/events/{event}/registrations"))
                                .bearer_auth(&school)
                                .json(&json!({"pupil_id": pupil})),
                        )
                    }
                }
                _ => (
                    "POST /api/v1/schools/{id}/pupils/import (100 rows)",
                    client
                        .post(format!("{base}/api/v1/schools/{school_id}/pupils/import"))
                        .bearer_auth(&school)
                        .header("content-type", "text/csv")
                        .body(roster),
                ),
            };
            let sent = Instant::now();
            let ok = match request.send().await {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            note(&times, label, sent.elapsed(), ok);
        }));
    }
    for task in tasks.into_iter().chain(writes) {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();

    let times = std::mem::take(&mut *times.lock().unwrap());
    println!(
        "\n{backend}: demo region, {pupils} pupils; {connections} readers and {per_second} writes/s for {seconds} s"
    );
    println!("| endpoint | requests/s | median ms | p99 ms | failed |");
    println!("| --- | --- | --- | --- | --- |");
    let mut reads_all = Vec::new();
    let mut writes_all = Vec::new();
    let labels: Vec<&str> = reads
        .iter()
        .map(|(label, _)| *label)
        .chain(
            times
                .keys()
                .map(String::as_str)
                .filter(|l| !l.starts_with('/') && !l.starts_with("page")),
        )
        .collect();
    for label in labels {
        let Some((these, failed)) = times.get(label) else {
            continue;
        };
        let mut these = these.clone();
        if label.starts_with('/') || label.starts_with("page") {
            reads_all.extend(these.iter().copied());
        } else {
            writes_all.extend(these.iter().copied());
        }
        if these.is_empty() {
            println!("| `{label}` | 0 | - | - | {failed} |");
            continue;
        }
        println!(
            "| `{label}` | {:.1} | {:.1} | {:.1} | {failed} |",
            these.len() as f64 / elapsed,
            quantile(&mut these, 0.5),
            quantile(&mut these, 0.99)
        );
    }
    for (name, all) in [
        ("all reads", &mut reads_all),
        ("all writes", &mut writes_all),
    ] {
        if !all.is_empty() {
            println!(
                "| {name} | {:.1} | {:.1} | {:.1} | |",
                all.len() as f64 / elapsed,
                quantile(all, 0.5),
                quantile(all, 0.99)
            );
        }
    }
}

//! Answers kept in memory (the forecast, pupil counts, guidance records)
//! follow every write at once, also when the write went through another
//! server process on the same database.

use kadry::config::Settings;
use kadry::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{World, spawn_app, test_settings, unique};

/// A second server on the first one's database.
async fn second_server(database_url: &str) -> (String, actix_web::dev::ServerHandle) {
    let settings: Settings = test_settings(database_url, &[]);
    let application = Application::build(settings).await.expect("a second server");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    (address, handle)
}

async fn get(client: &reqwest::Client, base: &str, path: &str, token: &str) -> Value {
    let response = client
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

fn demand_of(forecast: &Value, profession: i64, year: i64) -> f64 {
    forecast["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["profession_id"] == profession && row["year"] == year)
        .map_or(0.0, |row| row["demand"].as_f64().unwrap())
}

fn count_of(stats: &Value, grade: i64) -> i64 {
    stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["grade"] == grade)
        .map_or(0, |item| item["count"].as_i64().unwrap())
}

#[tokio::test]
async fn kept_answers_follow_writes_through_either_of_two_servers() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (other, handle) = second_server(&app.db.url).await;
    let servers = [app.address.clone(), other];
    let client = &app.client;
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now())) + 2;
    let path = format!("/api/v1/forecast?from={year}&to={year}");
    let (school, school_token) = &w.school_a;

    for round in 0..4 {
        let (writer, reader) = (&servers[round % 2], &servers[(round + 1) % 2]);
        // Both servers have the answers in memory before the write.
        let before = get(client, reader, &path, &w.analyst).await;
        get(client, writer, &path, &w.analyst).await;
        let stats_path = "/api/v1/stats/pupils?group_by=grade";
        let stats_before = get(client, reader, stats_path, &w.admin).await;
        let report_path = format!("/api/v1/schools/{school}/guidance-report");
        let report_before = get(client, reader, &report_path, &w.admin).await;

        // A demand record, a pupil: written through one server...
        // One record per enterprise, profession and year: each round another.
        let (enterprise, profession) = [
            (&w.enterprise_a, w.welder),
            (&w.enterprise_a, w.cnc_operator),
            (&w.enterprise_a, w.glass_operator),
            (&w.enterprise_b, w.welder),
        ][round];
        let created = client
            .post(format!("{writer}/api/v1/demand"))
            .bearer_auth(&enterprise.1)
            .json(&json!({"enterprise_id": enterprise.0, "profession_id": profession, "year": year, "headcount": 7}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let created = client
            .post(format!("{writer}/api/v1/pupils"))
            .bearer_auth(school_token)
            .json(&json!({"school_id": school, "external_ref": unique("7А"), "grade": 7, "academic_year": 2026, "consent": true, "interests": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);

        // ...and read at once through the other.
        let after = get(client, reader, &path, &w.analyst).await;
        assert_eq!(
            demand_of(&after, profession, year),
            demand_of(&before, profession, year) + 7.0,
            "round {round}: the forecast follows"
        );
        let stats_after = get(client, reader, stats_path, &w.admin).await;
        assert_eq!(
            count_of(&stats_after, 7),
            count_of(&stats_before, 7) + 1,
            "round {round}: the counts follow"
        );
        let report_after = get(client, reader, &report_path, &w.admin).await;
        let pupils = |report: &Value| -> i64 {
            report["grades"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["pupils"].as_i64().unwrap())
                .sum()
        };
        assert_eq!(
            pupils(&report_after),
            pupils(&report_before) + 1,
            "round {round}: the guidance record follows"
        );
        // The same question again is answered the same (from memory).
        assert_eq!(get(client, reader, &path, &w.analyst).await, after);
    }
    handle.stop(true).await;
}

#[tokio::test]
async fn an_audited_read_does_not_drop_the_kept_answers_but_a_write_does() {
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Generation {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generation: i64,
    }
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let generation = || {
        let mut conn = crate::helpers::connect(&app.db);
        diesel::sql_query("SELECT generation FROM data_generation")
            .get_result::<Generation>(&mut conn)
            .unwrap()
            .generation
    };
    let school = w.school_a.0;
    let start = generation();
    // The school reads its own record exactly: an audit line, no new generation.
    app.get_json(
        &format!("/api/v1/schools/{school}/guidance-report"),
        &w.school_a.1,
    )
    .await;
    assert_eq!(generation(), start);
    // Any write raises it.
    app.create(
        "/api/v1/clusters",
        &w.admin,
        json!({"name": unique("Cluster"), "industry": "glass"}),
    )
    .await;
    assert_eq!(generation(), start + 1);
    // A refused write does not.
    let refused = app
        .post_json(
            "/api/v1/clusters",
            &w.admin,
            &json!({"name": "", "industry": "glass"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(generation(), start + 1);
}

//! The small findings of the second security review, each attacked again:
//! a retried create never answers a deleted pupil's name, invisible
//! characters are refused in references and names (saying which), a
//! roster's audit line names the pupils it changed, and `3.0` is `3` to an
//! Idempotency-Key.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, invalid_fields, spawn_app};

async fn create_once(app: &TestApp, token: &str, key: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/pupils"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_create_never_answers_a_pupil_deleted_since() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let year = kadry::domain::numbers::current_academic_year();
    let body = format!(
        r#"{{"school_id": {school}, "external_ref": "8А-07", "grade": 8, "academic_year": {year}, "consent": true, "display_name": "Аня Секретова"}}"#
    );
    let first = create_once(&app, token, "create-anya", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let created: Value = first.json().await.unwrap();
    // The same request again: the same answer, nothing more created.
    let again = create_once(&app, token, "create-anya", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], created["id"]);
    // `3.0` is `3` as the API reads it: the same request, not another one.
    let fraction = body.replace("\"grade\": 8", "\"grade\": 8.0");
    let same = create_once(&app, token, "create-anya", &fraction).await;
    assert_eq!(same.status(), StatusCode::CREATED);
    // Deleted: a retry answers no name, and nothing is kept with it.
    let path = format!("/api/v1/pupils/{}", created["id"]);
    assert_eq!(
        app.delete(&path, token).await.status(),
        StatusCode::NO_CONTENT
    );
    let retried = create_once(&app, token, "create-anya", &body).await;
    let status = retried.status();
    let text = retried.text().await.unwrap();
    assert!(!text.contains("Аня"), "{text}");
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let mut conn = crate::helpers::connect(&app.db);
    #[derive(diesel::QueryableByName)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let kept: Vec<Kept> = diesel::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE answer LIKE '%Секретова%'",
        ),
        &mut conn,
    )
    .unwrap();
    assert_eq!(kept[0].n, 0, "the kept answer went with the pupil");
}

#[tokio::test]
async fn invisible_characters_are_refused_in_references_and_names_saying_which() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let year = kadry::domain::numbers::current_academic_year();
    for (field, reference, name) in [
        ("external_ref", "8\u{200B}А-01", "Иван"),
        ("external_ref", "\u{202E}10-8А", "Иван"),
        ("display_name", "8А-01", "Ива\u{200D}н"),
        ("display_name", "8А-01", "\u{FEFF}Иван"),
    ] {
        let body = json!({"school_id": school, "external_ref": reference, "grade": 8, "academic_year": year, "consent": true, "display_name": name});
        let response = app.post_json("/api/v1/pupils", token, &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("U+"),
            "says which: {problem}"
        );
    }
    let listed = app.get_json("/api/v1/pupils", token).await;
    assert_eq!(listed["total"], 0);
    // Organizations' names too (every name and title is a label).
    let response = app
        .post_json("/api/v1/organizations", &w.admin, &json!({"kind": "school", "name": "Школа\u{200B} 5", "town": "Ковров", "email": "s5@kadry.test"}))
        .await;
    assert_eq!(invalid_fields(response).await, ["name"]);
}

#[tokio::test]
async fn a_rosters_audit_line_names_the_pupils_it_created_and_updated() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let year = kadry::domain::numbers::current_academic_year();
    let existing = app
        .create(
            "/api/v1/pupils",
            token,
            json!({"school_id": school, "external_ref": "A-1", "grade": 8, "academic_year": year, "consent": false}),
        )
        .await;
    let csv = format!(
        "external_ref,grade,academic_year,consent,display_name,interests\nA-1,9,{year},false,,\nA-2,7,{year},false,,\n"
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{school}/pupils/import")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let listed = app.get_json("/api/v1/pupils", token).await;
    let new = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["external_ref"] == "A-2")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let audit = app.get_json("/api/v1/audit?entity=pupil", &w.admin).await;
    let line = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["changes"]["roster"].is_object())
        .unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(line["changes"]["created_ids"], json!([new]));
    assert_eq!(line["changes"]["updated_ids"], json!([existing]));
}

#[tokio::test]
async fn a_body_sent_a_byte_a_second_is_cut_after_the_grace() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{{"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let dripping = tokio::spawn(async move {
        for _ in 0..60 {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), reader.read(&mut answer))
        .await
        .expect("the server answers a dripping body within 30 s, not never");
    let elapsed = started.elapsed();
    dripping.abort();
    let n = read.unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("too slowly"), "{text}");
    // Not before the grace of 10 seconds (a slow but honest client gets it).
    assert!(elapsed >= std::time::Duration::from_secs(9), "{elapsed:?}");
}

#[tokio::test]
async fn a_deleted_records_id_is_never_given_to_the_next_one() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let year = kadry::domain::numbers::current_academic_year();
    let body = |reference: &str| json!({"school_id": school, "external_ref": reference, "grade": 8, "academic_year": year, "consent": false});
    let last = app.create("/api/v1/pupils", token, body("8А-01")).await;
    assert_eq!(
        app.delete(&format!("/api/v1/pupils/{last}"), token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // The deleted pupil had the highest id: SQLite without AUTOINCREMENT
    // would give it again, and the audit lines about it would name the new one.
    let next = app.create("/api/v1/pupils", token, body("8А-02")).await;
    assert!(next > last, "{next} after {last}");
    let demand = json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year + 2, "headcount": 3});
    let first = app
        .create("/api/v1/demand", &w.enterprise_a.1, demand.clone())
        .await;
    assert_eq!(
        app.delete(&format!("/api/v1/demand/{first}"), &w.enterprise_a.1)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let second = app
        .create("/api/v1/demand", &w.enterprise_a.1, demand)
        .await;
    assert!(second > first, "{second} after {first}");
}

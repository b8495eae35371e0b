//! Published forecasts: kept as they were computed, read by everyone,
//! compared with today's, deleted by admins only.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{World, assert_problem, invalid_fields, spawn_app};

#[tokio::test]
async fn a_published_forecast_stays_as_it_was_and_compares_with_today() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 2;
    let demand = app
        .create("/api/v1/demand", &w.enterprise_a.1, json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": year, "headcount": 30}))
        .await;
    let span = format!("from={year}&to={}", year + 1);
    let body = json!({"title": "  Прогноз к КЦП  ", "from": year, "to": year + 1});
    // Schools, colleges and enterprises do not publish.
    for other in [&w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(
            app.post_json("/api/v1/forecast/published", other, &body)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let response = app
        .post_json("/api/v1/forecast/published", &w.analyst, &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["title"], "Прогноз к КЦП");
    assert_eq!(
        location,
        format!("/api/v1/forecast/published/{}", published["id"])
    );
    let forecast_then = app
        .get(&format!("/api/v1/forecast?{span}"), &w.analyst)
        .await
        .text()
        .await
        .unwrap();
    let read = |token: String| {
        let app = &app;
        let location = location.clone();
        async move { app.get(&location, &token).await.text().await.unwrap() }
    };
    let then = read(w.school_a.1.clone()).await;
    // The forecast's answer, byte for byte, after the publication's own fields.
    assert!(
        then.ends_with(&forecast_then[1..]),
        "{then}\n{forecast_then}"
    );
    let parsed: Value = serde_json::from_str(&then).unwrap();
    assert_eq!(parsed["title"], "Прогноз к КЦП");
    assert!(parsed["published_at"].as_str().unwrap().ends_with('Z'));
    // The data change; the published forecast does not.
    let response = app
        .put_json(
            &format!("/api/v1/demand/{demand}"),
            &w.enterprise_a.1,
            &json!({"profession_id": w.welder, "year": year, "headcount": 45}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for reader in [&w.enterprise_b.1, &w.college_a.1, &w.admin] {
        assert_eq!(read(reader.clone()).await, then);
    }
    let compared = app
        .get_json(&format!("{location}/compare"), &w.enterprise_a.1)
        .await;
    let welder = compared["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profession_id"] == w.welder && r["year"] == year)
        .unwrap()
        .clone();
    assert_eq!(
        (welder["demand_then"].clone(), welder["demand_now"].clone()),
        (json!(30.0), json!(45.0))
    );
    assert_eq!(
        (welder["gap_then"].clone(), welder["gap_now"].clone()),
        (json!(30.0), json!(45.0))
    );
    let listed = app
        .get_json("/api/v1/forecast/published", &w.school_b.1)
        .await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["from"], year);
    // Nobody edits it; only admins delete it.
    let edit = app.put_json(&location, &w.admin, &body).await;
    assert_eq!(edit.status(), StatusCode::METHOD_NOT_ALLOWED);
    for other in [&w.analyst, &w.school_a.1, &w.enterprise_a.1] {
        assert_problem(app.delete(&location, other).await, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(read(w.analyst.clone()).await, then);
    assert_eq!(
        app.delete(&location, &w.admin).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&location, &w.analyst).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.delete(&location, &w.admin).await, StatusCode::NOT_FOUND).await;
    let audit = app
        .get_json("/api/v1/audit?entity=published_forecast", &w.admin)
        .await;
    assert_eq!(audit["total"], 2, "{audit}");
}

#[tokio::test]
async fn a_publication_retried_with_its_idempotency_key_is_published_once() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let send = |key: &'static str| {
        let app = &app;
        let token = w.analyst.clone();
        async move {
            app.client
                .post(app.url("/api/v1/forecast/published"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({"title": "Прогноз"}))
                .send()
                .await
                .unwrap()
        }
    };
    let first: Value = send("publish-1").await.json().await.unwrap();
    let again = send("publish-1").await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(
        app.get_json("/api/v1/forecast/published", &w.admin).await["total"],
        1
    );
    assert_problem(send("a key with spaces").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_bad_publication_names_its_field_and_stores_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "я".repeat(201)}), "title"),
        (json!({"title": "ok", "from": 2030, "to": 2029}), "to"),
        (json!({"title": "ok", "as_of": 1990}), "as_of"),
    ] {
        assert_eq!(
            invalid_fields(
                app.post_json("/api/v1/forecast/published", &w.admin, &body)
                    .await
            )
            .await,
            [field],
            "{body}"
        );
    }
    assert_eq!(
        app.get_json("/api/v1/forecast/published", &w.admin).await["total"],
        0
    );
}

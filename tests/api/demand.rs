use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{World, assert_problem, invalid_fields, spawn_app};

fn year() -> i32 {
    chrono::Utc::now().year()
}

fn demand(enterprise_id: i64, profession_id: i64, year: i32, headcount: i64) -> Value {
    json!({"enterprise_id": enterprise_id, "profession_id": profession_id, "year": year, "headcount": headcount})
}

#[tokio::test]
async fn an_enterprise_posts_reads_changes_and_deletes_its_demand() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (enterprise, token) = &w.enterprise_a;
    let mut body = demand(*enterprise, w.glass_operator, year() + 3, 40);
    body["note"] = json!("новая линия");
    let response = app.post_json("/api/v1/demand", token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["headcount"], 40);
    assert_eq!(created["note"], "новая линия");
    assert_eq!(app.get_json(&location, token).await, created);
    assert_eq!(app.get_json(&location, &w.analyst).await, created);

    app.create(
        "/api/v1/demand",
        token,
        demand(*enterprise, w.cnc_operator, year() + 1, 5),
    )
    .await;
    app.create(
        "/api/v1/demand",
        &w.enterprise_b.1,
        demand(w.enterprise_b.0, w.cnc_operator, year() + 1, 7),
    )
    .await;
    // An enterprise lists its own; analysts and admins list all, with filters.
    assert_eq!(app.get_json("/api/v1/demand", token).await["total"], 2);
    assert_eq!(app.get_json("/api/v1/demand", &w.analyst).await["total"], 3);
    let filtered = app
        .get_json(
            &format!(
                "/api/v1/demand?profession_id={}&year={}",
                w.cnc_operator,
                year() + 1
            ),
            &w.admin,
        )
        .await;
    assert_eq!(filtered["total"], 2);
    let page = app.get_json("/api/v1/demand?limit=1", &w.admin).await;
    assert_eq!(page["items"][0]["year"], year() + 1, "ordered by year");

    let changed: Value = app
        .put_json(
            &location,
            token,
            &demand(*enterprise, w.glass_operator, year() + 4, 45),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (changed["year"].as_i64(), changed["headcount"].as_i64()),
        (Some(i64::from(year() + 4)), Some(45))
    );
    assert_eq!(changed["note"], Value::Null);
    assert_eq!(
        app.delete(&location, token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&location, token).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn invalid_demand_names_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (enterprise, token) = &w.enterprise_a;
    let cases = [
        (demand(*enterprise, w.welder, year(), 0), vec!["headcount"]),
        (demand(*enterprise, w.welder, year(), -3), vec!["headcount"]),
        (
            demand(*enterprise, w.welder, year(), 100_001),
            vec!["headcount"],
        ),
        (demand(*enterprise, w.welder, year() - 1, 10), vec!["year"]),
        (demand(*enterprise, w.welder, year() + 31, 10), vec!["year"]),
        (
            demand(*enterprise, 99_999, year(), 10),
            vec!["profession_id"],
        ),
        (
            demand(*enterprise, 0, year() - 1, 0),
            vec!["profession_id", "year", "headcount"],
        ),
        (
            json!({"enterprise_id": enterprise, "profession_id": w.welder, "year": year()}),
            vec!["headcount"],
        ),
    ];
    for (body, fields) in cases {
        let response = app.post_json("/api/v1/demand", token, &body).await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    let response = app
        .post_json(
            "/api/v1/demand",
            &w.admin,
            &demand(w.college_a.0, w.welder, year(), 10),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["enterprise_id"]);
    assert_eq!(app.get_json("/api/v1/demand", &w.admin).await["total"], 0);

    let id = app
        .create(
            "/api/v1/demand",
            token,
            demand(*enterprise, w.welder, year(), 10),
        )
        .await;
    let response = app
        .put_json(
            &format!("/api/v1/demand/{id}"),
            token,
            &demand(*enterprise, w.welder, year(), 0),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["headcount"]);
    let response = app
        .put_json(
            &format!("/api/v1/demand/{id}"),
            &w.admin,
            &demand(w.enterprise_b.0, w.welder, year(), 10),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["enterprise_id"]);
    assert_eq!(
        app.get_json(&format!("/api/v1/demand/{id}"), token).await["headcount"],
        10
    );
}

#[tokio::test]
async fn demand_is_its_enterprises_alone_to_change() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (enterprise, owner) = &w.enterprise_a;
    let body = demand(*enterprise, w.welder, year() + 2, 12);
    let id = app.create("/api/v1/demand", owner, body.clone()).await;
    let path = format!("/api/v1/demand/{id}");
    let before = app.get_json(&path, owner).await;
    let changed = demand(*enterprise, w.welder, year() + 2, 99);

    let other = &w.enterprise_b.1;
    assert_problem(app.get(&path, other).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.put_json(&path, other, &changed).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(app.delete(&path, other).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.post_json("/api/v1/demand", other, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/demand?enterprise_id={enterprise}"), other)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.get_json("/api/v1/demand", other).await["total"], 0);

    for token in [&w.school_a.1, &w.college_a.1] {
        assert_problem(app.get(&path, token).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.get("/api/v1/demand", token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.put_json(&path, token, &changed).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(app.delete(&path, token).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.post_json("/api/v1/demand", token, &body).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Analysts read but do not write.
    assert_problem(
        app.put_json(&path, &w.analyst, &changed).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(app.delete(&path, &w.analyst).await, StatusCode::FORBIDDEN).await;
    assert_problem(
        app.post_json("/api/v1/demand", &w.analyst, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.get_json(&path, owner).await, before);
    assert_eq!(app.get_json("/api/v1/demand", &w.admin).await["total"], 1);
}

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, invalid_fields, spawn_app};

fn pupil(school_id: i64, external_ref: &str) -> Value {
    json!({"school_id": school_id, "external_ref": external_ref, "grade": 7, "academic_year": 2025, "consent": false})
}

async fn pupil_total(app: &TestApp, w: &World) -> i64 {
    app.get_json("/api/v1/pupils", &w.admin).await["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_school_registers_reads_changes_and_deletes_its_pupils() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let body = json!({
        "school_id": school, "external_ref": "7А-01", "grade": 7, "academic_year": 2025, "consent": true,
        "display_name": "Аня К.",
        "interests": [{"cluster_id": w.glass, "weight": 2}, {"profession_id": w.cnc_operator, "weight": 1}]
    });
    let response = app.post_json("/api/v1/pupils", token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["display_name"], "Аня К.");
    assert_eq!(
        created["interests"],
        json!([{"cluster_id": w.glass, "weight": 2.0}, {"profession_id": w.cnc_operator, "weight": 1.0}])
    );
    assert_eq!(app.get_json(&location, token).await, created);
    assert_eq!(app.get_json(&location, &w.admin).await, created);

    app.create("/api/v1/pupils", token, pupil(*school, "7А-02"))
        .await;
    let listing = app.get_json("/api/v1/pupils", token).await;
    assert_eq!(listing["total"], 2);
    let listing = app
        .get_json(
            &format!("/api/v1/pupils?school_id={school}&grade=7&limit=1"),
            token,
        )
        .await;
    assert_eq!(listing["total"], 2);
    assert_eq!(listing["items"].as_array().unwrap().len(), 1);

    let response = app
        .patch_json(&location, token, &json!({"grade": 8, "display_name": null}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    assert_eq!(patched["grade"], 8);
    assert_eq!(patched["display_name"], Value::Null);
    assert_eq!(patched["interests"], created["interests"]);

    // Withdrawing consent erases the name and the interests.
    app.patch_json(&location, token, &json!({"display_name": "Аня"}))
        .await;
    let withdrawn: Value = app
        .patch_json(&location, token, &json!({"consent": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(withdrawn["consent"], false);
    assert_eq!(withdrawn["display_name"], Value::Null);
    assert_eq!(withdrawn["interests"], json!([]));

    assert_eq!(
        app.delete(&location, token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&location, token).await, StatusCode::NOT_FOUND).await;
    assert_eq!(pupil_total(&app, &w).await, 1);
}

#[tokio::test]
async fn deleting_a_pupil_removes_its_interests() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let mut ids = Vec::new();
    for n in 0..10 {
        let mut body = pupil(*school, &format!("P{n}"));
        body["consent"] = json!(true);
        body["interests"] = json!([{"profession_id": w.welder, "weight": 1}]);
        ids.push(app.create("/api/v1/pupils", token, body).await);
    }
    let path = format!("/api/v1/stats/pupils?group_by=interest&school_id={school}");
    assert_eq!(
        app.get_json(&path, token).await["items"],
        json!([{"profession_id": w.welder, "count": 10, "suppressed": false}])
    );
    app.delete(&format!("/api/v1/pupils/{}", ids[0]), token)
        .await;
    assert_eq!(
        app.get_json(&path, token).await["items"],
        json!([{"profession_id": w.welder, "count": 9, "suppressed": false}])
    );
}

#[tokio::test]
async fn invalid_pupils_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let with = |field: &str, value: Value| {
        let mut body = pupil(*school, "X-1");
        body[field] = value;
        body
    };
    let consenting = |interests: Value| {
        let mut body = pupil(*school, "X-1");
        body["consent"] = json!(true);
        body["interests"] = interests;
        body
    };
    let cases = [
        (with("grade", json!(4)), vec!["grade"]),
        (with("grade", json!(12)), vec!["grade"]),
        (with("academic_year", json!(1999)), vec!["academic_year"]),
        (with("external_ref", json!("")), vec!["external_ref"]),
        (with("display_name", json!("Петя")), vec!["display_name"]),
        (
            with("interests", json!([{"cluster_id": w.glass, "weight": 1}])),
            vec!["interests"],
        ),
        (
            consenting(json!([{"profession_id": 99_999, "weight": 1}])),
            vec!["interests[0].profession_id"],
        ),
        (
            consenting(json!([{"cluster_id": 99_999, "weight": 1}])),
            vec!["interests[0].cluster_id"],
        ),
        (
            consenting(json!([{"cluster_id": w.glass, "weight": 0}])),
            vec!["interests[0].weight"],
        ),
        (
            consenting(json!([{"cluster_id": w.glass, "profession_id": w.welder, "weight": 1}])),
            vec!["interests[0]"],
        ),
        (consenting(json!([{"weight": 1}])), vec!["interests[0]"]),
        (
            consenting(json!([{"cluster_id": w.glass, "weight": 1, "note": "x"}])),
            vec!["interests[0].note"],
        ),
    ];
    for (body, fields) in cases {
        let response = app.post_json("/api/v1/pupils", token, &body).await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    let response = app
        .post_json("/api/v1/pupils", &w.admin, &pupil(w.college_a.0, "X-1"))
        .await;
    assert_eq!(invalid_fields(response).await, ["school_id"]);
    assert_eq!(pupil_total(&app, &w).await, 0);

    // A bad PATCH changes nothing either.
    let id = app
        .create("/api/v1/pupils", token, pupil(*school, "X-1"))
        .await;
    let before = app.get_json(&format!("/api/v1/pupils/{id}"), token).await;
    for patch in [
        json!({"grade": 13}),
        json!({"display_name": "Петя"}),
        json!({"consent": true, "interests": [{"cluster_id": 99_999, "weight": 1}]}),
    ] {
        let response = app
            .patch_json(&format!("/api/v1/pupils/{id}"), token, &patch)
            .await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/pupils/{id}"), token).await,
        before
    );
}

#[tokio::test]
async fn an_external_ref_is_unique_within_its_school_only() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    app.create("/api/v1/pupils", &w.school_a.1, pupil(w.school_a.0, "R-1"))
        .await;
    let response = app
        .post_json("/api/v1/pupils", &w.school_a.1, &pupil(w.school_a.0, "R-1"))
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
    app.create("/api/v1/pupils", &w.school_b.1, pupil(w.school_b.0, "R-1"))
        .await;
    let second = app
        .create("/api/v1/pupils", &w.school_a.1, pupil(w.school_a.0, "R-2"))
        .await;
    let response = app
        .patch_json(
            &format!("/api/v1/pupils/{second}"),
            &w.school_a.1,
            &json!({"external_ref": "R-1"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
    assert_eq!(pupil_total(&app, &w).await, 3);
}

#[tokio::test]
async fn pupil_records_never_leave_their_school() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, owner) = &w.school_a;
    let mut body = pupil(*school, "S-1");
    body["consent"] = json!(true);
    body["display_name"] = json!("Имя");
    let id = app.create("/api/v1/pupils", owner, body.clone()).await;
    let path = format!("/api/v1/pupils/{id}");
    let before = app.get_json(&path, owner).await;

    // Another school: as if the pupil did not exist.
    let other = &w.school_b.1;
    assert_problem(app.get(&path, other).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.patch_json(&path, other, &json!({"grade": 9})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(app.delete(&path, other).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.post_json("/api/v1/pupils", other, &pupil(*school, "S-2"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/pupils?school_id={school}"), other)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.get_json("/api/v1/pupils", other).await,
        json!({"items": [], "total": 0})
    );

    // Roles that never see pupil records.
    for token in [&w.analyst, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(app.get(&path, token).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.get("/api/v1/pupils/999999", token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.patch_json(&path, token, &json!({"grade": 9})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(app.delete(&path, token).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.get("/api/v1/pupils", token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.get(&format!("/api/v1/pupils?school_id={school}"), token)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.post_json("/api/v1/pupils", token, &pupil(*school, "S-3"))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(app.get_json(&path, owner).await, before);
    assert_eq!(pupil_total(&app, &w).await, 1);
}

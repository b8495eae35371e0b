use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, invalid_fields, spawn_app};

fn program(institution_id: i64, professions: Value) -> Value {
    json!({
        "institution_id": institution_id, "specialty_code": "18.02.05",
        "title": "Производство стекла", "entry_grade": 9, "duration_months": 34,
        "completion_rate": 0.85, "professions": professions
    })
}

async fn program_total(app: &TestApp, token: &str) -> i64 {
    app.get_json("/api/v1/programs", token).await["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_college_publishes_a_program_with_intakes_and_enrollments() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (college, token) = &w.college_a;
    let body = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 0.7}, {"profession_id": w.cnc_operator, "share": 0.3}]),
    );
    let response = app.post_json("/api/v1/programs", token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["entry_grade"], 9);
    assert_eq!(created["completion_rate"], 0.85);
    assert_eq!(created["professions"].as_array().unwrap().len(), 2);
    let id = created["id"].as_i64().unwrap();
    // Every role reads it.
    for reader in [&w.analyst, &w.school_a.1, &w.enterprise_b.1, &w.college_b.1] {
        assert_eq!(app.get_json(&location, reader).await, created);
    }

    let response = app
        .put_json(
            &format!("/api/v1/programs/{id}/intakes/2026"),
            token,
            &json!({"seats": 25, "targeted_seats": 5}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"year": 2026, "seats": 25, "targeted_seats": 5})
    );
    // Setting it again replaces it.
    app.put_json(
        &format!("/api/v1/programs/{id}/intakes/2026"),
        token,
        &json!({"seats": 30, "targeted_seats": 0}),
    )
    .await;
    app.put_json(
        &format!("/api/v1/programs/{id}/intakes/2028"),
        token,
        &json!({"seats": 20, "targeted_seats": 20}),
    )
    .await;
    let intakes = app
        .get_json(&format!("/api/v1/programs/{id}/intakes"), &w.analyst)
        .await;
    assert_eq!(
        intakes,
        json!({"items": [{"year": 2026, "seats": 30, "targeted_seats": 0}, {"year": 2028, "seats": 20, "targeted_seats": 20}], "total": 2})
    );
    let response = app
        .put_json(
            &format!("/api/v1/programs/{id}/enrollments/2025"),
            token,
            &json!({"students": 27}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let enrollments = app
        .get_json(&format!("/api/v1/programs/{id}/enrollments"), &w.school_b.1)
        .await;
    assert_eq!(
        enrollments,
        json!({"items": [{"start_year": 2025, "students": 27}], "total": 1})
    );

    assert_eq!(
        app.delete(&format!("/api/v1/programs/{id}/intakes/2028"), token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.delete(&format!("/api/v1/programs/{id}/intakes/2028"), token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/api/v1/programs/{id}/enrollments/2025"), token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    // Replace, then delete.
    let mut changed = body.clone();
    changed["title"] = json!("Стекольное производство");
    changed["professions"] = json!([{"profession_id": w.glass_operator, "share": 1.0}]);
    let replaced: Value = app
        .put_json(&location, token, &changed)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replaced["title"], "Стекольное производство");
    assert_eq!(
        replaced["professions"],
        json!([{"profession_id": w.glass_operator, "share": 1.0}])
    );
    assert_eq!(
        app.delete(&location, token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&location, token).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.get(&format!("/api/v1/programs/{id}/intakes"), token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn invalid_programs_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (college, token) = &w.college_a;
    let one = |id: i64| json!([{"profession_id": id, "share": 1.0}]);
    let mut cases: Vec<(Value, Vec<&str>)> = Vec::new();
    let mut bad = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 0.5}, {"profession_id": w.cnc_operator, "share": 0.4}]),
    );
    cases.push((bad.clone(), vec!["professions"]));
    bad = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 0.6}, {"profession_id": w.cnc_operator, "share": 0.6}]),
    );
    cases.push((bad.clone(), vec!["professions"]));
    bad = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 0.0}, {"profession_id": w.glass_operator, "share": 1.0}]),
    );
    cases.push((
        bad.clone(),
        vec!["professions[0].share", "professions[1].profession_id"],
    ));
    cases.push((program(*college, json!([])), vec!["professions"]));
    cases.push((
        program(*college, one(99_999)),
        vec!["professions[0].profession_id"],
    ));
    for (field, value) in [
        ("entry_grade", json!(10)),
        ("duration_months", json!(0)),
        ("duration_months", json!(73)),
        ("completion_rate", json!(1.5)),
        ("specialty_code", json!("18-02-05")),
        ("title", json!("")),
    ] {
        let mut body = program(*college, one(w.glass_operator));
        body[field] = value;
        cases.push((body, vec![field]));
    }
    // Every bad field at once, the nested ones too (issue 15).
    let mut everything = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 1.0}, {"profession_id": w.cnc_operator, "share": -1}]),
    );
    everything["title"] = json!("");
    everything["entry_grade"] = json!(10);
    everything["duration_months"] = json!(0);
    everything["completion_rate"] = json!(2);
    cases.push((
        everything,
        vec![
            "title",
            "entry_grade",
            "duration_months",
            "completion_rate",
            "professions[1].share",
        ],
    ));
    let mut wrong_kind = program(w.school_a.0, one(w.glass_operator));
    wrong_kind["institution_id"] = json!(w.school_a.0);
    for (body, fields) in cases {
        let response = app.post_json("/api/v1/programs", token, &body).await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    let response = app
        .post_json("/api/v1/programs", &w.admin, &wrong_kind)
        .await;
    assert_eq!(invalid_fields(response).await, ["institution_id"]);
    assert_eq!(program_total(&app, &w.admin).await, 0);

    let id = app
        .create(
            "/api/v1/programs",
            token,
            program(*college, one(w.glass_operator)),
        )
        .await;
    let intake = |seats: i64, targeted: i64| json!({"seats": seats, "targeted_seats": targeted});
    for (year, body, fields) in [
        (2026, intake(10, 11), vec!["targeted_seats"]),
        (2026, intake(-1, 0), vec!["seats", "targeted_seats"]),
        (2026, intake(100_001, 0), vec!["seats"]),
        (1989, intake(10, 0), vec!["year"]),
        (2100, intake(10, 0), vec!["year"]),
    ] {
        let response = app
            .put_json(
                &format!("/api/v1/programs/{id}/intakes/{year}"),
                token,
                &body,
            )
            .await;
        assert_eq!(invalid_fields(response).await, fields, "{year} {body}");
    }
    let response = app
        .put_json(
            &format!("/api/v1/programs/{id}/enrollments/2099"),
            token,
            &json!({"students": 5}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["start_year"]);
    let response = app
        .put_json(
            &format!("/api/v1/programs/{id}/enrollments/2025"),
            token,
            &json!({"students": -5}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["students"]);
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{id}/intakes"), token)
            .await["total"],
        0
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{id}/enrollments"), token)
            .await["total"],
        0
    );

    // A program cannot move to another institution.
    let mut moved = program(w.college_b.0, one(w.glass_operator));
    moved["title"] = json!("Moved");
    let response = app
        .put_json(&format!("/api/v1/programs/{id}"), &w.admin, &moved)
        .await;
    assert_eq!(invalid_fields(response).await, ["institution_id"]);
}

#[tokio::test]
async fn other_institutions_and_roles_cannot_change_a_program() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (college, owner) = &w.college_a;
    let body = program(
        *college,
        json!([{"profession_id": w.glass_operator, "share": 1.0}]),
    );
    let id = app.create("/api/v1/programs", owner, body.clone()).await;
    app.put_json(
        &format!("/api/v1/programs/{id}/intakes/2026"),
        owner,
        &json!({"seats": 25, "targeted_seats": 5}),
    )
    .await;
    let before = app.get_json(&format!("/api/v1/programs/{id}"), owner).await;

    // Another college: the program is not its to see as manageable, so 404.
    let other = &w.college_b.1;
    let mut changed = body.clone();
    changed["title"] = json!("Hijacked");
    for response in [
        app.put_json(&format!("/api/v1/programs/{id}"), other, &changed)
            .await,
        app.delete(&format!("/api/v1/programs/{id}"), other).await,
        app.put_json(
            &format!("/api/v1/programs/{id}/intakes/2026"),
            other,
            &json!({"seats": 1, "targeted_seats": 0}),
        )
        .await,
        app.delete(&format!("/api/v1/programs/{id}/intakes/2026"), other)
            .await,
        app.put_json(
            &format!("/api/v1/programs/{id}/enrollments/2025"),
            other,
            &json!({"students": 1}),
        )
        .await,
        app.delete(&format!("/api/v1/programs/{id}/enrollments/2025"), other)
            .await,
    ] {
        assert_problem(response, StatusCode::NOT_FOUND).await;
    }
    // Creating for another institution is forbidden.
    let response = app.post_json("/api/v1/programs", other, &body).await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
    // Schools, enterprises and analysts never manage programs.
    for token in [&w.school_a.1, &w.enterprise_a.1, &w.analyst] {
        for response in [
            app.post_json("/api/v1/programs", token, &body).await,
            app.put_json(&format!("/api/v1/programs/{id}"), token, &changed)
                .await,
            app.delete(&format!("/api/v1/programs/{id}"), token).await,
            app.put_json(
                &format!("/api/v1/programs/{id}/intakes/2026"),
                token,
                &json!({"seats": 1, "targeted_seats": 0}),
            )
            .await,
            app.put_json(
                &format!("/api/v1/programs/{id}/enrollments/2025"),
                token,
                &json!({"students": 1}),
            )
            .await,
        ] {
            assert_problem(response, StatusCode::FORBIDDEN).await;
        }
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{id}"), owner).await,
        before
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{id}/intakes"), owner)
            .await,
        json!({"items": [{"year": 2026, "seats": 25, "targeted_seats": 5}], "total": 1})
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{id}/enrollments"), owner)
            .await["total"],
        0
    );
    assert_eq!(program_total(&app, &w.admin).await, 1);
    // An admin may.
    let response = app
        .put_json(&format!("/api/v1/programs/{id}"), &w.admin, &changed)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn programs_filter_by_institution_and_profession() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let one = |id: i64| json!([{"profession_id": id, "share": 1.0}]);
    app.create(
        "/api/v1/programs",
        &w.college_a.1,
        program(w.college_a.0, one(w.glass_operator)),
    )
    .await;
    app.create(
        "/api/v1/programs",
        &w.college_a.1,
        program(w.college_a.0, one(w.cnc_operator)),
    )
    .await;
    app.create(
        "/api/v1/programs",
        &w.college_b.1,
        program(w.college_b.0, json!([{"profession_id": w.cnc_operator, "share": 0.5}, {"profession_id": w.welder, "share": 0.5}])),
    )
    .await;
    let total = |v: Value| v["total"].as_i64().unwrap();
    assert_eq!(
        total(
            app.get_json(
                &format!("/api/v1/programs?institution_id={}", w.college_a.0),
                &w.analyst
            )
            .await
        ),
        2
    );
    assert_eq!(
        total(
            app.get_json(
                &format!("/api/v1/programs?profession_id={}", w.cnc_operator),
                &w.analyst
            )
            .await
        ),
        2
    );
    assert_eq!(
        total(
            app.get_json(
                &format!(
                    "/api/v1/programs?profession_id={}&institution_id={}",
                    w.welder, w.college_b.0
                ),
                &w.analyst
            )
            .await
        ),
        1
    );
    let page = app
        .get_json("/api/v1/programs?limit=1&offset=1", &w.analyst)
        .await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["professions"], one(w.cnc_operator));
}

//! Younger pupils (grades 1 to 4) as counts: who writes and reads them, what
//! is refused, and how the forecast uses each school's latest year.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{World, assert_problem, invalid_fields, spawn_app};

fn counts(body: &Value) -> Vec<(i64, i64)> {
    body["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["grade"].as_i64().unwrap(), g["pupils"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_school_records_its_younger_pupils_and_others_see_them_rounded() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let path = format!("/api/v1/schools/{school}/younger-pupils/2025");
    let body = json!({"grades": [{"grade": 2, "pupils": 30}, {"grade": 1, "pupils": 41}, {"grade": 3, "pupils": 4}, {"grade": 4, "pupils": 25}]});
    let response = app.put_json(&path, token, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(counts(&stored), [(1, 41), (2, 30), (3, 4), (4, 25)]);
    for reader in [token, &w.admin] {
        let read = app.get_json(&path, reader).await;
        assert_eq!(read["suppressed"], false);
        assert_eq!(counts(&read), counts(&stored));
    }
    // Everyone else: each count rounded to a multiple of 5.
    for reader in [&w.school_b.1, &w.analyst, &w.college_a.1, &w.enterprise_a.1] {
        let read = app.get_json(&path, reader).await;
        assert_eq!(read["suppressed"], true);
        assert_eq!(counts(&read), [(1, 40), (2, 30), (3, 5), (4, 25)]);
    }
    // A second year; the list shows both, latest first.
    let later = format!("/api/v1/schools/{school}/younger-pupils/2026");
    let response = app
        .put_json(
            &later,
            token,
            &json!({"grades": [{"grade": 1, "pupils": 38}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list = app
        .get_json(&format!("/api/v1/schools/{school}/younger-pupils"), token)
        .await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["academic_year"], 2026);
    assert_eq!(list["items"][1]["academic_year"], 2025);
    // Writing again replaces the year.
    let response = app
        .put_json(
            &later,
            token,
            &json!({"grades": [{"grade": 2, "pupils": 12}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(counts(&app.get_json(&later, token).await), [(2, 12)]);
    assert_problem(
        app.get(
            &format!("/api/v1/schools/{school}/younger-pupils/2020"),
            token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn only_the_school_and_admins_write_and_bad_counts_store_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let path = format!("/api/v1/schools/{school}/younger-pupils/2025");
    let good = json!({"grades": [{"grade": 1, "pupils": 20}]});
    assert_eq!(
        app.put_json(&path, token, &good).await.status(),
        StatusCode::OK
    );
    for other in [&w.school_b.1, &w.analyst, &w.college_a.1, &w.enterprise_a.1] {
        let response = app
            .put_json(
                &path,
                other,
                &json!({"grades": [{"grade": 1, "pupils": 99}]}),
            )
            .await;
        assert_problem(response, StatusCode::FORBIDDEN).await;
    }
    let admin_write = app
        .put_json(
            &format!("/api/v1/schools/{}/younger-pupils/2025", w.school_b.0),
            &w.admin,
            &good,
        )
        .await;
    assert_eq!(admin_write.status(), StatusCode::OK);
    for (body, fields) in [
        (
            json!({"grades": [{"grade": 0, "pupils": 5}, {"grade": 5, "pupils": 5}]}),
            vec!["grades[0].grade", "grades[1].grade"],
        ),
        (
            json!({"grades": [{"grade": 1, "pupils": -1}]}),
            vec!["grades[0].pupils"],
        ),
        (
            json!({"grades": [{"grade": 2, "pupils": 1}, {"grade": 2, "pupils": 3}]}),
            vec!["grades[1].grade"],
        ),
        (json!({"grades": [{"grade": 2}]}), vec!["grades[0].pupils"]),
        (
            json!({"grades": [{"grade": 2, "pupils": 3, "names": ["Аня"]}]}),
            vec!["grades[0].names"],
        ),
    ] {
        let response = app.put_json(&path, token, &body).await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    let response = app
        .put_json(
            &format!("/api/v1/schools/{school}/younger-pupils/1990"),
            token,
            &good,
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["academic_year"]);
    // Nothing of the bad requests was stored.
    assert_eq!(counts(&app.get_json(&path, token).await), [(1, 20)]);
    // Not a school: no such school.
    assert_problem(
        app.put_json(
            &format!("/api/v1/schools/{}/younger-pupils/2025", w.college_a.0),
            &w.admin,
            &good,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_forecast_uses_each_schools_latest_year_and_counts_only_pupils_without_records() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    // One program after grade 9, one year long, seats from 2026 on.
    let program = app
        .create(
            "/api/v1/programs",
            &w.admin,
            json!({"institution_id": w.college_a.0, "specialty_code": "18.02.05", "title": "Glass",
                   "entry_grade": 9, "duration_months": 12, "completion_rate": 1.0,
                   "professions": [{"profession_id": w.glass_operator, "share": 1.0}]}),
        )
        .await;
    let response = app
        .put_json(
            &format!("/api/v1/programs/{program}/intakes/2026"),
            &w.admin,
            &json!({"seats": 1000, "targeted_seats": 0}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut parameters = app.get_json("/api/v1/forecast/parameters", &w.admin).await;
    parameters["after_grade_9_share"] = json!(1.0);
    parameters["continue_to_grade_10_share"] = json!(0.0);
    parameters["retention_rate"] = json!(1.0);
    parameters["bounds"]["after_grade_9_share"] = json!({"low": 1.0, "high": 1.0});
    parameters["bounds"]["continue_to_grade_10_share"] = json!({"low": 0.0, "high": 0.0});
    parameters["bounds"]["retention_rate"] = json!({"low": 1.0, "high": 1.0});
    assert_eq!(
        app.put_json("/api/v1/forecast/parameters", &w.admin, &parameters)
            .await
            .status(),
        StatusCode::OK
    );
    // School A: an older year (2024) and its latest (2025); only 2025 counts.
    let put = |school: i64, token: String, year: i32, grades: Value| {
        let app = &app;
        async move {
            let response = app
                .put_json(
                    &format!("/api/v1/schools/{school}/younger-pupils/{year}"),
                    &token,
                    &json!({"grades": grades}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    put(
        w.school_a.0,
        w.school_a.1.clone(),
        2024,
        json!([{"grade": 3, "pupils": 500}]),
    )
    .await;
    // Grade 4 in 2025 leaves after grade 9 in 2031; grade 1 in 2025 in 2034.
    put(
        w.school_a.0,
        w.school_a.1.clone(),
        2025,
        json!([{"grade": 4, "pupils": 30}, {"grade": 1, "pupils": 10}]),
    )
    .await;
    // School B's latest year is 2024: grade 4 then is grade 5 in 2025 and
    // leaves after grade 9 in 2030, counted while the school has no records
    // of it; grade 3 then leaves in 2031.
    put(
        w.school_b.0,
        w.school_b.1.clone(),
        2024,
        json!([{"grade": 4, "pupils": 70}, {"grade": 3, "pupils": 12}]),
    )
    .await;
    let supply = |forecast: &Value, year: i64| {
        forecast["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["profession_id"] == w.glass_operator && r["year"] == year)
            .unwrap()["supply"]
            .as_f64()
            .unwrap()
    };
    let forecast = app
        .get_json("/api/v1/forecast?as_of=2025&from=2030&to=2036", &w.analyst)
        .await;
    assert_eq!(supply(&forecast, 2031), 70.0);
    assert_eq!(supply(&forecast, 2032), 42.0);
    assert_eq!(supply(&forecast, 2035), 10.0);
    assert_eq!(supply(&forecast, 2033), 0.0);
    // Once school B registers a pupil of that cohort, the record stands for
    // that pupil and the count only for the other 69: still 70, never 71.
    app.create(
        "/api/v1/pupils",
        &w.school_b.1,
        json!({"school_id": w.school_b.0, "external_ref": "B-5-1", "grade": 5,
               "academic_year": 2025, "consent": false}),
    )
    .await;
    let forecast = app
        .get_json("/api/v1/forecast?as_of=2025&from=2030&to=2036", &w.analyst)
        .await;
    assert_eq!(supply(&forecast, 2031), 70.0);
}

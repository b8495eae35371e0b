//! Records of what happened (version 3): school counts of every grade,
//! graduations and destinations; who writes and reads them, what is
//! refused (and leaves nothing behind), and the all-or-nothing imports.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, invalid_fields, spawn_app};

async fn post_csv(app: &TestApp, path: &str, token: &str, csv: &str) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

/// The `(line, field)` of every error of a 422.
async fn bad_lines(response: Response) -> Vec<(i64, String)> {
    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(0),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn program_of(app: &TestApp, w: &World, college: &(i64, String)) -> i64 {
    app.create(
        "/api/v1/programs",
        &college.1,
        json!({"institution_id": college.0, "specialty_code": "18.02.05", "title": "Glass",
               "entry_grade": 9, "duration_months": 34,
               "professions": [{"profession_id": w.glass_operator, "share": 1.0}]}),
    )
    .await
}

fn grades(body: &Value) -> Vec<(i64, i64)> {
    body["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["grade"].as_i64().unwrap(), g["pupils"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn school_counts_of_every_grade_are_written_by_the_school_and_read_protected_by_others() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let path = format!("/api/v1/schools/{school}/grade-counts/2025");
    let body = json!({"grades": [{"grade": 11, "pupils": 44}, {"grade": 9, "pupils": 61}, {"grade": 1, "pupils": 4}]});
    let response = app.put_json(&path, token, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    for reader in [token, &w.admin] {
        let read = app.get_json(&path, reader).await;
        assert_eq!(grades(&read), [(1, 4), (9, 61), (11, 44)]);
        assert_eq!(read["suppressed"], false);
    }
    // Everyone else reads protected counts, rounded to fives.
    for reader in [&w.analyst, &w.college_a.1, &w.enterprise_a.1, &w.school_b.1] {
        let read = app.get_json(&path, reader).await;
        assert_eq!(read["suppressed"], true);
        assert_eq!(grades(&read), [(1, 5), (9, 60), (11, 45)]);
    }
    // The younger-pupil paths are the same counts' grades 1 to 4.
    let younger = app
        .get_json(
            &format!("/api/v1/schools/{school}/younger-pupils/2025"),
            token,
        )
        .await;
    assert_eq!(grades(&younger), [(1, 4)]);
    let listed = app
        .get_json(&format!("/api/v1/schools/{school}/grade-counts"), token)
        .await;
    assert_eq!(listed["total"], 1);
    // Writing grades 1 to 4 through the younger path keeps grades 9 and 11.
    let response = app
        .put_json(
            &format!("/api/v1/schools/{school}/younger-pupils/2025"),
            token,
            &json!({"grades": [{"grade": 2, "pupils": 30}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        grades(&app.get_json(&path, token).await),
        [(2, 30), (9, 61), (11, 44)]
    );
    // Only the school and admins write or delete.
    for (other, status) in [
        (&w.school_b.1, StatusCode::FORBIDDEN),
        (&w.analyst, StatusCode::FORBIDDEN),
        (&w.college_a.1, StatusCode::FORBIDDEN),
        (&w.enterprise_a.1, StatusCode::FORBIDDEN),
    ] {
        assert_problem(app.put_json(&path, other, &body).await, status).await;
        assert_problem(app.delete(&path, other).await, status).await;
    }
    // Bad input names the field and stores nothing.
    for (bad, fields) in [
        (
            json!({"grades": [{"grade": 0, "pupils": 3}]}),
            vec!["grades[0].grade"],
        ),
        (
            json!({"grades": [{"grade": 12, "pupils": 3}]}),
            vec!["grades[0].grade"],
        ),
        (
            json!({"grades": [{"grade": 5, "pupils": -1}]}),
            vec!["grades[0].pupils"],
        ),
        (
            json!({"grades": [{"grade": 5, "pupils": 1}, {"grade": 5, "pupils": 2}]}),
            vec!["grades[1].grade"],
        ),
    ] {
        assert_eq!(
            invalid_fields(app.put_json(&path, token, &bad).await).await,
            fields,
            "{bad}"
        );
    }
    assert_eq!(
        invalid_fields(
            app.put_json(
                &format!("/api/v1/schools/{school}/grade-counts/1999"),
                token,
                &body
            )
            .await
        )
        .await,
        ["academic_year"]
    );
    // The younger path still refuses grades above 4.
    assert_eq!(
        invalid_fields(
            app.put_json(
                &format!("/api/v1/schools/{school}/younger-pupils/2025"),
                token,
                &json!({"grades": [{"grade": 5, "pupils": 3}]})
            )
            .await
        )
        .await,
        ["grades[0].grade"]
    );
    assert_eq!(
        grades(&app.get_json(&path, token).await),
        [(2, 30), (9, 61), (11, 44)]
    );
    // The school deletes the year; then it is gone.
    assert_eq!(
        app.delete(&path, token).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&path, token).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.delete(&path, token).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_regions_counts_import_is_all_or_nothing_and_for_admins_only() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (a, b) = (w.school_a.0, w.school_b.0);
    let path = "/api/v1/grade-counts/import";
    let good = format!(
        "school_id,academic_year,grade,pupils\n{a},2025,1,40\n{a},2025,9,61\n{b},2025,10,35\n{b},2024,10,33\n"
    );
    for other in [&w.analyst, &w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(
            post_csv(&app, path, other, &good).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Every bad row is named with its line; nothing is stored.
    let bad = format!(
        "school_id,academic_year,grade,pupils\n{a},2025,1,40\n{a},2025,12,5\n{b},2025,3,-2\n{},2025,3,5\n{a},2025,1,41\n{b},1999,3,5\n",
        w.college_a.0
    );
    let lines = bad_lines(post_csv(&app, path, &w.admin, &bad).await).await;
    assert_eq!(
        lines,
        [
            (3, "grade".to_string()),
            (4, "pupils".to_string()),
            (6, "grade".to_string()),
            (7, "academic_year".to_string())
        ]
    );
    // A school id that is not a school is found when the rows are checked against the data.
    let not_a_school = format!(
        "school_id,academic_year,grade,pupils\n{a},2025,1,40\n{},2025,3,5\n",
        w.college_a.0
    );
    assert_eq!(
        bad_lines(post_csv(&app, path, &w.admin, &not_a_school).await).await,
        [(3, "school_id".to_string())]
    );
    let listed = app
        .get_json(&format!("/api/v1/schools/{a}/grade-counts"), &w.admin)
        .await;
    assert_eq!(listed["total"], 0);
    // The good file replaces each (school, year) named, whole.
    let response = app
        .put_json(
            &format!("/api/v1/schools/{a}/grade-counts/2025"),
            &w.admin,
            &json!({"grades": [{"grade": 5, "pupils": 70}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = post_csv(&app, path, &w.admin, &good).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"school_years": 3, "counts": 4})
    );
    assert_eq!(
        grades(
            &app.get_json(&format!("/api/v1/schools/{a}/grade-counts/2025"), &w.admin)
                .await
        ),
        [(1, 40), (9, 61)]
    );
    let listed = app
        .get_json(&format!("/api/v1/schools/{b}/grade-counts"), &w.admin)
        .await;
    assert_eq!(listed["total"], 2);
}

#[tokio::test]
async fn graduations_and_destinations_follow_their_rules_and_their_institution() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let program = program_of(&app, &w, &w.college_a).await;
    let graduation = |year: i32| format!("/api/v1/programs/{program}/graduations/{year}");
    let destination = |year: i32| format!("/api/v1/programs/{program}/destinations/{year}");
    let good = json!({"graduates": 20, "targeted_graduates": 4});
    let places = json!({"employed_in_profession": 10, "employed_in_profession_targeted": 4,
        "employed_other": 2, "continued_study": 1, "military_service": 1, "left_region": 1, "unknown": 5});
    // Another college gets 404 (it cannot tell the program from a missing
    // one); schools, enterprises and analysts 403.
    for (other, status) in [
        (&w.college_b.1, StatusCode::NOT_FOUND),
        (&w.school_a.1, StatusCode::FORBIDDEN),
        (&w.enterprise_a.1, StatusCode::FORBIDDEN),
        (&w.analyst, StatusCode::FORBIDDEN),
    ] {
        assert_problem(app.put_json(&graduation(2024), other, &good).await, status).await;
        assert_problem(
            app.put_json(&destination(2024), other, &places).await,
            status,
        )
        .await;
    }
    let (college, admin) = (&w.college_a.1, &w.admin);
    assert_eq!(
        app.put_json(&graduation(2024), college, &good)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.put_json(&destination(2024), admin, &places)
            .await
            .status(),
        StatusCode::OK
    );
    // Everyone signed in reads them.
    for reader in [&w.analyst, &w.school_a.1, &w.college_b.1, &w.enterprise_a.1] {
        assert_eq!(
            app.get_json(&graduation(2024), reader).await,
            json!({"year": 2024, "graduates": 20, "targeted_graduates": 4})
        );
        let listed = app
            .get_json(&format!("/api/v1/programs/{program}/destinations"), reader)
            .await;
        assert_eq!(listed["items"][0]["unknown"], 5);
    }
    // The rules, each a 422 naming the field; nothing stored.
    for (body, fields) in [
        (
            json!({"graduates": 10, "targeted_graduates": 11}),
            vec!["targeted_graduates"],
        ),
        (
            json!({"graduates": -1, "targeted_graduates": 0}),
            vec!["graduates"],
        ),
        // Fewer graduates than the year's recorded destinations account for.
        (
            json!({"graduates": 19, "targeted_graduates": 4}),
            vec!["graduates"],
        ),
    ] {
        assert_eq!(
            invalid_fields(app.put_json(&graduation(2024), college, &body).await).await,
            fields,
            "{body}"
        );
    }
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    assert_eq!(
        invalid_fields(app.put_json(&graduation(next_year), college, &good).await).await,
        ["year"]
    );
    let with = |field: &str, value: i64| {
        let mut body = places.clone();
        body[field] = json!(value);
        body
    };
    for (body, fields) in [
        // 21 accounted for, of 20 graduates.
        (with("unknown", 6), vec!["unknown"]),
        (
            with("employed_in_profession_targeted", 5),
            vec!["employed_in_profession_targeted"],
        ),
        (with("military_service", -1), vec!["military_service"]),
        (
            with("employed_in_profession_targeted", 11),
            vec!["employed_in_profession_targeted"],
        ),
    ] {
        assert_eq!(
            invalid_fields(app.put_json(&destination(2024), college, &body).await).await,
            fields,
            "{body}"
        );
    }
    assert_eq!(
        invalid_fields(app.put_json(&destination(1985), college, &places).await).await,
        ["graduation_year"]
    );
    assert_eq!(
        app.get_json(&graduation(2024), admin).await["graduates"],
        20
    );
    assert_eq!(app.get_json(&destination(2024), admin).await["unknown"], 5);
    // Deleting: the institution and admins; a missing year is 404.
    assert_problem(
        app.delete(&destination(2024), &w.college_b.1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.delete(&destination(2024), college).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&destination(2024), college).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.delete(&graduation(2024), admin).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.delete(&graduation(2024), admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn graduation_and_destination_imports_store_all_rows_or_none() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let mine = program_of(&app, &w, &w.college_a).await;
    let theirs = program_of(&app, &w, &w.college_b).await;
    let graduations = "/api/v1/graduations/import";
    let destinations = "/api/v1/destinations/import";
    let head = "program_id,year,graduates,targeted_graduates\n";
    // A college only for its own programs: the other college's line is refused.
    let csv = format!("{head}{mine},2023,20,4\n{theirs},2023,15,0\n");
    assert_eq!(
        bad_lines(post_csv(&app, graduations, &w.college_a.1, &csv).await).await,
        [(3, "program_id".to_string())]
    );
    for other in [&w.school_a.1, &w.enterprise_a.1, &w.analyst] {
        assert_problem(
            post_csv(&app, graduations, other, &csv).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Every bad row listed with its line.
    let bad = format!(
        "{head}{mine},2023,20,21\n{mine},2024,x,0\n{mine},2024,10,0\n{mine},2024,11,0\n{mine},2030,5,0\n"
    );
    assert_eq!(
        bad_lines(post_csv(&app, graduations, &w.admin, &bad).await).await,
        [
            (2, "targeted_graduates".to_string()),
            (3, "graduates".to_string()),
            (5, "year".to_string()),
            (6, "year".to_string())
        ]
    );
    let listed = app
        .get_json(&format!("/api/v1/programs/{mine}/graduations"), &w.admin)
        .await;
    assert_eq!(listed["total"], 0);
    // Admins for every program.
    let response = post_csv(&app, graduations, &w.admin, &csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"stored": 2})
    );
    // Destinations are checked against the stored graduations.
    let head = "program_id,year,employed_in_profession,employed_in_profession_targeted,employed_other,continued_study,military_service,left_region,unknown\n";
    // Line 2 accounts for 21 of the 20 graduates of 2023; 2022 has no
    // graduation record, so only its own rules apply.
    let over = format!("{head}{mine},2023,10,4,5,2,1,1,2\n{mine},2022,10,4,5,2,1,1,100\n");
    assert_eq!(
        bad_lines(post_csv(&app, destinations, &w.college_a.1, &over).await).await,
        [(2, "unknown".to_string())]
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{mine}/destinations"), &w.admin)
            .await["total"],
        0
    );
    let fits = format!("{head}{mine},2023,10,4,5,2,1,1,0\n{mine},2022,10,4,5,2,1,1,100\n");
    let response = post_csv(&app, destinations, &w.college_a.1, &fits).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.get_json(&format!("/api/v1/programs/{mine}/destinations"), &w.admin)
            .await["total"],
        2
    );
    // A file with the wrong header names the header.
    assert_eq!(
        bad_lines(post_csv(&app, destinations, &w.admin, "program_id,year\n1,2\n").await).await,
        [(1, "header".to_string())]
    );
}

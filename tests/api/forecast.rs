use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields, spawn_app};

/// The worked example of docs/forecast.md, entered through the API; the
/// simulation starts in academic year 2025 (`as_of=2025`), whatever the clock says.
pub struct Example {
    pub admin: String,
    pub analyst: String,
    pub college: String,
    pub school: (i64, String),
    pub enterprise: i64,
    pub p1: i64,
    pub p2: i64,
    pub program_a: i64,
    pub program_b: i64,
    pub gusev: i64,
}

pub async fn worked_example(app: &TestApp) -> Example {
    let admin = app.admin_token().await;
    let analyst = app.token_for_role(&admin, "analyst").await;
    let glass = app.create_cluster(&admin, "Glass").await;
    let machines = app.create_cluster(&admin, "Mechanical engineering").await;
    let p1 = app
        .create(
            "/api/v1/professions",
            &admin,
            json!({"code": "P1", "title": "Glass-forming machine operator", "cluster_id": glass}),
        )
        .await;
    let p2 = app
        .create(
            "/api/v1/professions",
            &admin,
            json!({"code": "P2", "title": "CNC machine operator", "cluster_id": machines}),
        )
        .await;
    let gusev = app
        .create_organization(&admin, "college", "Gusev Glass College")
        .await;
    let kovrov = app
        .create_organization(&admin, "college", "Kovrov college")
        .await;
    let college = app.token_in(&admin, "college", gusev).await;
    let program = |institution: i64, profession: i64, months: i32| {
        json!({"institution_id": institution, "specialty_code": "18.02.05", "title": "Program",
               "entry_grade": 9, "duration_months": months, "completion_rate": 0.85,
               "professions": [{"profession_id": profession, "share": 1.0}]})
    };
    let program_a = app
        .create("/api/v1/programs", &admin, program(gusev, p1, 34))
        .await;
    let program_b = app
        .create("/api/v1/programs", &admin, program(kovrov, p2, 46))
        .await;
    for (id, seats, targeted) in [(program_a, 25, 5), (program_b, 20, 0)] {
        let response = app
            .put_json(
                &format!("/api/v1/programs/{id}/intakes/2026"),
                &admin,
                &json!({"seats": seats, "targeted_seats": targeted}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let school_id = app.create_organization(&admin, "school", "School").await;
    let school = app.token_in(&admin, "school", school_id).await;
    let mut csv = String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    for n in 0..40 {
        let (consent, interests) = match n {
            0..20 => ("true", format!("C:{glass}:1")),
            20..30 => ("true", "P:P2:1".to_string()),
            30..35 => ("true", String::new()),
            _ => ("false", String::new()),
        };
        csv.push_str(&format!("E-{n},9,2025,{consent},,{interests}\n"));
    }
    import(app, school_id, &school, csv).await;
    let enterprise = app
        .create_organization(&admin, "enterprise", "Krasnoe Ekho")
        .await;
    app.create(
        "/api/v1/demand",
        &admin,
        json!({"enterprise_id": enterprise, "profession_id": p1, "year": 2029, "headcount": 20}),
    )
    .await;
    let mut parameters = app.get_json("/api/v1/forecast/parameters", &admin).await;
    parameters["after_grade_9_share"] = json!(0.6);
    parameters["continue_to_grade_10_share"] = json!(0.4);
    assert_eq!(
        app.put_json("/api/v1/forecast/parameters", &admin, &parameters)
            .await
            .status(),
        StatusCode::OK
    );
    Example {
        admin,
        analyst,
        college,
        school: (school_id, school),
        enterprise,
        p1,
        p2,
        program_a,
        program_b,
        gusev,
    }
}

async fn import(app: &TestApp, school_id: i64, token: &str, csv: String) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{school_id}/pupils/import")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// A number as every format writes it: the f64's correct rounding to two decimals.
pub fn two(value: f64) -> f64 {
    format!("{value:.2}").parse().unwrap()
}

/// The worked example's rows: P1 and P2 from 2026 to 2030, two with supply.
/// The low and high variants of a cell are its extremes over the corners of
/// the default bounds (p9 0.55 to 0.75, r 0.5 to 0.7, rt 0.9 to 1); A's and
/// B's own completion rate (0.85) is data and does not vary.
fn expected_rows(e: &Example) -> Value {
    // A's applicants are p9 * (20 + 10 * 25/45); B's p9 * (10 + 10 * 20/45); no seat binds.
    let a = |p9: f64| p9 * (20.0 + 10.0 * 25.0 / 45.0);
    let b = |p9: f64| p9 * (10.0 + 10.0 * 20.0 / 45.0);
    let p1 = |p9: f64, r: f64, rt: f64| 0.85 * (5.0 * rt + (a(p9) - 5.0) * r);
    let p2 = |p9: f64, r: f64| 0.85 * b(p9) * r;
    let mut rows = Vec::new();
    for (id, code, title) in [
        (e.p1, "P1", "Glass-forming machine operator"),
        (e.p2, "P2", "CNC machine operator"),
    ] {
        for year in 2026..=2030 {
            let (demand, supply, low, high) = match (code, year) {
                ("P1", 2029) => (
                    20.0,
                    p1(0.6, 0.6, 0.95),
                    p1(0.55, 0.5, 0.9),
                    p1(0.75, 0.7, 1.0),
                ),
                ("P2", 2030) => (0.0, p2(0.6, 0.6), p2(0.55, 0.5), p2(0.75, 0.7)),
                _ => (0.0, 0.0, 0.0, 0.0),
            };
            rows.push(json!({
                "profession_id": id, "profession_code": code, "profession_title": title, "year": year,
                "demand": two(demand), "supply": two(supply), "gap": two(demand - supply),
                "coverage": if demand > 0.0 { json!(two(supply / demand)) } else { Value::Null },
                "complete": true,
                // P1's demand is posted for 2029 only; P2 has none.
                "demand_known": code == "P1" && year <= 2029,
                "supply_low": two(low), "supply_high": two(high),
                "gap_low": two(demand - high), "gap_high": two(demand - low),
            }));
        }
    }
    Value::Array(rows)
}

fn expected(e: &Example) -> Value {
    json!({
        "as_of": 2025, "from": 2026, "to": 2030, "complete_until": 2030,
        "parameters": {"after_grade_9_share": 0.6, "continue_to_grade_10_share": 0.4, "after_grade_11_share": 0.7,
                       "annual_dropout_rate": 0.07, "retention_rate": 0.6, "targeted_retention_rate": 0.95},
        "bounds": {
            "after_grade_9_share": {"low": 0.55, "high": 0.75},
            "continue_to_grade_10_share": {"low": 0.25, "high": 0.45},
            "after_grade_11_share": {"low": 0.6, "high": 0.8},
            "annual_dropout_rate": {"low": 0.05, "high": 0.09},
            "retention_rate": {"low": 0.5, "high": 0.7},
            "targeted_retention_rate": {"low": 0.9, "high": 1.0}
        },
        "rows": expected_rows(e),
        "unplaced": [{"year": 2028, "entry_grade": 11, "pupils": 11.2}],
        "demand_until": [{"profession_id": e.p1, "year": 2029}, {"profession_id": e.p2, "year": null}]
    })
}

const FORECAST: &str = "/api/v1/forecast?as_of=2025&from=2026&to=2030";

#[tokio::test]
async fn the_worked_example_gives_its_exact_numbers_to_every_role() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let expected = expected(&e);
    // The numbers the example states.
    let rows = expected["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        (
            rows[3]["supply"].clone(),
            rows[3]["gap"].clone(),
            rows[3]["coverage"].clone()
        ),
        (json!(9.31), json!(10.69), json!(0.47))
    );
    assert_eq!(
        (rows[9]["supply"].clone(), rows[9]["gap"].clone()),
        (json!(4.42), json!(-4.42))
    );
    for token in [&e.admin, &e.analyst, &e.college, &e.school.1] {
        assert_eq!(app.get_json(FORECAST, token).await, expected);
    }
    let only_p2 = app
        .get_json(&format!("{FORECAST}&profession_id={}", e.p2), &e.admin)
        .await;
    assert_eq!(only_p2["rows"], json!(rows[5..10]));
    // The same window seen from elsewhere gives the same cells.
    let later = app
        .get_json("/api/v1/forecast?as_of=2025&from=2029&to=2035", &e.admin)
        .await;
    assert_eq!(later["rows"][0], rows[3]);
    let csv = app
        .get(&FORECAST.replace("forecast?", "forecast.csv?"), &e.analyst)
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(
        lines[0],
        "profession_id,profession_code,profession_title,year,demand,supply,gap,coverage,complete,supply_low,supply_high,gap_low,gap_high,demand_known"
    );
    let p1 = &rows[3];
    assert_eq!(
        lines[4],
        format!(
            "{},P1,Glass-forming machine operator,2029,20.00,9.31,10.69,0.47,true,{:.2},{:.2},{:.2},{:.2},true",
            e.p1,
            p1["supply_low"].as_f64().unwrap(),
            p1["supply_high"].as_f64().unwrap(),
            p1["gap_low"].as_f64().unwrap(),
            p1["gap_high"].as_f64().unwrap()
        )
    );
    assert_eq!(
        lines[10],
        format!(
            "{},P2,CNC machine operator,2030,0.00,4.42,-4.42,,true,{:.2},{:.2},{:.2},{:.2},false",
            e.p2,
            rows[9]["supply_low"].as_f64().unwrap(),
            rows[9]["supply_high"].as_f64().unwrap(),
            rows[9]["gap_low"].as_f64().unwrap(),
            rows[9]["gap_high"].as_f64().unwrap()
        )
    );
}

#[tokio::test]
async fn the_horizon_shows_where_the_known_pupils_end() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    // From 2031 on, A's cohorts (3 years) started in 2028 or later: leavers of
    // grade 9 in 2027, in grade 7 in 2025, registered; B's (4 years) in 2027.
    // The 2034 cell of P1 needs leavers of 2031: grade 4 now, not known.
    let forecast = app
        .get_json("/api/v1/forecast?as_of=2025&from=2026&to=2036", &e.admin)
        .await;
    assert_eq!(forecast["complete_until"], 2033);
    let p1_2034 = forecast["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profession_id"] == e.p1 && r["year"] == 2034)
        .unwrap()
        .clone();
    assert_eq!(p1_2034["complete"], false);
    // A school that records its younger pupils' counts makes them known.
    let response = app
        .put_json(
            &format!("/api/v1/schools/{}/younger-pupils/2025", e.school.0),
            &e.school.1,
            &json!({"grades": [{"grade": 4, "pupils": 30}, {"grade": 3, "pupils": 31}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let forecast = app
        .get_json("/api/v1/forecast?as_of=2025&from=2026&to=2036", &e.admin)
        .await;
    assert_eq!(forecast["complete_until"], 2035);
}

#[tokio::test]
async fn explain_takes_a_cell_apart() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let path = format!(
        "/api/v1/forecast/explain?profession_id={}&year=2029&as_of=2025",
        e.p1
    );
    let explanation = app.get_json(&path, &e.analyst).await;
    assert_eq!(
        (
            explanation["demand"].clone(),
            explanation["supply"].clone(),
            explanation["gap"].clone()
        ),
        (json!(20.0), json!(9.31), json!(10.69))
    );
    assert_eq!(
        explanation["supply_by_program"],
        json!([{"program_id": e.program_a, "program_title": "Program", "institution_id": e.gusev,
                "institution_name": "Gusev Glass College", "intake_year": 2026, "applicants": 15.33,
                "seats": 25, "seats_from_year": 2026, "intake": 15.33, "actual_enrollment": false,
                "targeted": 5.0, "completion_rate": 0.85, "retained": 9.31, "share": 1.0, "supply": 9.31}])
    );
    assert_eq!(
        explanation["demand_by_enterprise"],
        json!([{"enterprise_id": e.enterprise, "enterprise_name": "Krasnoe Ekho", "headcount": 20}])
    );
    assert_eq!(explanation["as_of"], 2025);
    assert_eq!(explanation["complete"], true);
    assert_eq!(
        explanation["profession_title"],
        "Glass-forming machine operator"
    );
    let row = &expected_rows(&e)[3];
    assert_eq!(explanation["supply_low"], row["supply_low"]);
    assert_eq!(explanation["supply_high"], row["supply_high"]);
    // The tornado: retention moves the cell, the grade-11 share does not.
    let sensitivity = explanation["sensitivity"].as_array().unwrap();
    assert_eq!(sensitivity.len(), 6);
    for (i, parameter) in ["continue_to_grade_10_share", "after_grade_11_share"]
        .into_iter()
        .enumerate()
    {
        assert_eq!(sensitivity[i + 1]["parameter"], parameter);
        assert_eq!(
            sensitivity[i + 1]["supply_at_low"],
            sensitivity[i + 1]["supply_at_high"]
        );
    }
    assert_eq!(sensitivity[4]["parameter"], "retention_rate");
    let intake = 0.6 * (20.0 + 10.0 * 25.0 / 45.0);
    assert_eq!(
        sensitivity[4]["supply_at_low"],
        json!(two(0.85 * (5.0 * 0.95 + (intake - 5.0) * 0.5)))
    );
    // A college sees the demand, not who posted it.
    let for_college = app.get_json(&path, &e.college).await;
    assert_eq!(
        for_college["demand_by_enterprise"],
        json!([{"enterprise_id": null, "enterprise_name": null, "headcount": 20}])
    );
    let b = app
        .get_json(
            &format!(
                "/api/v1/forecast/explain?profession_id={}&year=2030&as_of=2025",
                e.p2
            ),
            &e.admin,
        )
        .await;
    assert_eq!(b["supply_by_program"][0]["program_id"], e.program_b);
    assert_eq!(b["supply_by_program"][0]["supply"], 4.42);
    assert_problem(
        app.get(
            "/api/v1/forecast/explain?profession_id=99999&year=2029&as_of=2025",
            &e.admin,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.get("/api/v1/forecast/explain?year=2029", &e.admin)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn a_scenario_lays_changes_over_the_stored_data_and_stores_nothing() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let stored = app.get_json(FORECAST, &e.analyst).await;
    let same = app
        .post_json(
            "/api/v1/forecast/scenario",
            &e.analyst,
            &json!({"as_of": 2025, "from": 2026, "to": 2030}),
        )
        .await;
    assert_eq!(same.status(), StatusCode::OK);
    let mut same: Value = same.json().await.unwrap();
    // Each row carries the stored gap beside its own: here the same.
    for row in same["rows"].as_array_mut().unwrap() {
        let before = row.as_object_mut().unwrap().remove("gap_before").unwrap();
        assert_eq!(before, row["gap"]);
    }
    assert_eq!(same, stored);

    let scenario = json!({
        "as_of": 2025, "from": 2026, "to": 2030,
        "parameters": {"after_grade_9_share": 0.6, "after_grade_11_share": 0.7, "annual_dropout_rate": 0.07,
                       "retention_rate": 0.6, "targeted_retention_rate": 0.95},
        "intakes": [{"program_id": e.program_a, "year": 2026, "seats": 25, "targeted_seats": 15}]
    });
    let changed: Value = app
        .post_json("/api/v1/forecast/scenario", &e.admin, &scenario)
        .await
        .json()
        .await
        .unwrap();
    // 15.33 applicants, 15 of them on targeted seats: 0.85 * (15 * 0.95 + 0.3333 * 0.6).
    assert_eq!(changed["rows"][3]["supply"], 12.28);
    assert_eq!(changed["rows"][3]["gap_before"], 10.69);
    // Nothing was stored.
    assert_eq!(app.get_json(FORECAST, &e.analyst).await, stored);
    assert_eq!(
        app.get_json(
            &format!("/api/v1/programs/{}/intakes", e.program_a),
            &e.admin
        )
        .await["items"],
        json!([{"year": 2026, "seats": 25, "targeted_seats": 5}])
    );
}

#[tokio::test]
async fn bad_forecast_input_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let response = app
        .get("/api/v1/forecast?from=2030&to=2026", &e.analyst)
        .await;
    assert_eq!(invalid_fields(response).await, ["to"]);
    for as_of in ["soon", "20x6", "1999"] {
        let response = app
            .get(&format!("/api/v1/forecast?as_of={as_of}"), &e.analyst)
            .await;
        assert_eq!(invalid_fields(response).await, ["as_of"], "{as_of}");
    }
    let response = app
        .get("/api/v1/forecast?from=2026&to=2057", &e.analyst)
        .await;
    assert_eq!(invalid_fields(response).await, ["to"]);
    assert_eq!(
        app.get("/api/v1/forecast?from=2026&to=2056", &e.analyst)
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get("/api/v1/forecast?from=soon", &e.analyst).await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    let before = app.get_json("/api/v1/forecast/parameters", &e.admin).await;
    let mut bad = before.clone();
    bad["retention_rate"] = json!(1.2);
    bad["annual_dropout_rate"] = json!(-0.1);
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &bad)
        .await;
    assert_eq!(
        invalid_fields(response).await,
        ["annual_dropout_rate", "retention_rate"]
    );
    let mut missing = before.clone();
    missing.as_object_mut().unwrap().remove("retention_rate");
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &missing)
        .await;
    assert_eq!(invalid_fields(response).await, ["retention_rate"]);
    let mut reversed = before.clone();
    reversed["bounds"]["retention_rate"] = json!({"low": 0.7, "high": 0.5});
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &reversed)
        .await;
    assert_eq!(invalid_fields(response).await, ["bounds.retention_rate"]);
    let mut unknown = before.clone();
    unknown["bounds"]["happiness"] = json!({"low": 0.1, "high": 0.2});
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &unknown)
        .await;
    assert_eq!(invalid_fields(response).await, ["bounds.happiness"]);
    let mut outside = before.clone();
    outside["bounds"]["after_grade_9_share"] = json!({"low": 0.61, "high": 0.9});
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &outside)
        .await;
    assert_eq!(invalid_fields(response).await, ["after_grade_9_share"]);
    let mut beyond = before.clone();
    beyond["bounds"]["after_grade_9_share"] = json!({"low": -0.1, "high": 1.5});
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &beyond)
        .await;
    assert_eq!(
        invalid_fields(response).await,
        [
            "bounds.after_grade_9_share.low",
            "bounds.after_grade_9_share.high"
        ]
    );
    assert_eq!(
        app.get_json("/api/v1/forecast/parameters", &e.admin).await,
        before
    );
    // Bounds can change alone, the values kept.
    let mut wider = before.clone();
    wider["bounds"]["retention_rate"] = json!({"low": 0.4, "high": 0.8});
    let response = app
        .put_json("/api/v1/forecast/parameters", &e.admin, &wider)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.get_json("/api/v1/forecast/parameters", &e.admin).await,
        wider
    );
    assert_eq!(
        app.put_json("/api/v1/forecast/parameters", &e.admin, &before)
            .await
            .status(),
        StatusCode::OK
    );

    for (body, fields) in [
        (json!({"from": 2026, "to": 2025}), vec!["to"]),
        (
            json!({"from": 2026, "to": 2030, "parameters": bad}),
            vec![
                "parameters.annual_dropout_rate",
                "parameters.retention_rate",
            ],
        ),
        (
            json!({"from": 2026, "to": 2030, "parameters": reversed}),
            vec!["parameters.bounds.retention_rate"],
        ),
        (
            json!({"from": 2026, "to": 2030, "as_of": "soon"}),
            vec!["as_of"],
        ),
        (
            json!({"from": 2026, "to": 2030, "intakes": [{"program_id": 99999, "year": 2026, "seats": 5, "targeted_seats": 0}]}),
            vec!["intakes[0].program_id"],
        ),
        (
            json!({"from": 2026, "to": 2030, "intakes": [{"program_id": e.program_a, "year": 2026, "seats": 5, "targeted_seats": 6}]}),
            vec!["intakes[0].targeted_seats"],
        ),
    ] {
        let response = app
            .post_json("/api/v1/forecast/scenario", &e.analyst, &body)
            .await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    assert_eq!(app.get_json(FORECAST, &e.analyst).await, expected(&e));
}

#[tokio::test]
async fn scenarios_are_for_analysts_and_admins_and_parameters_for_admins() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let body = json!({"from": 2026, "to": 2030});
    for token in [&e.college, &e.school.1] {
        assert_problem(
            app.post_json("/api/v1/forecast/scenario", token, &body)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let parameters = app
        .get_json("/api/v1/forecast/parameters", &e.school.1)
        .await;
    for token in [&e.analyst, &e.college, &e.school.1] {
        let response = app
            .put_json("/api/v1/forecast/parameters", token, &parameters)
            .await;
        assert_problem(response, StatusCode::FORBIDDEN).await;
    }
    let response = app
        .client
        .get(app.url("/api/v1/forecast"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn the_forecast_follows_pupils_moved_on_by_a_new_roster() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    // The same 40 pupils recorded a year later in grade 10: none leave after grade 9 any more.
    let mut csv = String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    for n in 0..40 {
        csv.push_str(&format!("E-{n},10,2026,false,,\n"));
    }
    import(&app, e.school.0, &e.school.1, csv).await;
    let forecast = app
        .get_json("/api/v1/forecast?as_of=2026&from=2026&to=2030", &e.admin)
        .await;
    let p1 = forecast["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profession_id"] == e.p1 && r["year"] == 2029)
        .unwrap()
        .clone();
    assert_eq!(
        (
            p1["supply"].clone(),
            p1["gap"].clone(),
            p1["coverage"].clone()
        ),
        (json!(0.0), json!(20.0), json!(0.0))
    );
    // A's 2026 cohort has started by academic year 2026: without an enrollment
    // record kadry does not know it, and says so.
    assert_eq!(p1["complete"], false);
    // Grade 10 in 2026 leaves after grade 11 in 2028: 40 * 0.7.
    assert_eq!(
        forecast["unplaced"],
        json!([{"year": 2028, "entry_grade": 11, "pupils": 28.0}])
    );
}

fn masses(app: &TestApp) -> (Vec<String>, Vec<String>) {
    use kadry::db::{ConnectionManager, DatabaseUrl, forecast};
    let manager = ConnectionManager::new(DatabaseUrl::parse(&app.db.url).unwrap(), 5000);
    let mut conn = manager.connect().unwrap();
    let show = |masses: Vec<kadry::forecast::model::InterestMass>| {
        let mut shown: Vec<String> = masses
            .into_iter()
            .map(|m| {
                format!(
                    "{} {} {:?} {:.9}",
                    m.grade, m.academic_year, m.target, m.pupils
                )
            })
            .collect();
        shown.sort();
        shown
    };
    // The kept pupil records per school, grade and year go with the masses.
    let cohorts = |rows: Vec<(i64, i32, i32, i64)>| {
        rows.into_iter()
            .map(|(school, grade, year, pupils)| format!("cohort {school} {grade} {year} {pupils}"))
            .collect::<Vec<String>>()
    };
    let mut kept = show(forecast::interest_masses(&mut conn).unwrap());
    kept.extend(cohorts(
        kadry::db::pupil_counts::cohorts(&mut conn).unwrap(),
    ));
    let mut fresh = show(forecast::recomputed_interest_masses(&mut conn).unwrap());
    fresh.extend(cohorts(
        kadry::db::pupil_counts::cohorts_recomputed(&mut conn).unwrap(),
    ));
    (kept, fresh)
}

#[tokio::test]
async fn the_kept_pupil_masses_always_equal_a_fresh_count() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let (school, token) = &e.school;
    let (kept, fresh) = masses(&app);
    assert!(!kept.is_empty());
    assert_eq!(kept, fresh);

    // Single pupils: create, move on a grade, change interests, withdraw consent, delete.
    let id = app
        .create(
            "/api/v1/pupils",
            token,
            json!({"school_id": school, "external_ref": "M-1", "grade": 6, "academic_year": 2025, "consent": true,
                   "interests": [{"profession_id": e.p1, "weight": 3}, {"profession_id": e.p2, "weight": 1}]}),
        )
        .await;
    let path = format!("/api/v1/pupils/{id}");
    for patch in [
        json!({"grade": 7}),
        json!({"academic_year": 2026, "interests": [{"profession_id": e.p2, "weight": 2}]}),
        json!({"consent": false}),
    ] {
        assert_eq!(
            app.patch_json(&path, token, &patch).await.status(),
            StatusCode::OK
        );
        let (kept, fresh) = masses(&app);
        assert_eq!(kept, fresh, "after {patch}");
    }
    assert_eq!(
        app.delete(&path, token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (kept, fresh) = masses(&app);
    assert_eq!(kept, fresh, "after a delete");

    // A roster that moves some pupils on, changes interests and adds new ones.
    let mut csv = String::from("external_ref,grade,academic_year,consent,display_name,interests\n");
    for n in 0..45 {
        let interests = if n % 3 == 0 {
            "P:P1:1;P:P2:2".to_string()
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "E-{n},{},2026,{},,{interests}\n",
            9 + n % 3,
            n % 3 == 0
        ));
    }
    import(&app, *school, token, csv).await;
    let (kept, fresh) = masses(&app);
    assert_eq!(kept, fresh, "after a roster");
}

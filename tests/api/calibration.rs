//! Calibration and the backtest (version 3, steps 10 and 11) over HTTP:
//! who reads them and from which counts, who applies calibration and what
//! it stores, what is refused and leaves nothing changed, and the API, the
//! command line and the page showing the same numbers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, World, assert_problem, invalid_fields, spawn_app,
};
use crate::pages::Visitor;

const AS_OF: i32 = 2025;

/// A region with three years of evidence for p9 and s10 (as of 2025, window
/// 3) and one for the dropout rate: a program after grade 9 with its
/// enrollments, two schools' counts of grades 9 and 10. Returns the program.
async fn records(app: &TestApp, w: &World) -> i64 {
    let program = app
        .create(
            "/api/v1/programs",
            &w.college_a.1,
            json!({"institution_id": w.college_a.0, "specialty_code": "18.02.05", "title": "Glass",
                   "entry_grade": 9, "duration_months": 24,
                   "professions": [{"profession_id": w.glass_operator, "share": 1.0}]}),
        )
        .await;
    let put = |path: String, body: Value| async move {
        let response = app.put_json(&path, &w.admin, &body).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.text().await.unwrap()
        );
    };
    put(
        format!("/api/v1/programs/{program}/intakes/2020"),
        json!({"seats": 100, "targeted_seats": 0}),
    )
    .await;
    for (year, students) in [(2023, 30), (2024, 40), (2025, 50)] {
        put(
            format!("/api/v1/programs/{program}/enrollments/{year}"),
            json!({"students": students}),
        )
        .await;
    }
    put(
        format!("/api/v1/programs/{program}/graduations/2025"),
        json!({"graduates": 24, "targeted_graduates": 0}),
    )
    .await;
    // (academic year, grade 9, grade 10) of each school.
    let schools = [
        (
            w.school_a.0,
            [(2022, 67, 0), (2023, 83, 30), (2024, 99, 40), (2025, 0, 45)],
        ),
        (
            w.school_b.0,
            [(2022, 8, 0), (2023, 13, 3), (2024, 7, 5), (2025, 0, 2)],
        ),
    ];
    for (school, years) in schools {
        for (year, ninth, tenth) in years {
            put(
                format!("/api/v1/schools/{school}/grade-counts/{year}"),
                json!({"grades": [{"grade": 9, "pupils": ninth}, {"grade": 10, "pupils": tenth}]}),
            )
            .await;
        }
    }
    program
}

fn parameter<'a>(calibration: &'a Value, name: &str) -> &'a Value {
    calibration["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {calibration}"))
}

fn sums(p: &Value) -> Vec<(i64, i64, bool)> {
    p["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["numerator"].as_i64().unwrap(),
                y["denominator"].as_i64().unwrap(),
                y["valid"].as_bool().unwrap(),
            )
        })
        .collect()
}

const QUERY: &str = "/api/v1/forecast/calibration?as_of=2025&window=3";

#[tokio::test]
async fn analysts_read_calibration_from_protected_counts_admins_from_exact_ones_others_not_at_all()
{
    let app = spawn_app().await;
    let w = World::build(&app).await;
    records(&app, &w).await;
    let exact = app.get_json(QUERY, &w.admin).await;
    assert_eq!(exact["counts"], "exact");
    assert_eq!(
        (exact["as_of"].as_i64(), exact["window"].as_i64()),
        (Some(2025), Some(3))
    );
    let names: Vec<&str> = exact["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "after_grade_9_share",
            "continue_to_grade_10_share",
            "after_grade_11_share",
            "annual_dropout_rate",
            "retention_rate",
            "targeted_retention_rate"
        ]
    );
    let p9 = parameter(&exact, "after_grade_9_share");
    assert_eq!(sums(p9), [(30, 75, true), (40, 96, true), (50, 106, true)]);
    // (30 + 40 + 50) / (75 + 96 + 106), four decimals.
    assert_eq!(p9["estimate"], 0.4332);
    assert_eq!(
        (p9["low"].as_f64(), p9["high"].as_f64()),
        (Some(0.4), Some(0.4717))
    );
    assert_eq!(p9["enough"], true);
    assert_eq!(p9["current"], 0.65);
    // No grade 11 anywhere: every year's denominator is 0, nothing estimated.
    let p11 = parameter(&exact, "after_grade_11_share");
    assert_eq!(p11["estimate"], Value::Null);
    assert_eq!(p11["years"][0]["why_not"], "zero_denominator");
    // One graduation year with its cohort: an estimate, but not enough.
    let a = parameter(&exact, "annual_dropout_rate");
    assert_eq!(sums(a)[2], (24, 30, true));
    assert_eq!(a["enough"], false);
    let program = &exact["programs"][0];
    assert_eq!(
        (
            program["cohorts"].as_i64(),
            program["enrolled"].as_i64(),
            program["graduated"].as_i64()
        ),
        (Some(1), Some(30), Some(24))
    );
    assert_eq!(program["title"], "Glass");
    assert_eq!(program["institution_name"], "Колледж А");
    // The analyst's sums are of each school's rounded counts: 67 + 8 is 65 + 10.
    let protected = app.get_json(QUERY, &w.analyst).await;
    assert_eq!(protected["counts"], "protected");
    let p9 = parameter(&protected, "after_grade_9_share");
    assert_eq!(sums(p9), [(30, 75, true), (40, 100, true), (50, 105, true)]);
    assert_eq!(p9["estimate"], 0.4286);
    // Schools, colleges and enterprises may not read it; nor the backtest.
    for other in [&w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(app.get(QUERY, other).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.get("/api/v1/forecast/backtest", other).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(app.get(QUERY, "").await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_window_outside_1_to_15_or_a_bad_origin_is_a_422_naming_it() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    for window in [0, 16, -1] {
        let path = format!("/api/v1/forecast/calibration?window={window}");
        assert_eq!(
            invalid_fields(app.get(&path, &w.analyst).await).await,
            ["window"]
        );
        let path = format!("/api/v1/forecast/backtest?window={window}");
        assert_eq!(
            invalid_fields(app.get(&path, &w.analyst).await).await,
            ["window"]
        );
    }
    assert_eq!(
        invalid_fields(
            app.get("/api/v1/forecast/calibration?as_of=1999", &w.admin)
                .await
        )
        .await,
        ["as_of"]
    );
    let bad = [
        ("as_of=2025&last_origin=2025", "last_origin"),
        (
            "as_of=2025&first_origin=2026&last_origin=2024",
            "first_origin",
        ),
        (
            "as_of=2025&first_origin=2024&last_origin=2023",
            "first_origin",
        ),
        ("as_of=2025&first_origin=2009", "first_origin"),
    ];
    for (query, field) in bad {
        let path = format!("/api/v1/forecast/backtest?{query}");
        let fields = invalid_fields(app.get(&path, &w.analyst).await).await;
        assert!(fields.contains(&field.to_string()), "{query}: {fields:?}");
    }
    // A window that is not a number is a 400, as every query's bad number.
    assert_problem(
        app.get("/api/v1/forecast/calibration?window=five", &w.analyst)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        invalid_fields(
            app.post_json(
                "/api/v1/forecast/calibration/apply",
                &w.admin,
                &json!({"window": 16})
            )
            .await
        )
        .await,
        ["window"]
    );
}

async fn stored(app: &TestApp, token: &str) -> Value {
    app.get_json("/api/v1/forecast/parameters", token).await
}

#[tokio::test]
async fn admins_apply_calibration_in_one_transaction_with_an_audit_line_and_nobody_else_may() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let program = records(&app, &w).await;
    let before = stored(&app, &w.admin).await;
    let body = json!({"as_of": AS_OF, "window": 3, "programs": true});
    for other in [&w.analyst, &w.school_a.1, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(
            app.post_json("/api/v1/forecast/calibration/apply", other, &body)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(
        stored(&app, &w.admin).await,
        before,
        "a refused apply changes nothing"
    );
    let unknown = app
        .post_json(
            "/api/v1/forecast/calibration/apply",
            &w.admin,
            &json!({"programs": true, "extra": 1}),
        )
        .await;
    assert!(unknown.status().is_client_error());
    assert_eq!(stored(&app, &w.admin).await, before);

    let response = app
        .post_json("/api/v1/forecast/calibration/apply", &w.admin, &body)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let after: Value = response.json().await.unwrap();
    assert_eq!(
        after,
        stored(&app, &w.admin).await,
        "the answer is what is stored"
    );
    assert_eq!(after["after_grade_9_share"], 0.4332);
    assert_eq!(
        after["bounds"]["after_grade_9_share"],
        json!({"low": 0.4, "high": 0.4717})
    );
    // s10: (30 + 3 + 40 + 5 + 45 + 2) / 277.
    assert_eq!(after["continue_to_grade_10_share"], 0.4513);
    assert_eq!(
        after["bounds"]["continue_to_grade_10_share"],
        json!({"low": 0.44, "high": 0.4688})
    );
    // Too little evidence: the stored values stay.
    for name in [
        "after_grade_11_share",
        "annual_dropout_rate",
        "retention_rate",
        "targeted_retention_rate",
    ] {
        assert_eq!(after[name], before[name], "{name}");
        assert_eq!(after["bounds"][name], before["bounds"][name], "{name}");
    }
    // The program's completion: (24 + 30 c0) / (30 + 30), c0 = (1 - a)^2 with
    // a the calibrated dropout 1 - 0.8^(1/2): c0 = 0.8, so 0.8.
    let program = app
        .get_json(&format!("/api/v1/programs/{program}"), &w.admin)
        .await;
    assert_eq!(program["completion_rate"], 0.8);
    let audit = app
        .get_json("/api/v1/audit?entity=forecast_parameters", &w.admin)
        .await;
    let line = &audit["items"][0];
    assert_eq!(
        line["changes"]["calibration"]["years"], "2023-2025",
        "{audit}"
    );
    assert_eq!(
        line["changes"]["calibration"]["applied"],
        json!(["after_grade_9_share", "continue_to_grade_10_share"])
    );
}

#[tokio::test]
async fn estimates_that_would_break_p9_plus_s10_store_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let program = records(&app, &w).await;
    // More entrants after grade 9: p9 = (30 + 40 + 90) / 277 = 0.5776, with s10 0.4513.
    let response = app
        .put_json(
            &format!("/api/v1/programs/{program}/enrollments/2025"),
            &w.admin,
            &json!({"students": 90}),
        )
        .await;
    assert!(response.status().is_success());
    let before = stored(&app, &w.admin).await;
    let completion = app
        .get_json(&format!("/api/v1/programs/{program}"), &w.admin)
        .await["completion_rate"]
        .clone();
    let response = app
        .post_json(
            "/api/v1/forecast/calibration/apply",
            &w.admin,
            &json!({"as_of": AS_OF, "window": 3, "programs": true}),
        )
        .await;
    assert_eq!(
        invalid_fields(response).await,
        ["after_grade_9_share", "continue_to_grade_10_share"]
    );
    assert_eq!(stored(&app, &w.admin).await, before);
    let program = app
        .get_json(&format!("/api/v1/programs/{program}"), &w.admin)
        .await;
    assert_eq!(
        program["completion_rate"], completion,
        "nor the programs' rates"
    );
}

#[tokio::test]
async fn the_backtest_answers_each_stage_by_lead_beside_the_naive_forecast() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    records(&app, &w).await;
    let backtest = app
        .get_json(
            "/api/v1/forecast/backtest?as_of=2025&first_origin=2023&last_origin=2024&window=3",
            &w.admin,
        )
        .await;
    assert_eq!(backtest["counts"], "exact");
    let origins: Vec<i64> = backtest["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["origin"].as_i64().unwrap())
        .collect();
    assert_eq!(origins, [2023, 2024]);
    // Too little evidence as of 2023 or 2024 (fewer than three valid years): the defaults, said.
    for origin in backtest["origins"].as_array().unwrap() {
        assert_eq!(origin["calibrated"], json!([]), "{origin}");
        assert_eq!(origin["parameters"]["after_grade_9_share"], 0.65);
    }
    let stages: Vec<&str> = backtest["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["enrollment", "graduates", "retained"]);
    // Enrollments 2024 and 2025 from origin 2023 (naive: 30), 2025 from 2024 (naive: 40).
    let enrollment = &backtest["stages"][0];
    assert_eq!(enrollment["overall"]["pairs"], 3);
    assert_eq!(enrollment["overall"]["actual"], 140);
    let naive = (10.0 + 20.0 + 10.0) / 140.0;
    assert_eq!(
        enrollment["overall"]["naive_wape"],
        (naive * 10_000.0_f64).round() / 10_000.0
    );
    let leads: Vec<(i64, i64)> = enrollment["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["lead"].as_i64().unwrap(), l["pairs"].as_i64().unwrap()))
        .collect();
    assert_eq!(leads, [(1, 2), (2, 1)]);
    // No graduation record up to an origin: no naive forecast, no pair.
    assert_eq!(backtest["stages"][1]["overall"]["pairs"], 0);
    assert_eq!(backtest["stages"][1]["overall"]["wape"], Value::Null);
    assert_eq!(
        app.get_json(
            "/api/v1/forecast/backtest?as_of=2025&first_origin=2023&last_origin=2024&window=3",
            &w.analyst
        )
        .await["counts"],
        "protected"
    );
}

fn page_number(x: f64) -> String {
    format!("{x:.4}").replace('.', ",")
}

#[tokio::test]
async fn the_api_the_command_line_and_the_page_show_the_same_numbers() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    records(&app, &w).await;
    let year = kadry::domain::numbers::current_academic_year();
    let api = app.get_json("/api/v1/forecast/calibration", &w.admin).await;
    assert_eq!(api["as_of"], year);
    let settings = crate::helpers::test_settings(&app.db.url, &[]);
    let cli = kadry::cli::calibrate(
        &settings,
        kadry::cli::CalibrateArgs::default(),
        kadry::cli::Format::Json,
    )
    .await
    .unwrap();
    let cli: Value = serde_json::from_str(&cli).unwrap();
    assert_eq!(cli, api);
    let visitor = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = visitor.get("/forecast/evidence").await;
    assert_eq!(page.status, StatusCode::OK);
    for p in api["parameters"].as_array().unwrap() {
        let row_start = page
            .body
            .find(&format!(
                "data-parameter=\"{}\"",
                p["name"].as_str().unwrap()
            ))
            .unwrap();
        let row = &page.body[row_start..row_start + page.body[row_start..].find("</tr>").unwrap()];
        assert!(
            row.contains(&page_number(p["current"].as_f64().unwrap())),
            "{row}"
        );
        if let Some(estimate) = p["estimate"].as_f64() {
            assert!(row.contains(&page_number(estimate)), "{row}");
        }
    }
    let backtest = app.get_json("/api/v1/forecast/backtest", &w.admin).await;
    let cli = kadry::cli::backtest(&settings, Default::default(), kadry::cli::Format::Json)
        .await
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&cli).unwrap(), backtest);
    for stage in backtest["stages"].as_array().unwrap() {
        if let Some(wape) = stage["overall"]["wape"].as_f64() {
            let shown = format!("{} %", format!("{:.1}", wape * 100.0).replace('.', ","));
            assert!(page.body.contains(&shown), "{shown}");
        }
    }
}

#[tokio::test]
async fn on_the_page_admins_apply_analysts_publish_and_nobody_else_may() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    records(&app, &w).await;
    let analyst_email = crate::pages::user_in(&app, &w.admin, "analyst", None).await;
    let analyst = Visitor::sign_in(&app, &analyst_email, crate::helpers::PASSWORD).await;
    let admin = Visitor::sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let before = stored(&app, &w.admin).await;
    // The analyst reads the page, but has no apply form and may not post it.
    let page = analyst.get("/forecast/evidence").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"apply-form\""));
    let refused = analyst
        .post("/forecast/evidence/apply", &[("window", "5")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, &w.admin).await, before, "nothing applied");
    // A window out of range is shown again, marked, and the tables still stand.
    let bad = admin.get("/forecast/evidence?window=16").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.marks("window"));
    assert!(bad.body.contains("id=\"calibration-table\""));
    // The admin applies; the page says so.
    let page = admin.get("/forecast/evidence").await;
    assert!(page.body.contains("id=\"apply-form\""));
    let applied = admin
        .post("/forecast/evidence/apply", &[("window", "5")])
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);
    assert!(applied.location().contains("done=applied"));
    assert_ne!(stored(&app, &w.admin).await, before);
    assert!(
        admin
            .get(applied.location())
            .await
            .body
            .contains("id=\"status\"")
    );
    // Publishing: an empty title is marked, a good one leads to its page.
    let empty = analyst
        .post("/forecast/published", &[("title", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.marks("title"));
    let published = analyst
        .post("/forecast/published", &[("title", "Прогноз к КЦП")])
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let location = published.location().split('?').next().unwrap().to_string();
    let page = analyst.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Прогноз к КЦП") && page.body.contains("id=\"comparison\""));
    assert!(
        !page.body.contains("id=\"delete-form\""),
        "analysts do not delete"
    );
    let refused = analyst.post(&format!("{location}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(analyst.get(&location).await.status, StatusCode::OK);
    let deleted = admin.post(&format!("{location}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get(&location).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin.get("/forecast/published/x").await.status,
        StatusCode::NOT_FOUND
    );
}

//! The seat planner through the API: the worked example's world planned by
//! hand, bad input, and who may plan.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::forecast::{two, worked_example};
use crate::helpers::{assert_problem, invalid_fields, spawn_app};

/// The worked example's unmet demand (only P1 2029 is short) when A has
/// `a` seats and B `b` in 2026: the open pool of 6 leavers splits a : b.
fn unmet(a: f64, b: f64) -> f64 {
    let applicants = 12.0 + 6.0 * a / (a + b);
    let supply = 0.85 * (5.0 * 0.95 + (applicants - 5.0) * 0.6);
    (20.0 - supply).max(0.0)
}

#[tokio::test]
async fn a_plan_on_the_worked_example_gives_the_steps_worked_out_by_hand() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let body =
        json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 13, "step": 5});
    let response = app
        .post_json("/api/v1/plans/seats", &e.analyst, &body)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let plan: Value = response.json().await.unwrap();
    // Step 1: 5 more for A gives unmet(30, 20) = 10.56, for B unmet(25, 25) = 10.86: A.
    // Step 2: A again (unmet(35, 20) = 10.45 against unmet(30, 25) = 10.72). 3 seats stay.
    assert!(unmet(30.0, 20.0) < unmet(25.0, 25.0));
    assert!(unmet(35.0, 20.0) < unmet(30.0, 25.0));
    assert_eq!(
        plan["steps"],
        json!([
            {"program_id": e.program_a, "seats": 30, "objective": two(unmet(30.0, 20.0))},
            {"program_id": e.program_a, "seats": 35, "objective": two(unmet(35.0, 20.0))}
        ])
    );
    assert_eq!(
        (plan["allocated"].clone(), plan["unallocated"].clone()),
        (json!(10), json!(3))
    );
    assert_eq!(plan["objective_before"], json!(10.69));
    assert_eq!(plan["objective_after"], json!(two(unmet(35.0, 20.0))));
    assert_eq!(
        plan["programs"],
        json!([{"program_id": e.program_a, "title": "Program", "institution_id": e.gusev,
                "institution_name": "Gusev Glass College", "seats_before": 25, "seats_after": 35}])
    );
    let p1_2029 = plan["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profession_id"] == e.p1 && r["year"] == 2029)
        .unwrap()
        .clone();
    assert_eq!(p1_2029["gap"], json!(two(unmet(35.0, 20.0))));
    assert_eq!(p1_2029["gap_before"], json!(10.69));
    assert_eq!(plan["rows"].as_array().unwrap().len(), 10);

    // A cap of 30 seats on A: one step for A; then B alone would raise the unmet demand: stop.
    let capped = json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 20,
                        "limits": [{"program_id": e.program_a, "max_seats": 30}]});
    let plan: Value = app
        .post_json("/api/v1/plans/seats", &e.admin, &capped)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["step"], 5);
    assert_eq!(
        plan["steps"],
        json!([{"program_id": e.program_a, "seats": 30, "objective": two(unmet(30.0, 20.0))}])
    );
    assert_eq!(
        (plan["allocated"].clone(), plan["unallocated"].clone()),
        (json!(5), json!(15))
    );
    // Only B as a candidate: no step helps.
    let only_b = json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 20,
                        "program_ids": [e.program_b]});
    let plan: Value = app
        .post_json("/api/v1/plans/seats", &e.admin, &only_b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["steps"], json!([]));
    assert_eq!(plan["objective_after"], plan["objective_before"]);

    // Nothing was stored.
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
async fn bad_plans_are_422_and_only_analysts_and_admins_plan() {
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    let base = json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 10});
    let with = |changes: Value| {
        let mut body = base.clone();
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (body, fields) in [
        (with(json!({"year": 2025})), vec!["year"]),
        (
            with(json!({"budget": 0, "step": 0})),
            vec!["budget", "step"],
        ),
        (with(json!({"to": 2057})), vec!["to"]),
        (
            with(json!({"program_ids": [99999]})),
            vec!["program_ids[0]"],
        ),
        (
            with(json!({"limits": [{"program_id": 99999, "max_seats": 5}]})),
            vec!["limits[0].program_id"],
        ),
        (
            with(json!({"limits": [{"program_id": e.program_a, "max_seats": -1}]})),
            vec!["limits[0].max_seats"],
        ),
        (
            with(
                json!({"intakes": [{"program_id": 99999, "year": 2026, "seats": 5, "targeted_seats": 0}]}),
            ),
            vec!["intakes[0].program_id"],
        ),
        (with(json!({"as_of": "now"})), vec!["as_of"]),
        (with(json!({"surplus": true})), vec!["surplus"]),
    ] {
        let response = app
            .post_json("/api/v1/plans/seats", &e.analyst, &body)
            .await;
        assert_eq!(invalid_fields(response).await, fields, "{body}");
    }
    let missing = json!({"year": 2026, "budget": 10});
    let response = app
        .post_json("/api/v1/plans/seats", &e.analyst, &missing)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for token in [&e.college, &e.school.1] {
        assert_problem(
            app.post_json("/api/v1/plans/seats", token, &base).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let enterprise = app.token_in(&e.admin, "enterprise", e.enterprise).await;
    assert_problem(
        app.post_json("/api/v1/plans/seats", &enterprise, &base)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let anonymous = app
        .client
        .post(app.url("/api/v1/plans/seats"))
        .json(&base)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        app.post_json("/api/v1/plans/seats", &e.admin, &base)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_programs_of_a_statistical_group_are_no_candidates_unless_named() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let e = worked_example(&app).await;
    // The Gusev Glass College stands for a statistical group now.
    crate::helpers::connect(&app.db)
        .batch_execute(&format!(
            "UPDATE organizations SET aggregate = TRUE WHERE id = {}",
            e.gusev
        ))
        .unwrap();
    let organization = app
        .get_json(&format!("/api/v1/organizations/{}", e.gusev), &e.admin)
        .await;
    assert_eq!(organization["aggregate"], true);
    let body =
        json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 13, "step": 5});
    let plan: Value = app
        .post_json("/api/v1/plans/seats", &e.analyst, &body)
        .await
        .json()
        .await
        .unwrap();
    // Program A (Gusev's) is left out; B, at another college, may get seats.
    assert_eq!(plan["left_out_aggregates"], json!([e.program_a]));
    assert!(
        plan["programs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["program_id"] != e.program_a),
        "{plan}"
    );
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["program_id"] == e.program_b)
    );
    // Named, a group's program is a candidate as any other.
    let named = json!({"as_of": 2025, "year": 2026, "from": 2026, "to": 2030, "budget": 13, "step": 5,
                       "program_ids": [e.program_a]});
    let plan: Value = app
        .post_json("/api/v1/plans/seats", &e.analyst, &named)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["left_out_aggregates"], json!([]));
    assert_eq!(plan["allocated"], 10);
}

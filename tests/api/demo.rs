use chrono::Datelike;
use kadry::cli::load_demo;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, spawn_app_with, test_settings};

async fn all(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = app
            .get_json(
                &format!("{path}{separator}limit=500&offset={}", items.len()),
                token,
            )
            .await;
        let batch = page["items"].as_array().unwrap().clone();
        let total = page["total"].as_u64().unwrap() as usize;
        items.extend(batch);
        if items.len() >= total {
            return items;
        }
    }
}

#[tokio::test]
async fn the_demo_loads_signs_in_forecasts_and_keeps_every_rule() {
    let db = TestDatabase::new();
    let mut settings = test_settings(&db.url, &[]);
    let (loaded, users) = load_demo(&mut settings, 33, 2_000, false)
        .await
        .expect("the demo loads");
    assert_eq!(loaded.pupils, 2_000);
    assert_eq!(users.len(), 4);
    // A second load into the same database is refused.
    let mut again = test_settings(&db.url, &[]);
    let refused = load_demo(&mut again, 33, 2_000, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("--replace"), "{refused}");

    let app = spawn_app_with(db, |_| {}).await;
    let admin = app.admin_token().await;
    for user in &users {
        let token = app.token_for(&user.email, &user.password).await;
        let me = app.get_json("/api/v1/me", &token).await;
        assert_eq!(me["role"], user.role.as_str());
    }
    let forecast = app
        .get_json("/api/v1/forecast?from=2026&to=2035", &admin)
        .await;
    assert!(
        forecast["rows"].as_array().unwrap().len() > 10,
        "{forecast}"
    );
    assert!(
        forecast["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["supply"].as_f64().unwrap() > 0.0)
    );

    // Every record keeps the rules the API enforces.
    let year = chrono::Utc::now().year() as i64;
    let programs = all(&app, &admin, "/api/v1/programs").await;
    assert_eq!(programs.len(), loaded.programs);
    assert!(!programs.is_empty());
    for program in &programs {
        assert!(
            [9, 11].contains(&program["entry_grade"].as_i64().unwrap()),
            "{program}"
        );
        assert!(
            (1..=72).contains(&program["duration_months"].as_i64().unwrap()),
            "{program}"
        );
        if let Some(rate) = program["completion_rate"].as_f64() {
            assert!((0.0..=1.0).contains(&rate), "{program}");
        }
        let shares: Vec<f64> = program["professions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["share"].as_f64().unwrap())
            .collect();
        assert!(shares.iter().all(|s| *s > 0.0 && *s <= 1.0), "{program}");
        assert!(
            (shares.iter().sum::<f64>() - 1.0).abs() <= 0.001,
            "{program}"
        );
        assert!(
            kadry::domain::specialty_code(program["specialty_code"].as_str().unwrap()).is_ok(),
            "{program}"
        );
        let id = program["id"].as_i64().unwrap();
        for intake in all(&app, &admin, &format!("/api/v1/programs/{id}/intakes")).await {
            let (seats, targeted) = (
                intake["seats"].as_i64().unwrap(),
                intake["targeted_seats"].as_i64().unwrap(),
            );
            assert!(
                (0..=seats).contains(&targeted) && seats <= 100_000,
                "{intake}"
            );
        }
        for enrollment in all(&app, &admin, &format!("/api/v1/programs/{id}/enrollments")).await {
            assert!(
                enrollment["start_year"].as_i64().unwrap() <= year,
                "{enrollment}"
            );
            assert!(
                enrollment["students"].as_i64().unwrap() >= 0,
                "{enrollment}"
            );
        }
    }
    let pupils = all(&app, &admin, "/api/v1/pupils").await;
    assert_eq!(pupils.len(), 2_000);
    let consenting = pupils.iter().filter(|p| p["consent"] == true).count();
    assert!(
        (1_400..=1_800).contains(&consenting),
        "about 80 % consent, not {consenting}"
    );
    for pupil in &pupils {
        assert!(
            (5..=11).contains(&pupil["grade"].as_i64().unwrap()),
            "{pupil}"
        );
        assert!(
            (2000..=year + 1).contains(&pupil["academic_year"].as_i64().unwrap()),
            "{pupil}"
        );
        let interests = pupil["interests"].as_array().unwrap();
        if pupil["consent"] == false {
            assert!(
                pupil["display_name"].is_null() && interests.is_empty(),
                "{pupil}"
            );
        }
        for interest in interests {
            assert!(
                interest["profession_id"].is_i64() != interest["cluster_id"].is_i64(),
                "{pupil}"
            );
            assert!(interest["weight"].as_f64().unwrap() > 0.0, "{pupil}");
        }
    }
    let demand = all(&app, &admin, "/api/v1/demand").await;
    assert_eq!(demand.len(), loaded.demand_records);
    assert!(!demand.is_empty());
    for record in &demand {
        assert!(
            (year..=year + 30).contains(&record["year"].as_i64().unwrap()),
            "{record}"
        );
        assert!(
            (1..=100_000).contains(&record["headcount"].as_i64().unwrap()),
            "{record}"
        );
    }
    let organizations = all(&app, &admin, "/api/v1/organizations").await;
    for organization in &organizations {
        assert!(
            kadry::domain::EmailAddress::parse(organization["email"].as_str().unwrap()).is_ok()
        );
    }
    let response = app
        .get("/api/v1/organizations?kind=university", &admin)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["total"], 2);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_demo() {
    let mut snapshots = Vec::new();
    for _ in 0..2 {
        let db = TestDatabase::new();
        let mut settings = test_settings(&db.url, &[]);
        load_demo(&mut settings, 7, 500, false).await.unwrap();
        let app = spawn_app_with(db, |_| {}).await;
        let admin = app.admin_token().await;
        let forecast = app
            .get_json("/api/v1/forecast?from=2026&to=2035", &admin)
            .await;
        let pupils = all(&app, &admin, "/api/v1/pupils").await;
        let demand = all(&app, &admin, "/api/v1/demand").await;
        snapshots.push((forecast, pupils, demand));
    }
    assert_eq!(snapshots[0], snapshots[1]);
}

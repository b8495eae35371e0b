//! Pupils' records deleted some time after they leave school, and sent
//! messages after `email.keep_sent_days`: by `kadry prune` (and the same
//! function every hour in `kadry serve`).

use std::process::Command;

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    JWT_SECRET, TestApp, TestDatabase, World, connect, spawn_app, spawn_app_with,
};

/// A server that keeps pupils 30 years after they leave, so that a test can
/// write a pupil who left long ago; `kadry prune` then runs with the
/// default retention (one year), as if the years had passed.
async fn spawn_keeping_long() -> TestApp {
    spawn_app_with(TestDatabase::new(), |settings| {
        settings.retention.keep_pupil_years = 30;
    })
    .await
}

pub fn prune(app: &TestApp) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_kadry"))
        .arg("prune")
        .env("KADRY_DATABASE_URL", &app.db.url)
        .env("KADRY_JWT_SECRET", JWT_SECRET)
        .env("KADRY_LOG", "error")
        .output()
        .expect("run kadry prune");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn pupil(app: &TestApp, w: &World, reference: &str, grade: i32, year: i32) -> i64 {
    app.create(
        "/api/v1/pupils",
        &w.admin,
        json!({"school_id": w.school_a.0, "external_ref": reference, "grade": grade, "academic_year": year,
               "consent": true, "interests": [{"profession_id": w.cnc_operator, "weight": 1}]}),
    )
    .await
}

async fn grade_count(app: &TestApp, w: &World, grade: i64) -> i64 {
    let stats = app
        .get_json("/api/v1/stats/pupils?group_by=grade", &w.admin)
        .await;
    stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["grade"] == grade)
        .map_or(0, |item| item["count"].as_i64().unwrap())
}

#[tokio::test]
async fn leavers_are_deleted_after_the_retention_with_their_registrations_and_the_log_keeps_only_that()
 {
    let app = spawn_keeping_long().await;
    let w = World::build(&app).await;
    // Grade 11 in 2019/20 left in summer 2020: kept to the end of 2021, gone now.
    let old = pupil(&app, &w, "OLD-11", 11, 2019).await;
    // Grade 11 in the year in progress leaves next summer: kept.
    let this_year = kadry::domain::numbers::current_academic_year();
    let leaving = pupil(&app, &w, "NOW-11", 11, this_year).await;
    let young = pupil(&app, &w, "NOW-8", 8, this_year).await;
    let event = app
        .create(
            "/api/v1/events",
            &w.admin,
            json!({"organizer_id": w.college_a.0, "title": "Экскурсия", "kind": "excursion",
                   "starts_at": "2027-03-01T10:00:00Z", "capacity": 10, "min_grade": 5, "hours": 2}),
        )
        .await;
    for id in [old, leaving] {
        let response = app
            .post_json(
                &format!("/api/v1/events/{event}/registrations"),
                &w.admin,
                &json!({"pupil_id": id}),
            )
            .await;
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/events/{event}"), &w.admin)
            .await["registered"],
        2
    );
    let grade_11_before = grade_count(&app, &w, 11).await;

    let said = prune(&app);
    assert!(
        said.contains("deleted 1 record of pupils who left school before"),
        "{said}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/pupils/{old}"), &w.admin)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for id in [leaving, young] {
        assert_eq!(
            app.get(&format!("/api/v1/pupils/{id}"), &w.admin)
                .await
                .status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        app.get_json(&format!("/api/v1/events/{event}"), &w.admin)
            .await["registered"],
        1,
        "the event's count follows"
    );
    assert_eq!(
        grade_count(&app, &w, 11).await,
        grade_11_before - 1,
        "the aggregates follow"
    );

    let log = app
        .get_json(
            &format!("/api/v1/audit?entity=pupil&entity_id={old}"),
            &w.admin,
        )
        .await;
    let deletion = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["action"] == "delete")
        .expect("the deletion is logged")
        .clone();
    assert_eq!(deletion["changes"], json!({"reason": "retention"}));
    assert!(
        deletion["actor_id"].is_null(),
        "done by kadry itself: {deletion}"
    );
    assert!(
        !log.to_string().contains("OLD-11"),
        "the log does not say who it was: {log}"
    );

    let again = prune(&app);
    assert!(again.contains("deleted 0 records"), "{again}");
}

#[tokio::test]
async fn sent_messages_are_deleted_after_the_configured_days_and_the_others_stay() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    // World invited nobody by email (users have passwords); invite three.
    for email in ["a@kadry.test", "b@kadry.test", "c@kadry.test"] {
        app.create(
            "/api/v1/users",
            &w.admin,
            json!({"email": email, "role": "analyst"}),
        )
        .await;
    }
    let listing: Value = app
        .get_json("/api/v1/notifications?limit=500", &w.admin)
        .await;
    let ids: Vec<i64> = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 3);
    let mut conn = connect(&app.db);
    let old = chrono::Utc::now().naive_utc() - chrono::Duration::days(91);
    let recent = chrono::Utc::now().naive_utc() - chrono::Duration::days(89);
    let set = |conn: &mut kadry::db::DbConnection,
               id: i64,
               status: &str,
               sent: Option<chrono::NaiveDateTime>| {
        let sent = sent.map_or("NULL".to_string(), |at| {
            format!("'{}'", at.format("%Y-%m-%d %H:%M:%S"))
        });
        diesel::sql_query(format!(
            "UPDATE outbox SET status = '{status}', sent_at = {sent} WHERE id = {id}"
        ))
        .execute(conn)
        .unwrap();
    };
    set(&mut conn, ids[0], "sent", Some(old));
    set(&mut conn, ids[1], "sent", Some(recent));
    set(&mut conn, ids[2], "failed", None);
    let said = prune(&app);
    assert!(
        said.contains("and 1 message sent more than 90 days ago"),
        "{said}"
    );
    let left: Value = app
        .get_json("/api/v1/notifications?limit=500", &w.admin)
        .await;
    let left: Vec<i64> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    assert!(!left.contains(&ids[0]));
    assert!(left.contains(&ids[1]) && left.contains(&ids[2]));
}

#[tokio::test]
async fn a_pupil_past_the_retention_is_refused_rather_than_stored() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    // Grade 11 in 2019/20 left in 2020: past the default year of retention.
    let body = json!({"school_id": w.school_a.0, "external_ref": "OLD-11", "grade": 11, "academic_year": 2019, "consent": false});
    let response = app.post_json("/api/v1/pupils", &w.admin, &body).await;
    assert_eq!(
        crate::helpers::invalid_fields(response).await,
        ["academic_year"]
    );
    let kept = kadry::domain::numbers::current_academic_year();
    let young = pupil(&app, &w, "NOW-8", 8, kept).await;
    let moved = app
        .patch_json(
            &format!("/api/v1/pupils/{young}"),
            &w.admin,
            &json!({"grade": 11, "academic_year": 2019}),
        )
        .await;
    assert_eq!(
        crate::helpers::invalid_fields(moved).await,
        ["academic_year"]
    );
    let csv = format!(
        "external_ref,grade,academic_year,consent,display_name,interests\nA-1,8,{kept},false,,\nOLD-2,11,2018,false,,\n"
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{}/pupils/import", w.school_a.0)))
        .bearer_auth(&w.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let problem = crate::helpers::assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["line"], 3, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "academic_year");
    let listed = app.get_json("/api/v1/pupils", &w.admin).await;
    assert_eq!(listed["total"], 1, "nothing of the roster stored: {listed}");
}

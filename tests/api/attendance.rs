//! The organizer's attendance oracle, replayed (security round two, finding
//! 1): an organizer that marks attendance with pupil ids it guesses, or
//! with codes it makes up, changes nothing it can read about any school.
//! Attendance is marked only with the tickets' codes, which only the
//! pupils' school gives out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::guidance::{event, pupil, this_year};
use crate::helpers::{World, spawn_app};

#[tokio::test]
async fn an_organizer_guessing_pupil_ids_or_codes_changes_nothing_it_can_read() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = (w.school_a.0, w.school_a.1.clone());
    let organizer = (w.college_a.1.clone(), w.college_a.0);
    // 12 pupils of grade 8, 4 of them registered for a 40-hour event.
    let mut pupils = Vec::new();
    for n in 0..12 {
        pupils.push(pupil(&app, &token, school, &format!("8А-{n:02}"), 8, true).await);
    }
    let id = event(
        &app,
        &organizer.0,
        organizer.1,
        50,
        &this_year("10-01"),
        40.0,
        vec![w.glass_operator],
    )
    .await;
    let mut tickets = Vec::new();
    for pupil_id in [pupils[1], pupils[4], pupils[7], pupils[10]] {
        let response = app
            .post_json(
                &format!("/api/v1/events/{id}/registrations"),
                &token,
                &json!({"pupil_id": pupil_id}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        tickets.push(body["code"].as_str().unwrap().to_string());
    }
    let report = format!("/api/v1/schools/{school}/guidance-report");
    let read = |token: String| {
        let app = &app;
        let report = report.clone();
        async move { app.get_json(&report, &token).await }
    };
    let organizer_saw = read(organizer.0.clone()).await;
    let school_saw = read(token.clone()).await;
    let attendance = format!("/api/v1/events/{id}/attendance");
    // The attack: ids added one at a time, every id it can guess (and more).
    let mut guessed: Vec<i64> = Vec::new();
    for pupil_id in (pupils[0] - 3)..=(pupils[11] + 3) {
        guessed.push(pupil_id);
        let response = app
            .put_json(&attendance, &organizer.0, &json!({"pupil_ids": guessed}))
            .await;
        assert!(
            response.status().is_client_error(),
            "pupil ids are refused: {}",
            response.status()
        );
        assert_eq!(read(organizer.0.clone()).await, organizer_saw);
    }
    // Made-up codes, one at a time and all together: refused, nothing stored.
    let mut made_up = Vec::new();
    for n in 0..40_u64 {
        made_up.push(format!("{:016x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        let response = app
            .put_json(
                &attendance,
                &organizer.0,
                &json!({"codes": [made_up.last().unwrap()]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = app
        .put_json(&attendance, &organizer.0, &json!({"codes": made_up}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(read(organizer.0.clone()).await, organizer_saw);
    assert_eq!(
        read(token.clone()).await,
        school_saw,
        "not even the school's exact report moved"
    );

    // The tickets the pupils brought do record attendance: the school's
    // exact report counts the three who came (so the reads above could move).
    let response = app
        .put_json(&attendance, &organizer.0, &json!({"codes": tickets[..3]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let now = read(token.clone()).await;
    assert_eq!(now["grades"][0]["reached_40"], 3, "{now}");
    assert_eq!(school_saw["grades"][0]["reached_40"], 0, "{school_saw}");
}

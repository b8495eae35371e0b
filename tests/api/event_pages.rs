//! The event pages as a school and an organizer use them: every eligible
//! pupil offered (the newest too), a batch that registers the good ones and
//! names each refused one, one email per batch, a whole grade at once,
//! withdrawing, upcoming and past events, and times in local time.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::pages::Region;

/// Imports `rows` (without the header) into school A's roster.
async fn import(app: &TestApp, r: &Region, rows: &str) {
    let csv = format!("external_ref,grade,academic_year,consent,display_name,interests\n{rows}");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{}/pupils/import", r.w.school_a.0)))
        .bearer_auth(&r.w.admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
}

async fn pupil_id(app: &TestApp, r: &Region, reference: &str) -> i64 {
    let listing = app
        .get_json(
            &format!(
                "/api/v1/pupils?school_id={}&external_ref={reference}",
                r.w.school_a.0
            ),
            &r.w.admin,
        )
        .await;
    listing["items"][0]["id"].as_i64().expect(reference)
}

async fn registered(app: &TestApp, r: &Region) -> i64 {
    app.get_json(&format!("/api/v1/events/{}", r.event_a), &r.w.admin)
        .await["registered"]
        .as_i64()
        .unwrap()
}

async fn registration_emails(app: &TestApp, r: &Region) -> usize {
    let listing: Value = app
        .get_json("/api/v1/notifications?limit=500", &r.w.admin)
        .await;
    listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["subject"].as_str().unwrap_or("").contains("Запись"))
        .count()
}

#[tokio::test]
async fn a_school_is_offered_every_eligible_pupil_and_a_batch_names_each_refused_one() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    // 520 pupils in grade 8 with consent: more than one page of the pupil list.
    let mut rows = String::new();
    for i in 1..=520 {
        rows.push_str(&format!("8В-{i:03},8,2026,true,,\n"));
    }
    rows.push_str("8Г-nocon,8,2026,false,,\n6А-young,6,2026,true,,\n9А-01,9,2026,true,,\n");
    import(&app, &r, &rows).await;
    let newest = pupil_id(&app, &r, "8В-520").await;
    let without_consent = pupil_id(&app, &r, "8Г-nocon").await;
    let young = pupil_id(&app, &r, "6А-young").await;

    let school = r.visitor(&app, "school_a").await;
    let event = format!("/events/{}", r.event_a);
    let page = school.get(&event).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("id=\"pupil-{newest}\"")),
        "the newest pupil is offered"
    );
    assert!(
        !page
            .body
            .contains(&format!("id=\"pupil-{without_consent}\""))
    );
    assert!(!page.body.contains(&format!("id=\"pupil-{young}\"")));
    // 520 + 9А-01 + 8А-01 of the region.
    assert!(
        page.body.contains("Можно записать: <strong>522</strong>"),
        "{}",
        &page.body[page.body.find("register-counts").unwrap()..][..400]
    );
    assert!(page.body.contains("без согласия родителей — 1"));
    assert!(page.body.contains("младше 7 класса — 1"));

    // Filtered by grade and searched by reference.
    let page = school.get(&format!("{event}?grade=9")).await;
    assert!(page.body.contains("9А-01"));
    assert!(!page.body.contains(&format!("id=\"pupil-{newest}\"")));
    let page = school.get(&format!("{event}?q=8%D0%92-52")).await;
    assert!(
        page.body.contains("Показано: 1"),
        "only 8В-520 matches 8В-52"
    );

    // A batch: two good pupils, one without consent posted by hand, one of
    // another school, one below the event's grade.
    let before = registration_emails(&app, &r).await;
    let good = [newest.to_string(), r.pupil_a.to_string()];
    let (nocon, other, young) = (
        without_consent.to_string(),
        r.pupil_b.to_string(),
        young.to_string(),
    );
    let answer = school
        .post(
            &format!("{event}/register"),
            &[
                ("pupil_ids", &good[0]),
                ("pupil_ids", &nocon),
                ("pupil_ids", &good[1]),
                ("pupil_ids", &other),
                ("pupil_ids", &young),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let outcome = &answer.body[answer
        .body
        .find("id=\"batch-outcome\"")
        .expect("the outcome")..];
    assert!(outcome.contains("Записано учеников: <strong>2</strong>"));
    assert!(outcome.contains("<strong>8Г-nocon</strong> — нет согласия родителей"));
    assert!(
        outcome.contains("<strong>6А-young</strong> — учится в 6 классе, а событие — с 7 класса")
    );
    assert!(
        outcome.contains(&format!(
            "<strong>№ {other}</strong> — нет такого ученика в вашей школе"
        )),
        "another school's pupil is named by the id posted, nothing of it shown"
    );
    assert!(!answer.body.contains("8Б-01"));
    assert_eq!(
        registered(&app, &r).await,
        2,
        "the good ones are registered"
    );
    assert_eq!(
        registration_emails(&app, &r).await,
        before + 1,
        "one email for the batch"
    );

    // The registered are listed with a way to withdraw, and no longer offered.
    let page = school.get(&event).await;
    let tickets = &page.body[page.body.find("id=\"tickets\"").unwrap()..];
    assert!(tickets.contains("8В-520"));
    assert!(tickets.contains(&format!("id=\"withdraw-{newest}\"")));
    assert!(!page.body.contains(&format!("id=\"pupil-{newest}\"")));

    // A second post of the same pupil: named as already registered.
    let answer = school
        .post(&format!("{event}/register"), &[("pupil_ids", &good[0])])
        .await;
    assert!(
        answer
            .body
            .contains("<strong>8В-520</strong> — уже записан")
    );

    // A whole grade at once, by the filter.
    let answer = school
        .post(
            &format!("{event}/register"),
            &[("all_shown", "1"), ("grade", "9"), ("q", "")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(answer.location().contains("registered=1"));
    let page = school.get(answer.location()).await;
    assert!(page.body.contains("Сохранено. Записано учеников: 1."));
    assert_eq!(registered(&app, &r).await, 3);

    // Withdrawing one.
    let answer = school
        .post(&format!("{event}/unregister"), &[("pupil_ids", &good[0])])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        school
            .get(answer.location())
            .await
            .body
            .contains("Запись отменена.")
    );
    assert_eq!(registered(&app, &r).await, 2);

    // Nothing ticked: said in Russian, nothing registered.
    let answer = school.post(&format!("{event}/register"), &[]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("выберите хотя бы одного ученика"));
    assert_eq!(registered(&app, &r).await, 2);

    // Other roles get no registration form, and cannot post one.
    let college = r.visitor(&app, "college_a").await;
    assert!(!college.get(&event).await.body.contains("register-form"));
    let answer = college
        .post(&format!("{event}/register"), &[("pupil_ids", &good[1])])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(registered(&app, &r).await, 2);
}

#[tokio::test]
async fn events_are_upcoming_first_with_past_ones_apart_in_local_time() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let past = app
        .create(
            "/api/v1/events",
            &r.w.admin,
            json!({"organizer_id": r.w.college_a.0, "title": "Прошлая экскурсия", "kind": "excursion",
                   "starts_at": "2024-10-01T07:30:00Z", "capacity": 10, "min_grade": 7, "hours": 2}),
        )
        .await;
    let school = r.visitor(&app, "school_a").await;
    let upcoming = school.get("/events").await;
    assert!(upcoming.body.contains("День открытых дверей"));
    assert!(!upcoming.body.contains("Прошлая экскурсия"));
    assert!(
        upcoming.body.contains("1 марта 2027, 13:00"),
        "10:00 UTC is 13:00 in Moscow, written the Russian way"
    );
    assert!(upcoming.body.contains("(UTC+3)"));
    let earlier = school.get("/events?when=past").await;
    assert!(earlier.body.contains("Прошлая экскурсия"));
    assert!(earlier.body.contains("1 октября 2024, 10:30"));
    assert!(!earlier.body.contains("День открытых дверей"));
    let page = school.get(&format!("/events/{past}")).await;
    assert!(
        !page.body.contains("register-form"),
        "a past event takes no registrations"
    );

    // The event form takes local time.
    let college = r.visitor(&app, "college_a").await;
    let answer = college
        .post(
            "/events",
            &[
                ("title", "Пробное занятие"),
                ("kind", "trial_lesson"),
                ("starts_at", "2027-04-01T12:00"),
                ("capacity", "20"),
                ("min_grade", "8"),
                ("hours", "2"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id: i64 = answer
        .location()
        .trim_start_matches("/events/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let created = app
        .get_json(&format!("/api/v1/events/{id}"), &r.w.admin)
        .await;
    assert_eq!(created["starts_at"], "2027-04-01T09:00:00Z");
    let page = college.get(answer.location()).await;
    assert!(page.body.contains("Сохранено."), "the save says so");
    assert!(page.body.contains("1 апреля 2027, 12:00"));
}

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestDatabase, World, assert_problem, invalid_fields, spawn_app_with,
};
use crate::smtp::SmtpSink;

fn academic_year() -> i32 {
    kadry::domain::numbers::current_academic_year()
}

async fn setup() -> (TestApp, World, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        settings.email.url = kadry::config::EmailUrl::parse(&url).expect("an email URL");
        settings.email.poll_interval_ms = 50;
        settings.email.shortage_check_seconds = 3600;
    })
    .await;
    let w = World::build(&app).await;
    (app, w, sink)
}

pub(crate) async fn event(
    app: &TestApp,
    token: &str,
    organizer: i64,
    capacity: i32,
    starts_at: &str,
    hours: f64,
    professions: Vec<i64>,
) -> i64 {
    app.create(
        "/api/v1/events",
        token,
        json!({"organizer_id": organizer, "title": "День открытых дверей", "kind": "open_day", "starts_at": starts_at,
               "capacity": capacity, "min_grade": 7, "hours": hours, "profession_ids": professions}),
    )
    .await
}

pub(crate) async fn pupil(
    app: &TestApp,
    token: &str,
    school: i64,
    reference: &str,
    grade: i32,
    consent: bool,
) -> i64 {
    let mut body = json!({"school_id": school, "external_ref": reference, "grade": grade, "academic_year": academic_year(), "consent": consent});
    if consent {
        body["display_name"] = json!("Аня Секретова");
    }
    app.create("/api/v1/pupils", token, body).await
}

pub(crate) fn this_year(month_day: &str) -> String {
    format!(
        "{}-{month_day}T10:00:00Z",
        academic_year() + if month_day < "09" { 1 } else { 0 }
    )
}

#[tokio::test]
async fn schools_register_pupils_by_the_rules_and_nobody_hears_a_name() {
    let (app, w, sink) = setup().await;
    let (school, school_token) = &w.school_a;
    let id = event(
        &app,
        &w.enterprise_a.1,
        w.enterprise_a.0,
        3,
        &this_year("10-15"),
        8.0,
        vec![w.glass_operator],
    )
    .await;
    let ok = pupil(&app, school_token, *school, "A", 8, true).await;
    let no_consent = pupil(&app, school_token, *school, "B", 8, false).await;
    let too_young = pupil(&app, school_token, *school, "C", 6, true).await;
    let path = format!("/api/v1/events/{id}/registrations");

    let response = app
        .post_json(&path, school_token, &json!({"pupil_id": ok}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_problem(
        app.post_json(&path, school_token, &json!({"pupil_id": ok}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        invalid_fields(
            app.post_json(&path, school_token, &json!({"pupil_id": no_consent}))
                .await
        )
        .await,
        ["pupil_id"]
    );
    assert_eq!(
        invalid_fields(
            app.post_json(&path, school_token, &json!({"pupil_id": too_young}))
                .await
        )
        .await,
        ["pupil_id"]
    );
    // Another school cannot register this school's pupil; other roles never register.
    assert_problem(
        app.post_json(&path, &w.school_b.1, &json!({"pupil_id": ok}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for token in [&w.college_a.1, &w.enterprise_a.1, &w.analyst] {
        assert_problem(
            app.post_json(&path, token, &json!({"pupil_id": ok})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        app.post_json(
            "/api/v1/events/99999/registrations",
            school_token,
            &json!({"pupil_id": ok}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // One pupil of one school: exact for admins and the school, rounded
    // (to 0) for everyone else, the organizer included.
    for (reader, registered) in [
        (&w.admin, 1),
        (school_token, 1),
        (&w.analyst, 0),
        (&w.college_a.1, 0),
    ] {
        let shown = app.get_json(&format!("/api/v1/events/{id}"), reader).await;
        assert_eq!(shown["registered"], registered);
    }

    // The school is told, without the pupil's name; the organizer is not told
    // each registration (it could count a school's pupils from the messages).
    sink.wait_for(1, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert!(
        received
            .iter()
            .all(|r| !r.text().contains("Секретова") && !r.text().contains("Аня"))
    );
    assert!(
        received.iter().all(|r| r.text().contains("1 из 3")),
        "{:#?}",
        received.iter().map(|r| r.text()).collect::<Vec<_>>()
    );

    // Withdrawal frees the place; only the school does it.
    assert_problem(
        app.delete(&format!("{path}/{ok}"), &w.school_b.1).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.delete(&format!("{path}/{ok}"), school_token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/events/{id}"), &w.admin)
            .await["registered"],
        0
    );
    assert_problem(
        app.delete(&format!("{path}/{ok}"), school_token).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn twenty_schools_racing_for_the_last_five_places_fill_exactly_five() {
    let (app, w, _sink) = setup().await;
    let (school, token) = &w.school_a;
    let id = event(
        &app,
        &w.college_a.1,
        w.college_a.0,
        8,
        &this_year("11-20"),
        4.0,
        vec![],
    )
    .await;
    let path = format!("/api/v1/events/{id}/registrations");
    for n in 0..3 {
        let early = pupil(&app, token, *school, &format!("early-{n}"), 9, true).await;
        assert_eq!(
            app.post_json(&path, token, &json!({"pupil_id": early}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let mut racers = Vec::new();
    for n in 0..20 {
        racers.push(pupil(&app, token, *school, &format!("racer-{n}"), 9, true).await);
    }
    let requests = racers.iter().map(|pupil_id| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(token)
            .json(&json!({"pupil_id": pupil_id}));
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let full = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, full), (5, 15), "{statuses:?}");
    assert_eq!(
        app.get_json(&format!("/api/v1/events/{id}"), &w.admin)
            .await["registered"],
        8
    );
}

#[tokio::test]
async fn a_cancellation_tells_each_school_with_registered_pupils_once() {
    let (app, w, sink) = setup().await;
    let id = event(
        &app,
        &w.enterprise_a.1,
        w.enterprise_a.0,
        10,
        &this_year("12-01"),
        3.0,
        vec![],
    )
    .await;
    let path = format!("/api/v1/events/{id}/registrations");
    for (school, token) in [&w.school_a, &w.school_a, &w.school_b] {
        let reference = format!("p-{}", crate::helpers::unique("x"));
        let pupil_id = pupil(&app, token, *school, &reference, 9, true).await;
        assert_eq!(
            app.post_json(&path, token, &json!({"pupil_id": pupil_id}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let before = sink.wait_for(3, 10).await.len();
    assert_eq!(before, 3, "one message a registration, to the school");
    let cancel = format!("/api/v1/events/{id}/cancel");
    assert_problem(
        app.post_json(&cancel, &w.enterprise_b.1, &json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        app.post_json(&cancel, &w.school_a.1, &json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let response = app.post_json(&cancel, &w.enterprise_a.1, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["cancelled"], true);
    assert_problem(
        app.post_json(&cancel, &w.enterprise_a.1, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let received = sink.wait_for(5, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancellations: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|r| r.subject().contains("отменено"))
        .collect();
    assert_eq!(cancellations.len(), 2, "{received:#?}");
    assert!(
        cancellations
            .iter()
            .any(|r| r.text().contains("учеников: 2"))
    );
    assert!(cancellations.iter().all(|r| !r.text().contains("Аня")));
    let late = pupil(&app, &w.school_a.1, w.school_a.0, "late", 9, true).await;
    assert_problem(
        app.post_json(&path, &w.school_a.1, &json!({"pupil_id": late}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn guidance_hours_add_up_across_events_and_academic_years() {
    let (app, w, _sink) = setup().await;
    let (school, token) = &w.school_a;
    let busy = pupil(&app, token, *school, "busy", 8, true).await;
    let idle = pupil(&app, token, *school, "idle", 8, true).await;
    let last_year = format!("{}-10-01T10:00:00Z", academic_year() - 1);
    let organizer = (&w.college_a.1, w.college_a.0);
    let events = [
        event(
            &app,
            organizer.0,
            organizer.1,
            10,
            &this_year("09-20"),
            30.0,
            vec![w.glass_operator],
        )
        .await,
        event(
            &app,
            organizer.0,
            organizer.1,
            10,
            &this_year("03-10"),
            20.0,
            // Two professions of one cluster: the pupil meets the cluster once.
            vec![w.welder, w.cnc_operator],
        )
        .await,
        event(
            &app,
            organizer.0,
            organizer.1,
            10,
            &last_year,
            25.0,
            vec![w.glass_operator],
        )
        .await,
    ];
    let mut first_tickets = Vec::new();
    for id in events {
        let path = format!("/api/v1/events/{id}/registrations");
        let mut tickets = Vec::new();
        for pupil_id in [busy, idle] {
            let response = app
                .post_json(&path, token, &json!({"pupil_id": pupil_id}))
                .await;
            assert_eq!(response.status(), StatusCode::CREATED);
            let registration: Value = response.json().await.unwrap();
            let code = registration["code"].as_str().unwrap().to_string();
            // Four groups of four hex digits: 64 random bits.
            assert_eq!(code.len(), 19, "{code}");
            tickets.push(code);
        }
        // Only the busy pupil came: the organizer records its ticket.
        let attendance = format!("/api/v1/events/{id}/attendance");
        let came = json!({"codes": [tickets[0]]});
        assert_problem(
            app.put_json(&attendance, &w.college_b.1, &came).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_problem(
            app.put_json(&attendance, token, &came).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(
            app.put_json(&attendance, organizer.0, &came).await.status(),
            StatusCode::OK
        );
        if first_tickets.is_empty() {
            first_tickets = tickets;
        }
    }
    // The organizer names tickets, never pupils: pupil ids are refused, and so
    // is a code that is no ticket of the event (another event's, a made-up
    // one); a ticket is read in any case, with or without its dashes.
    let attendance = format!("/api/v1/events/{}/attendance", events[0]);
    let refused = app
        .put_json(&attendance, organizer.0, &json!({"pupil_ids": [busy]}))
        .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let fields = invalid_fields(
        app.put_json(
            &attendance,
            organizer.0,
            &json!({"codes": [first_tickets[0], "0123-4567-89ab-cdef", "not a code"]}),
        )
        .await,
    )
    .await;
    assert_eq!(fields, ["codes[2]"], "the malformed one first, alone");
    let fields = invalid_fields(
        app.put_json(
            &attendance,
            organizer.0,
            &json!({"codes": [first_tickets[0], "0123-4567-89ab-cdef"]}),
        )
        .await,
    )
    .await;
    assert_eq!(fields, ["codes[1]"]);
    let plain = first_tickets[0].replace('-', "").to_uppercase();
    let response = app
        .put_json(&attendance, organizer.0, &json!({"codes": [plain]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["codes"], json!([first_tickets[0].replace('-', "")]));

    let report = app
        .get_json(&format!("/api/v1/schools/{school}/guidance-report"), token)
        .await;
    assert_eq!(report["suppressed"], false);
    // 30 + 20 hours this year: past 40, short of 60.
    assert_eq!(
        report["grades"],
        json!([{"grade": 8, "pupils": 2, "reached_40": 1, "reached_60": 0, "reached_80": 0, "without_guidance": 1}])
    );
    let mut professions = [(w.glass_operator, 1), (w.cnc_operator, 1), (w.welder, 1)];
    professions.sort();
    let professions: Vec<Value> = professions
        .iter()
        .map(|(id, n)| json!({"profession_id": id, "pupils": n}))
        .collect();
    assert_eq!(report["professions_met"], json!(professions));
    let mut clusters = [(w.glass, 1), (w.machines, 1)];
    clusters.sort();
    let clusters: Vec<Value> = clusters
        .iter()
        .map(|(id, n)| json!({"cluster_id": id, "pupils": n}))
        .collect();
    assert_eq!(report["clusters_met"], json!(clusters));
    assert_eq!(
        report["pupils_without_guidance"],
        json!([{"pupil_id": idle, "external_ref": "idle", "grade": 8}])
    );
    // Last year: 25 hours, in grade 7.
    let last = app
        .get_json(
            &format!(
                "/api/v1/schools/{school}/guidance-report?academic_year={}",
                academic_year() - 1
            ),
            &w.admin,
        )
        .await;
    assert_eq!(
        last["grades"],
        json!([{"grade": 7, "pupils": 2, "reached_40": 0, "reached_60": 0, "reached_80": 0, "without_guidance": 1}])
    );
    // Anyone else gets each count rounded to a multiple of 5 and no pupils.
    for other in [&w.school_b.1, &w.analyst, &w.college_a.1] {
        let report = app
            .get_json(&format!("/api/v1/schools/{school}/guidance-report"), other)
            .await;
        assert_eq!(report["suppressed"], true);
        assert!(report.get("pupils_without_guidance").is_none());
        assert_eq!(
            report["grades"],
            json!([{"grade": 8, "pupils": 0, "reached_40": 0, "reached_60": 0, "reached_80": 0, "without_guidance": 0}])
        );
    }
    assert_problem(
        app.get(
            &format!("/api/v1/schools/{}/guidance-report", w.college_a.0),
            token,
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let response = app
        .get(
            &format!("/api/v1/schools/{school}/guidance-report?academic_year=1999"),
            token,
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["academic_year"]);
}

#[tokio::test]
async fn only_organizers_create_events_and_bad_events_are_refused() {
    let (app, w, _sink) = setup().await;
    let body = json!({"organizer_id": w.enterprise_a.0, "title": "Экскурсия", "kind": "excursion", "starts_at": this_year("10-01"),
                      "capacity": 20, "min_grade": 5, "hours": 2, "profession_ids": [w.welder]});
    for token in [&w.school_a.1, &w.analyst] {
        assert_problem(
            app.post_json("/api/v1/events", token, &body).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        app.post_json("/api/v1/events", &w.enterprise_b.1, &body)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for (field, value) in [
        ("kind", json!("party")),
        ("capacity", json!(0)),
        ("min_grade", json!(4)),
        ("hours", json!(0.25)),
        ("hours", json!(41)),
        ("title", json!("")),
    ] {
        let mut bad = body.clone();
        bad[field] = value;
        assert_eq!(
            invalid_fields(
                app.post_json("/api/v1/events", &w.enterprise_a.1, &bad)
                    .await
            )
            .await,
            [field]
        );
    }
    let mut bad = body.clone();
    bad["profession_ids"] = json!([99999]);
    assert_eq!(
        invalid_fields(
            app.post_json("/api/v1/events", &w.enterprise_a.1, &bad)
                .await
        )
        .await,
        ["profession_ids[0]"]
    );
    let mut bad = body.clone();
    bad["starts_at"] = json!("tomorrow");
    assert_eq!(
        invalid_fields(
            app.post_json("/api/v1/events", &w.enterprise_a.1, &bad)
                .await
        )
        .await,
        ["starts_at"]
    );
    let mut school_organized = body.clone();
    school_organized["organizer_id"] = json!(w.school_a.0);
    assert_eq!(
        invalid_fields(
            app.post_json("/api/v1/events", &w.admin, &school_organized)
                .await
        )
        .await,
        ["organizer_id"]
    );
    assert_eq!(app.get_json("/api/v1/events", &w.admin).await["total"], 0);
    let id = app.create("/api/v1/events", &w.enterprise_a.1, body).await;
    let listed = app
        .get_json(
            &format!("/api/v1/events?profession_id={}&grade=6", w.welder),
            &w.school_a.1,
        )
        .await;
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(
        app.get_json(
            &format!("/api/v1/events?profession_id={}", w.glass_operator),
            &w.school_a.1
        )
        .await["total"],
        0
    );
}

#[tokio::test]
async fn recommendations_rank_interest_then_shortage_and_say_why() {
    let (app, w, _sink) = setup().await;
    let (school, token) = &w.school_a;
    let year = academic_year();
    let program = |institution: i64, profession: i64, entry_grade: i32| {
        json!({"institution_id": institution, "specialty_code": "15.01.32", "title": format!("Program {profession}/{entry_grade}"),
               "entry_grade": entry_grade, "duration_months": 34, "completion_rate": 0.9,
               "professions": [{"profession_id": profession, "share": 1.0}]})
    };
    let glass = app
        .create(
            "/api/v1/programs",
            &w.admin,
            program(w.college_a.0, w.glass_operator, 9),
        )
        .await;
    let welding = app
        .create(
            "/api/v1/programs",
            &w.admin,
            program(w.college_b.0, w.welder, 9),
        )
        .await;
    let cnc_after_11 = app
        .create(
            "/api/v1/programs",
            &w.admin,
            program(w.college_a.0, w.cnc_operator, 11),
        )
        .await;
    let closed = app
        .create(
            "/api/v1/programs",
            &w.admin,
            program(w.college_b.0, w.cnc_operator, 9),
        )
        .await;
    for (id, seats, targeted) in [
        (glass, 25, 5),
        (welding, 20, 0),
        (cnc_after_11, 15, 0),
        (closed, 0, 0),
    ] {
        let response = app
            .put_json(
                &format!("/api/v1/programs/{id}/intakes/{}", year + 1),
                &w.admin,
                &json!({"seats": seats, "targeted_seats": targeted}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Grade 8 now: enters after grade 9 in year + 2, graduates three years later.
    let graduation = year + 2 + 3;
    app.create(
        "/api/v1/demand",
        &w.admin,
        json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.glass_operator, "year": graduation, "headcount": 100}),
    )
    .await;
    let pupil_id = app
        .create(
            "/api/v1/pupils",
            token,
            json!({"school_id": school, "external_ref": "R-1", "grade": 8, "academic_year": year, "consent": true,
                   "interests": [{"cluster_id": w.machines, "weight": 1}]}),
        )
        .await;
    let path = format!("/api/v1/pupils/{pupil_id}/recommendations");
    let found = app.get_json(&path, token).await;
    let items = found["items"].as_array().unwrap();
    let order: Vec<i64> = items
        .iter()
        .map(|i| i["program_id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [welding, cnc_after_11, glass], "{found:#}");
    assert_eq!(items[0]["entry_year"], year + 2);
    assert_eq!(items[0]["graduation_year"], graduation);
    assert_eq!(items[0]["score"], 2.0);
    assert_eq!(items[1]["entry_year"], year + 4);
    assert_eq!(
        items[0]["reasons"],
        json!([
            "совпадает с интересом: Machines",
            "20 мест, из них 0 целевых"
        ])
    );
    let glass_reasons = items[2]["reasons"].as_array().unwrap();
    assert!(
        glass_reasons[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("в {graduation} году региону не хватит")),
        "{glass_reasons:?}"
    );
    assert_eq!(glass_reasons[1], "25 мест, из них 5 целевых");
    assert!(
        items[2]["score"].as_f64().unwrap() > 0.9 && items[2]["score"].as_f64().unwrap() <= 1.0
    );

    assert_eq!(app.get_json(&path, &w.admin).await, found);
    assert_problem(app.get(&path, &w.school_b.1).await, StatusCode::NOT_FOUND).await;
    for other in [&w.analyst, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(app.get(&path, other).await, StatusCode::FORBIDDEN).await;
    }
}

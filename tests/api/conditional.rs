//! `ETag`/`If-Match` (412) on every changeable record, and `Idempotency-Key`
//! on every create: a stale tag changes nothing, two writers with the same
//! tag cannot both win, and a retried create creates nothing more.

use std::collections::BTreeSet;

use chrono::Datelike;
use diesel::RunQueryDsl;
use kadry::routes::openapi::CONDITIONAL_WRITES;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, connect, spawn_app, unique};

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Response {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("a response")
}

/// The `ETag` and body of `GET path`, asserting 200.
async fn tagged(app: &TestApp, path: &str, token: &str) -> (String, Value) {
    let response = send(app, "get", path, token, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let tag = response
        .headers()
        .get("etag")
        .unwrap_or_else(|| panic!("GET {path} sends an ETag"))
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "a strong tag: {tag}"
    );
    (tag, response.json().await.unwrap())
}

fn next_year() -> i32 {
    chrono::Utc::now().year() + 1
}

fn program(institution: i64, profession: i64, title: &str) -> Value {
    json!({"institution_id": institution, "specialty_code": "15.01.32", "title": title,
           "entry_grade": 9, "duration_months": 34, "completion_rate": 0.8,
           "professions": [{"profession_id": profession, "share": 1.0}]})
}

fn pupil(school: i64, reference: &str) -> Value {
    json!({"school_id": school, "external_ref": reference, "grade": 8, "academic_year": 2026,
           "consent": true, "interests": []})
}

fn event(organizer: i64) -> Value {
    let starts_at = format!("{}-05-20T10:00:00Z", next_year());
    json!({"organizer_id": organizer, "title": "День открытых дверей", "kind": "open_day",
           "starts_at": starts_at, "capacity": 30, "min_grade": 7, "hours": 2.0, "profession_ids": []})
}

/// One conditional write: `stale` changes the record without `If-Match`
/// (so that the tag read before it is stale), `write` is the write under
/// test, `tag_path` the record whose tag it compares with.
struct Case {
    method: &'static str,
    template: &'static str,
    path: String,
    token: String,
    tag_path: String,
    stale: (&'static str, String, Option<Value>),
    write: Option<Value>,
}

#[tokio::test]
async fn every_conditional_write_refuses_a_stale_tag_with_412_and_changes_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let college = w.college_a.1.clone();
    let school = w.school_a.1.clone();
    let plant = w.enterprise_a.1.clone();
    let admin = w.admin.clone();
    let year = next_year();

    let mut cases = Vec::new();
    for method in ["put", "delete"] {
        let id = app
            .create(
                "/api/v1/programs",
                &college,
                program(w.college_a.0, w.cnc_operator, "Оператор"),
            )
            .await;
        let path = format!("/api/v1/programs/{id}");
        cases.push(Case {
            method,
            template: "/api/v1/programs/{id}",
            path: path.clone(),
            token: college.clone(),
            tag_path: path.clone(),
            stale: (
                "put",
                path,
                Some(program(w.college_a.0, w.cnc_operator, "Оператор станков")),
            ),
            write: (method == "put").then(|| program(w.college_a.0, w.welder, "Сварщик")),
        });
        let id = app
            .create(
                "/api/v1/programs",
                &college,
                program(w.college_a.0, w.cnc_operator, "Оператор"),
            )
            .await;
        for (kind, at, body, other) in [
            (
                "intakes",
                year,
                json!({"seats": 25, "targeted_seats": 5}),
                json!({"seats": 30, "targeted_seats": 5}),
            ),
            (
                "enrollments",
                year - 2,
                json!({"students": 20}),
                json!({"students": 22}),
            ),
        ] {
            let path = format!("/api/v1/programs/{id}/{kind}/{at}");
            let created = send(&app, "put", &path, &college, Some(&body), &[]).await;
            assert_eq!(created.status(), StatusCode::OK);
            cases.push(Case {
                method,
                template: if kind == "intakes" {
                    "/api/v1/programs/{id}/intakes/{year}"
                } else {
                    "/api/v1/programs/{id}/enrollments/{start_year}"
                },
                path: path.clone(),
                token: college.clone(),
                tag_path: path.clone(),
                stale: ("put", path, Some(other)),
                write: (method == "put").then_some(body),
            });
        }
    }
    for method in ["patch", "delete"] {
        let id = app
            .create(
                "/api/v1/pupils",
                &school,
                pupil(w.school_a.0, &unique("8А")),
            )
            .await;
        let path = format!("/api/v1/pupils/{id}");
        cases.push(Case {
            method,
            template: "/api/v1/pupils/{id}",
            path: path.clone(),
            token: school.clone(),
            tag_path: path.clone(),
            stale: ("patch", path, Some(json!({"grade": 9}))),
            write: (method == "patch").then(|| json!({"display_name": "Аня К."})),
        });
    }
    for (i, method) in ["put", "delete"].into_iter().enumerate() {
        // One record per enterprise, profession and year: one year each.
        let record_year = year + 2 + i as i32;
        let body = |headcount: i32| json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": record_year, "headcount": headcount});
        let id = app.create("/api/v1/demand", &plant, body(10)).await;
        let path = format!("/api/v1/demand/{id}");
        cases.push(Case {
            method,
            template: "/api/v1/demand/{id}",
            path: path.clone(),
            token: plant.clone(),
            tag_path: path.clone(),
            stale: ("put", path, Some(body(12))),
            write: (method == "put").then(|| body(15)),
        });
    }
    for (method, suffix, body) in [
        ("post", "cancel", None),
        ("put", "attendance", Some(json!({"codes": []}))),
    ] {
        let id = app
            .create("/api/v1/events", &plant, event(w.enterprise_a.0))
            .await;
        let registered = app
            .create(
                "/api/v1/pupils",
                &school,
                pupil(w.school_a.0, &unique("8Б")),
            )
            .await;
        cases.push(Case {
            method,
            template: if suffix == "cancel" {
                "/api/v1/events/{id}/cancel"
            } else {
                "/api/v1/events/{id}/attendance"
            },
            path: format!("/api/v1/events/{id}/{suffix}"),
            // The admin sees the event's registrations exactly, so a new
            // registration changes the event it reads.
            token: admin.clone(),
            tag_path: format!("/api/v1/events/{id}"),
            stale: (
                "post",
                format!("/api/v1/events/{id}/registrations"),
                Some(json!({"pupil_id": registered})),
            ),
            write: body,
        });
    }
    let parameters = app.get_json("/api/v1/forecast/parameters", &admin).await;
    let mut changed = parameters.clone();
    changed["retention_rate"] = json!(0.61);
    let mut written = parameters.clone();
    written["retention_rate"] = json!(0.62);
    cases.push(Case {
        method: "put",
        template: "/api/v1/forecast/parameters",
        path: "/api/v1/forecast/parameters".into(),
        token: admin.clone(),
        tag_path: "/api/v1/forecast/parameters".into(),
        stale: ("put", "/api/v1/forecast/parameters".into(), Some(changed)),
        write: Some(written),
    });
    let younger = format!("/api/v1/schools/{}/younger-pupils/2026", w.school_a.0);
    let counts = |pupils: i32| json!({"grades": [{"grade": 4, "pupils": pupils}]});
    assert_eq!(
        send(&app, "put", &younger, &school, Some(&counts(20)), &[])
            .await
            .status(),
        StatusCode::OK
    );
    cases.push(Case {
        method: "put",
        template: "/api/v1/schools/{id}/younger-pupils/{academic_year}",
        path: younger.clone(),
        token: school.clone(),
        tag_path: younger.clone(),
        stale: ("put", younger, Some(counts(21))),
        write: Some(counts(22)),
    });

    let covered: BTreeSet<(&str, &str)> = cases.iter().map(|c| (c.method, c.template)).collect();
    let declared: BTreeSet<(&str, &str)> = CONDITIONAL_WRITES.iter().copied().collect();
    assert_eq!(covered, declared, "every conditional write has its case");

    for case in &cases {
        let what = format!("{} {}", case.method, case.path);
        let (before, _) = tagged(&app, &case.tag_path, &case.token).await;
        let (again, _) = tagged(&app, &case.tag_path, &case.token).await;
        assert_eq!(
            before, again,
            "{what}: the tag is stable while nothing changes"
        );

        let (method, path, body) = &case.stale;
        let changed = send(&app, method, path, &case.token, body.as_ref(), &[]).await;
        assert!(
            changed.status().is_success(),
            "{what}: the change without If-Match"
        );
        let (current, shown) = tagged(&app, &case.tag_path, &case.token).await;
        assert_ne!(before, current, "{what}: a change changes the tag");

        // A stale tag, the current one as weak (If-Match compares strongly),
        // another tag, and a value that is not a tag at all.
        for stale in [
            before.clone(),
            format!("W/{current}"),
            "\"0\"".to_string(),
            "no-quotes".to_string(),
        ] {
            let refused = send(
                &app,
                case.method,
                &case.path,
                &case.token,
                case.write.as_ref(),
                &[("If-Match", &stale)],
            )
            .await;
            let problem = assert_problem(refused, StatusCode::PRECONDITION_FAILED).await;
            assert!(
                problem["detail"].as_str().unwrap().contains("If-Match"),
                "{what}: {problem}"
            );
            let (unchanged_tag, unchanged) = tagged(&app, &case.tag_path, &case.token).await;
            assert_eq!(
                (&unchanged_tag, &unchanged),
                (&current, &shown),
                "{what} with If-Match {stale} changed nothing"
            );
        }

        let list = format!("\"elsewhere\", {current}");
        let accepted = send(
            &app,
            case.method,
            &case.path,
            &case.token,
            case.write.as_ref(),
            &[("If-Match", &list)],
        )
        .await;
        let status = accepted.status();
        assert!(status.is_success(), "{what} with the current tag: {status}");
        let answered_tag = accepted
            .headers()
            .get("etag")
            .map(|tag| tag.to_str().unwrap().to_string());
        if case.method == "delete" {
            assert_eq!(status, StatusCode::NO_CONTENT);
            let gone = send(&app, "get", &case.tag_path, &case.token, None, &[]).await;
            assert_eq!(gone.status(), StatusCode::NOT_FOUND, "{what} deleted");
            let after = send(
                &app,
                case.method,
                &case.path,
                &case.token,
                None,
                &[("If-Match", "*")],
            )
            .await;
            assert_eq!(after.status(), StatusCode::NOT_FOUND, "{what}: gone is 404");
        } else {
            let (new_tag, _) = tagged(&app, &case.tag_path, &case.token).await;
            // Attendance is not part of the event it is conditional on.
            if !case.path.ends_with("/attendance") {
                assert_ne!(new_tag, current, "{what} changed the record");
                assert_eq!(
                    answered_tag.as_deref(),
                    Some(new_tag.as_str()),
                    "{what} answers the new tag"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_write_without_if_match_or_with_star_goes_through() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let id = app
        .create("/api/v1/pupils", token, pupil(*school, "8В-01"))
        .await;
    let path = format!("/api/v1/pupils/{id}");
    let plain = send(&app, "patch", &path, token, Some(&json!({"grade": 9})), &[]).await;
    assert_eq!(plain.status(), StatusCode::OK);
    let star = send(
        &app,
        "patch",
        &path,
        token,
        Some(&json!({"grade": 10})),
        &[("If-Match", "*")],
    )
    .await;
    assert_eq!(star.status(), StatusCode::OK);
    assert_eq!(app.get_json(&path, token).await["grade"], 10);
    // A PUT creating an intake year with `If-Match` fails: there is nothing to match.
    let program_id = app
        .create(
            "/api/v1/programs",
            &w.college_a.1,
            program(w.college_a.0, w.welder, "Сварщик"),
        )
        .await;
    let intake = format!("/api/v1/programs/{program_id}/intakes/{}", next_year());
    let refused = send(
        &app,
        "put",
        &intake,
        &w.college_a.1,
        Some(&json!({"seats": 10, "targeted_seats": 0})),
        &[("If-Match", "*")],
    )
    .await;
    assert_problem(refused, StatusCode::PRECONDITION_FAILED).await;
    assert_problem(
        send(&app, "get", &intake, &w.college_a.1, None, &[]).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn of_two_writers_with_the_same_if_match_one_wins_and_the_other_gets_412() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (college_id, college) = &w.college_a;
    let (school_id, school) = &w.school_a;
    let program_id = app
        .create(
            "/api/v1/programs",
            college,
            program(*college_id, w.welder, "Сварщик"),
        )
        .await;
    let pupil_id = app
        .create("/api/v1/pupils", school, pupil(*school_id, "8Г-01"))
        .await;
    for round in 0..6 {
        // A program (PUT) and a pupil (PATCH), each written by two at once.
        let (path, token, method, bodies) = if round % 2 == 0 {
            (
                format!("/api/v1/programs/{program_id}"),
                college,
                "put",
                [
                    program(*college_id, w.welder, &format!("Сварщик {round}-A")),
                    program(*college_id, w.welder, &format!("Сварщик {round}-B")),
                ],
            )
        } else {
            (
                format!("/api/v1/pupils/{pupil_id}"),
                school,
                "patch",
                [
                    json!({"display_name": format!("Имя {round}-A")}),
                    json!({"display_name": format!("Имя {round}-B")}),
                ],
            )
        };
        let (tag, _) = tagged(&app, &path, token).await;
        let headers = [("If-Match", tag.as_str())];
        let (first, second) = tokio::join!(
            send(&app, method, &path, token, Some(&bodies[0]), &headers),
            send(&app, method, &path, token, Some(&bodies[1]), &headers),
        );
        let statuses = [first.status(), second.status()];
        let mut sorted = statuses;
        sorted.sort();
        assert_eq!(
            sorted,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}: {statuses:?}"
        );
        let winner = if statuses[0] == StatusCode::OK { 0 } else { 1 };
        let (_, stored) = tagged(&app, &path, token).await;
        let field = if method == "put" {
            "title"
        } else {
            "display_name"
        };
        let title_of = |body: &Value| body[field].clone();
        assert_eq!(
            title_of(&stored),
            title_of(&bodies[winner]),
            "round {round}: the winner's write is kept"
        );
    }
}

/// Every create with its body, as (path, token, body).
fn creates(w: &World, event_id: i64, pupil_id: i64) -> Vec<(String, String, Value)> {
    vec![
        (
            "/api/v1/clusters".into(),
            w.admin.clone(),
            json!({"name": unique("Cluster"), "industry": "glass"}),
        ),
        (
            "/api/v1/professions".into(),
            w.admin.clone(),
            json!({"code": "29.01.07", "title": unique("Profession"), "cluster_id": w.glass}),
        ),
        (
            "/api/v1/organizations".into(),
            w.admin.clone(),
            json!({"kind": "school", "name": unique("School"), "town": "Ковров", "email": format!("{}@org.test", unique("office")), "cluster_ids": []}),
        ),
        (
            "/api/v1/users".into(),
            w.admin.clone(),
            json!({"email": format!("{}@kadry.test", unique("analyst")), "role": "analyst", "password": "a-long-password-1"}),
        ),
        (
            "/api/v1/programs".into(),
            w.college_a.1.clone(),
            program(w.college_a.0, w.welder, &unique("Program")),
        ),
        (
            "/api/v1/pupils".into(),
            w.school_a.1.clone(),
            pupil(w.school_a.0, &unique("9А")),
        ),
        (
            "/api/v1/demand".into(),
            w.enterprise_a.1.clone(),
            json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": next_year(), "headcount": 3}),
        ),
        (
            "/api/v1/events".into(),
            w.enterprise_a.1.clone(),
            event(w.enterprise_a.0),
        ),
        (
            format!("/api/v1/events/{event_id}/registrations"),
            w.school_a.1.clone(),
            json!({"pupil_id": pupil_id}),
        ),
    ]
}

/// The same create with one field changed.
fn vary(body: &Value, other_pupil: i64) -> Value {
    let mut other = body.clone();
    if body.get("pupil_id").is_some() {
        other["pupil_id"] = json!(other_pupil);
    } else if let Some(headcount) = body["headcount"].as_i64() {
        other["headcount"] = json!(headcount + 1);
    } else {
        let field = ["title", "name", "external_ref", "email"]
            .into_iter()
            .find(|field| body[*field].is_string())
            .expect("a text field");
        other[field] = json!(format!("x{}", body[field].as_str().unwrap()));
    }
    other
}

fn count_in(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = connect(&app.db);
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_answers_the_first_answer_and_creates_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let event_id = app
        .create("/api/v1/events", &w.enterprise_a.1, event(w.enterprise_a.0))
        .await;
    let pupil_id = app
        .create(
            "/api/v1/pupils",
            &w.school_a.1,
            pupil(w.school_a.0, "9Б-01"),
        )
        .await;
    let other_pupil = app
        .create(
            "/api/v1/pupils",
            &w.school_a.1,
            pupil(w.school_a.0, "9Б-02"),
        )
        .await;
    let tables = [
        "clusters",
        "professions",
        "organizations",
        "users",
        "programs",
        "pupils",
        "demand",
        "events",
        "event_registrations",
    ];
    for ((path, token, body), table) in creates(&w, event_id, pupil_id).into_iter().zip(tables) {
        let key = unique("key");
        let headers = [("Idempotency-Key", key.as_str())];
        let first = send(&app, "post", &path, &token, Some(&body), &headers).await;
        assert_eq!(first.status(), StatusCode::CREATED, "POST {path}");
        let location = first.headers()["location"].clone();
        let first_body = first.text().await.unwrap();
        let rows = count_in(&app, table);
        for _ in 0..2 {
            let again = send(&app, "post", &path, &token, Some(&body), &headers).await;
            assert_eq!(again.status(), StatusCode::CREATED, "POST {path} again");
            assert_eq!(again.headers()["location"], location, "POST {path} again");
            assert_eq!(
                again.text().await.unwrap(),
                first_body,
                "POST {path}: the first answer"
            );
        }
        assert_eq!(
            count_in(&app, table),
            rows,
            "POST {path} again created nothing"
        );

        // The same key with another request is refused and creates nothing;
        // the same body written otherwise (spacing) is the same request.
        let spaced = serde_json::to_string_pretty(&body).unwrap();
        let respaced = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .header("Content-Type", "application/json")
            .body(spaced)
            .send()
            .await
            .unwrap();
        assert_eq!(respaced.status(), StatusCode::CREATED, "POST {path} spaced");
        assert_eq!(respaced.text().await.unwrap(), first_body);
        let other = vary(&body, other_pupil);
        let refused = send(&app, "post", &path, &token, Some(&other), &headers).await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            problem["errors"][0]["field"], "Idempotency-Key",
            "{problem}"
        );
        assert_eq!(count_in(&app, table), rows);
    }
}

#[tokio::test]
async fn idempotency_keys_belong_to_their_user_fail_safely_and_expire() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let path = "/api/v1/demand";
    // Each body is for another year: one record per enterprise, profession and year.
    let years = std::cell::Cell::new(next_year());
    let body = |enterprise: i64, headcount: i32| {
        years.set(years.get() + 1);
        json!({"enterprise_id": enterprise, "profession_id": w.welder, "year": years.get(), "headcount": headcount})
    };
    let key = [("Idempotency-Key", "order-42")];

    // Malformed keys: 400, nothing created.
    let long = "k".repeat(256);
    for bad in [long.as_str(), "два слова", ""] {
        let before = count_in(&app, "demand");
        let response = send(
            &app,
            "post",
            path,
            &w.enterprise_a.1,
            Some(&body(w.enterprise_a.0, 1)),
            &[("Idempotency-Key", bad)],
        )
        .await;
        assert_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(count_in(&app, "demand"), before);
    }

    // A refused first try does not use the key up.
    let refused = send(
        &app,
        "post",
        path,
        &w.enterprise_a.1,
        Some(&body(w.enterprise_a.0, -1)),
        &key,
    )
    .await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let first = send(
        &app,
        "post",
        path,
        &w.enterprise_a.1,
        Some(&body(w.enterprise_a.0, 1)),
        &key,
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();

    // Another user's same key is another key.
    let theirs = send(
        &app,
        "post",
        path,
        &w.enterprise_b.1,
        Some(&body(w.enterprise_b.0, 1)),
        &key,
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    let theirs: Value = theirs.json().await.unwrap();
    assert_ne!(theirs["id"], first["id"]);

    // Five at once with one key: one record, five times the same answer.
    let fresh = [("Idempotency-Key", "order-43")];
    let before = count_in(&app, "demand");
    let same = body(w.enterprise_a.0, 2);
    let sends = (0..5).map(|_| send(&app, "post", path, &w.enterprise_a.1, Some(&same), &fresh));
    let answers = futures_util::future::join_all(sends).await;
    let mut ids = BTreeSet::new();
    for answer in answers {
        assert_eq!(answer.status(), StatusCode::CREATED);
        ids.insert(
            answer.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(ids.len(), 1, "one record: {ids:?}");
    assert_eq!(count_in(&app, "demand"), before + 1);

    // After 24 hours the key is forgotten: the same request creates again,
    // and pruning deletes the old answer.
    let mut conn = connect(&app.db);
    let mut age = |key: &str| {
        let day_ago = chrono::Utc::now().naive_utc() - chrono::Duration::hours(25);
        diesel::sql_query(format!(
            "UPDATE idempotency_keys SET created_at = '{}' WHERE idempotency_key = '{key}'",
            day_ago.format("%Y-%m-%d %H:%M:%S")
        ))
        .execute(&mut conn)
        .unwrap();
    };
    age("order-42");
    let later = send(
        &app,
        "post",
        path,
        &w.enterprise_a.1,
        Some(&body(w.enterprise_a.0, 1)),
        &key,
    )
    .await;
    assert_eq!(later.status(), StatusCode::CREATED);
    let later: Value = later.json().await.unwrap();
    assert_ne!(later["id"], first["id"], "an expired key creates again");
    let keys_before = count_in(&app, "idempotency_keys");
    age("order-43");
    crate::retention::prune(&app);
    // Left: the first user's "order-42", used again after it expired. The
    // other user's "order-42" (aged with it) and "order-43" are gone.
    assert_eq!(keys_before, 3);
    assert_eq!(count_in(&app, "idempotency_keys"), 1);
}

#[tokio::test]
async fn the_document_declares_the_conditional_headers() {
    let app = spawn_app().await;
    let document: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names = |operation: &Value| -> Vec<String> {
        operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| p["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    for (method, path) in CONDITIONAL_WRITES {
        let operation = &document["paths"][path][method];
        assert!(
            names(operation).contains(&"If-Match".to_string()),
            "{method} {path}"
        );
        assert!(operation["responses"]["412"].is_object(), "{method} {path}");
    }
    for (path, item) in document["paths"].as_object().unwrap() {
        if let Some(post) = item.get("post")
            && post["responses"]["201"].is_object()
        {
            assert!(
                names(post).contains(&"Idempotency-Key".to_string()),
                "POST {path}"
            );
        }
    }
    assert!(
        document["paths"]["/api/v1/pupils/{id}"]["get"]["responses"]["200"]["headers"]["ETag"]
            .is_object()
    );
}

/// A create that fails because the database is gone answers 503, stores
/// nothing and does not use its key up: the retry, once the database is
/// back, creates the record once.
#[tokio::test]
async fn a_create_lost_to_a_database_fault_keeps_its_key_for_the_retry() {
    let app = crate::helpers::spawn_app_with(crate::helpers::TestDatabase::new(), |settings| {
        settings.database.timeout_seconds = 1;
        settings.database.sqlite_busy_timeout_ms = 100;
    })
    .await;
    let w = World::build(&app).await;
    let body = json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": next_year(), "headcount": 9});
    let key = [("Idempotency-Key", "retry-after-fault")];
    let before = count_in(&app, "demand");
    let release = crate::helpers::take_database_away(&app);
    let lost = send(
        &app,
        "post",
        "/api/v1/demand",
        &w.enterprise_a.1,
        Some(&body),
        &key,
    )
    .await;
    release();
    let problem = assert_problem(lost, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        !problem.to_string().to_lowercase().contains("sql"),
        "no internals: {problem}"
    );
    assert_eq!(count_in(&app, "demand"), before);
    assert_eq!(count_in(&app, "idempotency_keys"), 0);
    // The pool does not test a connection on checkout (a round trip per
    // request), so a connection the database dropped may fail one more
    // request with 503 before it is replaced: a client retries 503s. The
    // first answer that is not a 503 creates the record; the next replays it.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let retried = send(
            &app,
            "post",
            "/api/v1/demand",
            &w.enterprise_a.1,
            Some(&body),
            &key,
        )
        .await;
        statuses.push(retried.status());
        if statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count()
            == 2
        {
            break;
        }
        assert_eq!(
            count_in(&app, "demand") - before,
            i64::from(statuses.contains(&StatusCode::CREATED))
        );
    }
    let created: Vec<_> = statuses
        .iter()
        .skip_while(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(
        created,
        [&StatusCode::CREATED, &StatusCode::CREATED],
        "{statuses:?}"
    );
    assert_eq!(count_in(&app, "demand"), before + 1);
}

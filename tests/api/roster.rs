use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, spawn_app};

const HEADER: &str = "external_ref,grade,academic_year,consent,display_name,interests\n";

async fn import(app: &TestApp, school_id: i64, token: &str, csv: String) -> Response {
    app.client
        .post(app.url(&format!("/api/v1/schools/{school_id}/pupils/import")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

async fn pupils_of(app: &TestApp, w: &World, school_id: i64) -> Value {
    app.get_json(
        &format!("/api/v1/pupils?school_id={school_id}&limit=500"),
        &w.admin,
    )
    .await
}

#[tokio::test]
async fn a_roster_creates_pupils_and_updates_known_ones() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let csv = format!(
        "{HEADER}A-1,7,2025,true,Иван Петров,P:15.01.32:2;C:{}:1\nA-2,9,2025,false,,\nA-3,11,2025,true,\"Smith, Anna\",\n",
        w.glass
    );
    let response = import(&app, *school, token, csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"created": 3, "updated": 0})
    );
    let pupils = pupils_of(&app, &w, *school).await;
    assert_eq!(pupils["total"], 3);
    let first = &pupils["items"][0];
    assert_eq!(first["external_ref"], "A-1");
    assert_eq!(first["display_name"], "Иван Петров");
    assert_eq!(
        first["interests"],
        json!([{"profession_id": w.cnc_operator, "weight": 2.0}, {"cluster_id": w.glass, "weight": 1.0}])
    );
    let id_of_first = first["id"].clone();

    // Again, with A-1 moved on a grade and without interests, and one new pupil.
    let csv = format!("{HEADER}A-1,8,2026,true,Иван Петров,\nA-4,5,2026,false,,\n");
    let response = import(&app, *school, token, csv).await;
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"created": 1, "updated": 1})
    );
    let pupils = pupils_of(&app, &w, *school).await;
    assert_eq!(pupils["total"], 4);
    let first = &pupils["items"][0];
    assert_eq!(first["id"], id_of_first, "an update keeps the pupil's id");
    assert_eq!(first["grade"], 8);
    assert_eq!(first["academic_year"], 2026);
    assert_eq!(first["interests"], json!([]));
}

#[tokio::test]
async fn one_bad_row_in_the_middle_stores_nothing_and_is_named() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    app.create(
        "/api/v1/pupils",
        token,
        json!({"school_id": school, "external_ref": "KEEP", "grade": 6, "academic_year": 2025, "consent": false}),
    )
    .await;
    let mut csv = String::from(HEADER);
    for n in 0..200 {
        if n == 100 {
            csv.push_str("BAD,12,2025,true,,\n");
        } else if n == 150 {
            csv.push_str("KEEP,9,2025,false,Имя,\n");
        } else {
            csv.push_str(&format!("R-{n},{},2025,true,,P:22.02.06:1\n", 5 + n % 7));
        }
    }
    let response = import(&app, *school, token, csv).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["errors"],
        json!([
            {"line": 102, "field": "grade", "message": "must be a grade from 5 to 11"},
            {"line": 152, "field": "display_name", "message": "must be absent without parental consent"}
        ])
    );
    let pupils = pupils_of(&app, &w, *school).await;
    assert_eq!(pupils["total"], 1);
    assert_eq!(
        pupils["items"][0]["grade"], 6,
        "the known pupil was not updated"
    );
}

#[tokio::test]
async fn a_10000_row_roster_imports_in_one_request() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let mut csv = String::from(HEADER);
    for n in 0..10_000 {
        let consent = n % 5 != 0;
        let interests = if consent {
            format!("P:18.02.05:1;C:{}:2", w.machines)
        } else {
            String::new()
        };
        let name = if consent {
            format!("Ученик {n}")
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "ROSTER-{n:05},{},2025,{consent},{name},{interests}\n",
            5 + n % 7
        ));
    }
    assert!(csv.len() > 256 * 1024, "bigger than the JSON body limit");
    let response = import(&app, *school, token, csv.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"created": 10000, "updated": 0})
    );
    let stats = app
        .get_json(
            &format!("/api/v1/stats/pupils?group_by=interest&school_id={school}"),
            token,
        )
        .await;
    assert_eq!(
        stats["items"],
        json!([
            {"profession_id": w.glass_operator, "count": 8000, "suppressed": false},
            {"cluster_id": w.machines, "count": 8000, "suppressed": false}
        ])
    );
    // The same file again updates every row.
    let response = import(&app, *school, token, csv).await;
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"created": 0, "updated": 10000})
    );
    assert_eq!(pupils_of(&app, &w, *school).await["total"], 10000);
}

#[tokio::test]
async fn only_the_school_and_admins_import_its_roster() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, _) = &w.school_a;
    let csv = format!("{HEADER}A-1,7,2025,false,,\n");
    assert_problem(
        import(&app, *school, &w.school_b.1, csv.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for token in [&w.analyst, &w.college_a.1, &w.enterprise_a.1] {
        assert_problem(
            import(&app, *school, token, csv.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(pupils_of(&app, &w, *school).await["total"], 0);
    // Not a school, or no such organization.
    assert_problem(
        import(&app, w.college_a.0, &w.admin, csv.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        import(&app, 99_999, &w.admin, csv.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        import(&app, *school, &w.admin, csv).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_roster_must_be_csv_with_the_right_header() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = &w.school_a;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{school}/pupils/import")))
        .bearer_auth(token)
        .json(&json!({"external_ref": "A-1"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let response = import(&app, *school, token, "ref,grade\nA-1,7\n".into()).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["line"], 1);
    let response = import(&app, *school, token, HEADER.into()).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let response = import(
        &app,
        *school,
        token,
        format!("{HEADER}A-1,7,2025,false,,\nA-1,8,2025,false,,\n"),
    )
    .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["errors"],
        json!([{"line": 3, "field": "external_ref", "message": "repeats line 2"}])
    );
    assert_eq!(pupils_of(&app, &w, *school).await["total"], 0);
}

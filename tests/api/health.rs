use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestDatabase, assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn ready_answers_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes_without_a_token() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/health",
        "/ready",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/clusters",
        "/api/v1/clusters/{id}",
        "/api/v1/professions",
        "/api/v1/professions/{id}",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} is missing from the document"
        );
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

/// Takes the database away the way each backend really fails: PostgreSQL's
/// connections are cut and the database renamed (every query fails, /ready
/// included); SQLite's write lock is held by another process's connection
/// (writes time out; WAL readers, and so /ready, still work).
#[tokio::test]
async fn a_database_fault_answers_503_without_internals_and_recovers() {
    let db = TestDatabase::new();
    let app = spawn_app_with(db, |settings| {
        settings.database.timeout_seconds = 1;
        settings.database.sqlite_busy_timeout_ms = 100;
    })
    .await;
    let admin = app.admin_token().await;
    let glass = json!({"name": "Glass", "industry": "glass"});

    let release = crate::helpers::take_database_away(&app);

    let response = app.post_json("/api/v1/clusters", &admin, &glass).await;
    let body = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        !detail.contains("locked") && !detail.contains("kadry_test"),
        "{detail}"
    );
    if app.db.is_postgres() {
        for _ in 0..2 {
            let response = app.client.get(app.url("/ready")).send().await.unwrap();
            assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
        }
        assert_problem(
            app.get("/api/v1/clusters", &admin).await,
            StatusCode::SERVICE_UNAVAILABLE,
        )
        .await;
    }

    release();
    let recovered = crate::helpers::ready_again(&app).await;
    assert!(
        recovered,
        "/ready did not recover once the database was back"
    );
    app.create("/api/v1/clusters", &admin, glass).await;
}

#[tokio::test]
async fn every_answer_in_the_openapi_document_is_described_and_the_common_errors_declared() {
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
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            for (code, response) in responses {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {code} has no description"
                );
            }
            let has = |code: &str| responses.contains_key(code);
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                assert!(has("401"), "{method} {path} declares no 401");
            }
            if operation.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(has(code), "{method} {path} declares no {code}");
                }
            }
            if path != "/health" && path != "/api/v1/openapi.json" {
                assert!(has("503"), "{method} {path} declares no 503");
            }
        }
    }
    assert!(operations > 60, "{operations} operations");
    // The limits the service enforces are in the schemas (a sample of them).
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["NewClusterBody"]["properties"]["name"]["maxLength"],
        200
    );
    assert!(schemas["NewClusterBody"]["properties"]["name"]["pattern"].is_string());
    assert_eq!(
        schemas["ProgramBody"]["properties"]["entry_grade"]["enum"],
        serde_json::json!([9, 11])
    );
    assert_eq!(
        schemas["NewEventBody"]["properties"]["capacity"]["maximum"],
        10000
    );
    assert_eq!(
        schemas["NewUserBody"]["properties"]["password"]["minLength"],
        10
    );
    let year = &schemas["DemandBody"]["properties"]["year"];
    let now = chrono::Datelike::year(&chrono::Utc::now());
    assert_eq!(year["minimum"].as_f64(), Some(f64::from(now)), "{year}");
    let list = &document["paths"]["/api/v1/clusters"]["get"]["parameters"];
    let limit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["maximum"], 500);
}

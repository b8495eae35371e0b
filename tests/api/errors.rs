use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestDatabase, assert_problem, invalid_fields, spawn_app, spawn_app_with};

async fn cluster_total(app: &crate::helpers::TestApp, token: &str) -> i64 {
    app.get("/api/v1/clusters", token)
        .await
        .json::<Value>()
        .await
        .unwrap()["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for body in [
        "{",
        "{\"name\": \"Glass\",}",
        "",
        "[1, 2",
        "{\"name\":\"a\",\"industry\":\"b\"} {}",
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/clusters"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(cluster_total(&app, &admin).await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .client
            .post(app.url("/api/v1/clusters"))
            .bearer_auth(&admin)
            .body(r#"{"name":"Glass","industry":"glass"}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("admin")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(cluster_total(&app, &admin).await, 0);
}

#[tokio::test]
async fn a_body_over_256_kib_is_413() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"name": "x".repeat(256 * 1024), "industry": "glass"});
    let response = app.post_json("/api/v1/clusters", &admin, &body).await;
    let problem = assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("262144"),
        "{problem}"
    );

    // Streamed without a Content-Length, it is cut off at the limit too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 8 * 1024])).collect();
    let response = app
        .client
        .post(app.url("/api/v1/clusters"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;

    // Just under the limit is accepted as far as size goes (then refused as too long a name).
    let body = json!({"name": "x".repeat(200 * 1024), "industry": "glass"});
    let response = app.post_json("/api/v1/clusters", &admin, &body).await;
    assert_eq!(invalid_fields(response).await, ["name"]);
    assert_eq!(cluster_total(&app, &admin).await, 0);
}

#[tokio::test]
async fn the_body_limit_comes_from_the_settings() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        settings.server.body_limit_bytes = 64
    })
    .await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/api/v1/clusters",
            &admin,
            &json!({"name": "x".repeat(100), "industry": "glass"}),
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn json_that_does_not_fit_is_422_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            json!({"name": "Glass", "industry": "glass", "colour": "green"}),
            "colour",
        ),
        (json!({"name": "Glass"}), "industry"),
        (json!({"name": 5, "industry": "glass"}), "name"),
        (json!(["Glass", "glass"]), "body"),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/v1/clusters", &admin, &body).await;
        assert_eq!(invalid_fields(response).await, [field], "{body}");
    }
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "a@b.test", "password": "x", "remember": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid_fields(response).await, ["remember"]);
    assert_eq!(cluster_total(&app, &admin).await, 0);
}

#[tokio::test]
async fn malformed_queries_and_paths_are_400() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for path in [
        "/api/v1/clusters?limit=ten",
        "/api/v1/clusters?colour=green",
        "/api/v1/professions?cluster_id=glass",
        "/api/v1/clusters/glass",
        "/api/v1/organizations/1.5",
    ] {
        assert_problem(app.get(path, &admin).await, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_unknown_methods_405_problems() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    assert_problem(
        app.get("/api/v1/nothing-here", &admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Paths outside the API are pages: `/` is the sign-in for a stranger.
    let response = app
        .client
        .get(app.url("/api/v2/clusters"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND).await;
    // A path that exists, with a method it does not take: 405 and `Allow`.
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/v1/clusters", "GET, POST"),
        (
            reqwest::Method::PATCH,
            "/api/v1/programs/7",
            "GET, PUT, DELETE",
        ),
        (reqwest::Method::POST, "/api/v1/forecast.xlsx", "GET"),
        (reqwest::Method::PUT, "/api/v1/auth/login", "POST"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
    let response = app
        .client
        .delete(app.url("/api/v1/programs/7/nothing"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_that_integer() {
    let app = spawn_app().await;
    let w = crate::helpers::World::build(&app).await;
    let body = |grade: Value, months: Value| {
        json!({"institution_id": w.college_a.0, "specialty_code": "15.01.32", "title": "Оператор",
               "entry_grade": grade, "duration_months": months,
               "professions": [{"profession_id": (w.cnc_operator as f64), "share": 1}]})
    };
    let response = app
        .post_json(
            "/api/v1/programs",
            &w.admin,
            &body(json!(9.0), json!(3.4e1)),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let response = app
        .post_json("/api/v1/programs", &w.admin, &body(json!(9.5), json!(34)))
        .await;
    assert_eq!(invalid_fields(response).await, ["entry_grade"]);
    let response = app
        .post_json("/api/v1/programs", &w.admin, &body(json!(9), json!(1e30)))
        .await;
    assert_eq!(invalid_fields(response).await, ["duration_months"]);
}

/// Found by schemathesis: years at the ends of i32 overflowed the span's
/// arithmetic (a panic in debug builds, a wrong answer in release ones).
#[tokio::test]
async fn years_at_the_ends_of_the_integers_are_422_not_an_overflow() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for query in [
        "from=-2498376&to=2147483646",
        "from=2147483647",
        "from=-2147483648",
        "from=2030&to=-2147483648",
    ] {
        let response = app.get(&format!("/api/v1/forecast?{query}"), &admin).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let body = json!({"to": 2147483646, "from": -2498376, "intakes": []});
    let response = app
        .post_json("/api/v1/forecast/scenario", &admin, &body)
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let plan = json!({"year": 2027, "from": i32::MIN, "to": i32::MAX, "budget": 10});
    let response = app.post_json("/api/v1/plans/seats", &admin, &plan).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        app.get("/ready", &admin).await.status(),
        StatusCode::OK,
        "the server is up"
    );
}

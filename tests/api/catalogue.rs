use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields, spawn_app, unique};

const ROLES_BUT_ADMIN: [&str; 4] = ["analyst", "school", "college", "enterprise"];

async fn total(app: &TestApp, token: &str, path: &str) -> i64 {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json::<Value>().await.unwrap()["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn an_admin_builds_the_catalogue_and_everyone_reads_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    let response = app
        .post_json(
            "/api/v1/clusters",
            &admin,
            &json!({"name": "Стекольный", "industry": "glass"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let cluster: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/clusters/{}", cluster["id"]));
    assert_eq!(cluster["name"], "Стекольный");

    let cluster_id = cluster["id"].as_i64().unwrap();
    let response = app
        .post_json(
            "/api/v1/professions",
            &admin,
            &json!({"code": "18.02.05", "title": "Оператор стеклоформующих машин", "cluster_id": cluster_id}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let profession: Value = response.json().await.unwrap();
    assert_eq!(profession["code"], "18.02.05");
    assert_eq!(profession["cluster_id"], cluster_id);

    let response = app
        .post_json(
            "/api/v1/organizations",
            &admin,
            &json!({"kind": "college", "name": "Гусевской стекольный колледж", "town": "Гусь-Хрустальный",
                    "email": "Info@GSK.test", "cluster_ids": [cluster_id]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let organization: Value = response.json().await.unwrap();
    assert_eq!(organization["kind"], "college");
    assert_eq!(organization["email"], "info@gsk.test");
    assert_eq!(organization["cluster_ids"], json!([cluster_id]));

    for role in ROLES_BUT_ADMIN {
        let token = app.token_for_role(&admin, role).await;
        let read: Value = app
            .get(&format!("/api/v1/clusters/{cluster_id}"), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read, cluster, "{role}");
        let read: Value = app
            .get(&format!("/api/v1/professions/{}", profession["id"]), &token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read, profession, "{role}");
        let read: Value = app
            .get(
                &format!("/api/v1/organizations/{}", organization["id"]),
                &token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read, organization, "{role}");
        assert_eq!(
            total(&app, &token, "/api/v1/professions").await,
            1,
            "{role}"
        );
    }
}

#[tokio::test]
async fn nobody_but_an_admin_may_write_the_catalogue() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cluster_id = app.create_cluster(&admin, "Glass").await;
    let writes = [
        (
            "/api/v1/clusters",
            json!({"name": "Chemistry", "industry": "chemical"}),
        ),
        (
            "/api/v1/professions",
            json!({"code": "13.01.10", "title": "Electrician", "cluster_id": cluster_id}),
        ),
        (
            "/api/v1/organizations",
            json!({"kind": "enterprise", "name": "ЗиД", "town": "Ковров", "email": "a@zid.test", "cluster_ids": []}),
        ),
        (
            "/api/v1/users",
            json!({"email": "x@kadry.test", "role": "admin", "password": "long-enough-1"}),
        ),
    ];
    for role in ROLES_BUT_ADMIN {
        let token = app.token_for_role(&admin, role).await;
        for (path, body) in &writes {
            let response = app.post_json(path, &token, body).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{role} POST {path}"
            );
            assert_problem(response, StatusCode::FORBIDDEN).await;
        }
    }
    assert_eq!(total(&app, &admin, "/api/v1/clusters").await, 1);
    assert_eq!(total(&app, &admin, "/api/v1/professions").await, 0);
    // The organizations made for the four role users, and no more.
    assert_eq!(
        total(&app, &admin, "/api/v1/organizations?kind=enterprise").await,
        1
    );
    let response = app.login("x@kadry.test", "long-enough-1").await;
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn the_catalogue_needs_a_token_to_read() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/clusters",
        "/api/v1/professions",
        "/api/v1/organizations",
        "/api/v1/clusters/1",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn duplicates_are_conflicts_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cluster_id = app.create_cluster(&admin, "Glass").await;
    let response = app
        .post_json(
            "/api/v1/clusters",
            &admin,
            &json!({"name": "Glass", "industry": "other"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;

    let profession = json!({"code": "15.01.32", "title": "CNC operator", "cluster_id": cluster_id});
    app.create("/api/v1/professions", &admin, profession.clone())
        .await;
    let response = app
        .post_json("/api/v1/professions", &admin, &profession)
        .await;
    let body = assert_problem(response, StatusCode::CONFLICT).await;
    assert!(
        body["detail"].as_str().unwrap().contains("15.01.32"),
        "{body}"
    );

    let organization =
        json!({"kind": "school", "name": "Школа № 1", "town": "Ковров", "email": "s1@school.test"});
    app.create("/api/v1/organizations", &admin, organization.clone())
        .await;
    let response = app
        .post_json("/api/v1/organizations", &admin, &organization)
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
    // The same name for another kind of organization is fine.
    let mut enterprise = organization.clone();
    enterprise["kind"] = json!("enterprise");
    app.create("/api/v1/organizations", &admin, enterprise)
        .await;

    assert_eq!(total(&app, &admin, "/api/v1/clusters").await, 1);
    assert_eq!(total(&app, &admin, "/api/v1/professions").await, 1);
    assert_eq!(total(&app, &admin, "/api/v1/organizations").await, 2);
}

#[tokio::test]
async fn invalid_catalogue_entries_name_every_bad_field_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cluster_id = app.create_cluster(&admin, "Glass").await;

    let response = app
        .post_json(
            "/api/v1/clusters",
            &admin,
            &json!({"name": "  ", "industry": "x".repeat(201)}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["name", "industry"]);

    let response = app
        .post_json(
            "/api/v1/professions",
            &admin,
            &json!({"code": "P:1;2", "title": "", "cluster_id": 0}),
        )
        .await;
    assert_eq!(
        invalid_fields(response).await,
        ["code", "title", "cluster_id"]
    );

    let response = app
        .post_json(
            "/api/v1/professions",
            &admin,
            &json!({"code": "15181", "title": "Kiln operator", "cluster_id": cluster_id + 100}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["cluster_id"]);

    let response = app
        .post_json(
            "/api/v1/organizations",
            &admin,
            &json!({"kind": "college", "name": "A", "town": "B", "email": "not-an-email",
                    "cluster_ids": [cluster_id]}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["email"]);

    let response = app
        .post_json(
            "/api/v1/organizations",
            &admin,
            &json!({"kind": "factory", "name": "A", "town": "B", "email": "a@b.test"}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["kind"]);

    let response = app
        .post_json(
            "/api/v1/organizations",
            &admin,
            &json!({"kind": "college", "name": "A", "town": "B", "email": "a@b.test",
                    "cluster_ids": [cluster_id, 9999, cluster_id, -1]}),
        )
        .await;
    assert_eq!(
        invalid_fields(response).await,
        ["cluster_ids[2]", "cluster_ids[3]"]
    );

    let response = app
        .post_json(
            "/api/v1/organizations",
            &admin,
            &json!({"kind": "college", "name": "A", "town": "B", "email": "a@b.test",
                    "cluster_ids": [cluster_id, 9999]}),
        )
        .await;
    assert_eq!(invalid_fields(response).await, ["cluster_ids[1]"]);

    assert_eq!(total(&app, &admin, "/api/v1/clusters").await, 1);
    assert_eq!(total(&app, &admin, "/api/v1/professions").await, 0);
    assert_eq!(total(&app, &admin, "/api/v1/organizations").await, 0);
}

#[tokio::test]
async fn lists_filter_and_page() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let glass = app.create_cluster(&admin, "Glass").await;
    let machines = app.create_cluster(&admin, "Machines").await;
    for (code, cluster_id) in [
        ("18.01.34", glass),
        ("18.02.05", glass),
        ("15.01.32", machines),
        ("15.01.38", machines),
        ("15.02.16", machines),
    ] {
        app.create(
            "/api/v1/professions",
            &admin,
            json!({"code": code, "title": format!("Profession {code}"), "cluster_id": cluster_id}),
        )
        .await;
    }
    let page: Value = app
        .get(
            &format!("/api/v1/professions?cluster_id={machines}&limit=2"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    let codes: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["15.01.32", "15.01.38"]);

    let page: Value = app
        .get(
            &format!("/api/v1/professions?cluster_id={machines}&limit=2&offset=2"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["code"], "15.02.16");

    let past_the_end: Value = app
        .get("/api/v1/professions?offset=50", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past_the_end, json!({"items": [], "total": 5}));

    for kind in ["school", "school", "enterprise"] {
        app.create_organization(&admin, kind, &unique(kind)).await;
    }
    let schools: Value = app
        .get("/api/v1/organizations?kind=school", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(schools["total"], 2);
    assert!(
        schools["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["kind"] == "school")
    );

    let response = app
        .get("/api/v1/clusters?limit=501&offset=-1", &admin)
        .await;
    assert_eq!(invalid_fields(response).await, ["limit", "offset"]);
    let response = app.get("/api/v1/clusters?limit=0", &admin).await;
    assert_eq!(invalid_fields(response).await, ["limit"]);
    let response = app.get("/api/v1/organizations?kind=factory", &admin).await;
    assert_problem(response, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for path in [
        "/api/v1/clusters/4242",
        "/api/v1/professions/4242",
        "/api/v1/organizations/4242",
        "/api/v1/users/4242",
        "/api/v1/clusters/0",
        "/api/v1/clusters/-5",
    ] {
        assert_problem(app.get(path, &admin).await, StatusCode::NOT_FOUND).await;
    }
}

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, invalid_fields, spawn_app, spawn_app_with, unique};

#[tokio::test]
async fn an_admin_creates_users_of_every_role_who_can_sign_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let school = app.create_organization(&admin, "school", "Школа № 2").await;
    let university = app.create_organization(&admin, "university", "ВлГУ").await;
    let enterprise = app
        .create_organization(&admin, "enterprise", "Точмаш")
        .await;
    for (role, organization_id) in [
        ("admin", None),
        ("analyst", None),
        ("school", Some(school)),
        ("college", Some(university)),
        ("enterprise", Some(enterprise)),
    ] {
        let email = format!("{}@kadry.test", unique(role));
        let response = app
            .post_json(
                "/api/v1/users",
                &admin,
                &json!({"email": email, "role": role, "organization_id": organization_id, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{role}");
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let user: Value = response.json().await.unwrap();
        assert_eq!(
            user,
            json!({"id": user["id"], "email": email, "role": role, "organization_id": organization_id, "disabled": false, "invited": false})
        );
        let fetched: Value = app.get(&location, &admin).await.json().await.unwrap();
        assert_eq!(fetched, user);

        let token = app.token_for(&email, PASSWORD).await;
        let me: Value = app.get("/api/v1/me", &token).await.json().await.unwrap();
        assert_eq!(me, user);
    }
}

#[tokio::test]
async fn users_must_belong_to_an_organization_of_their_kind() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let school = app.create_organization(&admin, "school", "Школа № 3").await;
    let cases = [
        (
            json!({"email": "a@k.test", "role": "analyst", "organization_id": school}),
            "organization_id",
        ),
        (
            json!({"email": "a@k.test", "role": "school"}),
            "organization_id",
        ),
        (
            json!({"email": "a@k.test", "role": "college", "organization_id": school}),
            "organization_id",
        ),
        (
            json!({"email": "a@k.test", "role": "school", "organization_id": 9999}),
            "organization_id",
        ),
        (
            json!({"email": "a@k.test", "role": "school", "organization_id": -1}),
            "organization_id",
        ),
        (json!({"email": "a@k", "role": "analyst"}), "email"),
        (
            json!({"email": "a@k.test", "role": "analyst", "password": "short"}),
            "password",
        ),
        (json!({"email": "a@k.test", "role": "superuser"}), "role"),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/v1/users", &admin, &body).await;
        assert_eq!(invalid_fields(response).await, [field], "{body}");
    }
    assert_problem(
        app.login("a@k.test", "short").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn an_email_is_taken_once_whatever_its_case() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": "Analyst@K.test", "role": "analyst"}),
    )
    .await;
    let response = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"email": "analyst@k.test", "role": "analyst"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn only_admins_read_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for role in ["analyst", "school", "college", "enterprise"] {
        let token = app.token_for_role(&admin, role).await;
        assert_problem(
            app.get("/api/v1/users/1", &token).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cluster_id = app.create_cluster(&admin, "Glass").await;
    let email = format!("{}@kadry.test", unique("analyst"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst", "password": PASSWORD}),
    )
    .await;
    let db = app.stop().await;

    let app = spawn_app_with(db, |_| {}).await;
    // The token from before the restart is still good: the secret is the same.
    let cluster: Value = app
        .get(&format!("/api/v1/clusters/{cluster_id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cluster["name"], "Glass");
    app.token_for(&email, PASSWORD).await;
}

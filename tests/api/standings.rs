//! The users each process keeps in memory for the check of every request
//! stay exact: a user changed through one process, or in the database by
//! hand, loses their old token at once on another process that had them
//! kept, on SQLite (two processes on one file) and on PostgreSQL (two
//! processes on one database, the change announced by the trigger; a change
//! through kadry is answered once its notice has gone out, a change by hand
//! reaches the processes with the notice).

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, World, connect, spawn_app, unique};
use crate::security::Served;

async fn me(client: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET /me")
        .status()
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> Option<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("POST login");
    if response.status() != StatusCode::OK {
        return None;
    }
    let body: serde_json::Value = response.json().await.unwrap();
    body["access_token"].as_str().map(str::to_string)
}

#[tokio::test]
async fn a_user_changed_anywhere_loses_the_old_token_at_once_on_every_process() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let other = Served::start(&app.db, "");
    let client = &app.client;
    let servers = [app.address.clone(), other.address.clone()];
    let email = format!("{}@kadry.test", unique("kept"));
    let id = app
        .create(
            "/api/v1/users",
            &w.admin,
            json!({"email": email, "role": "college", "organization_id": w.college_a.0, "password": PASSWORD}),
        )
        .await;
    let path = format!("/api/v1/users/{id}");
    let roles = [
        json!({"role": "analyst"}),
        json!({"role": "college", "organization_id": w.college_b.0}),
        json!({"disabled": true}),
        json!({"disabled": false}),
    ];

    for round in 0..12 {
        // The change goes through one server; the other had the user kept.
        let (writer, watcher) = (&servers[round % 2], &servers[(round + 1) % 2]);
        let token = login(client, watcher, &email)
            .await
            .expect("the user signs in before the change");
        for server in &servers {
            for _ in 0..3 {
                assert_eq!(me(client, server, &token).await, StatusCode::OK);
            }
        }
        let change = &roles[round % roles.len()];
        let changed = client
            .patch(format!("{writer}{path}"))
            .bearer_auth(&w.admin)
            .json(change)
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), StatusCode::OK, "round {round}: {change}");
        assert_eq!(
            me(client, watcher, &token).await,
            StatusCode::UNAUTHORIZED,
            "round {round}: the other process still took the token after {change}"
        );
        assert_eq!(
            me(client, writer, &token).await,
            StatusCode::UNAUTHORIZED,
            "round {round}: the changing process still took the token after {change}"
        );
        if change["disabled"] == true {
            assert_eq!(login(client, watcher, &email).await, None);
            client
                .patch(format!("{writer}{path}"))
                .bearer_auth(&w.admin)
                .json(&json!({"disabled": false}))
                .send()
                .await
                .unwrap();
        }
        let fresh = login(client, watcher, &email)
            .await
            .expect("a new sign-in works after the change");
        for server in &servers {
            assert_eq!(me(client, server, &fresh).await, StatusCode::OK);
        }
    }

    // Changed in the database by hand, through no kadry process at all.
    let token = login(client, &servers[1], &email).await.unwrap();
    for server in &servers {
        assert_eq!(me(client, server, &token).await, StatusCode::OK);
    }
    diesel::sql_query(format!("UPDATE users SET disabled = TRUE WHERE id = {id}"))
        .execute(&mut connect(&app.db))
        .unwrap();
    // SQLite: at once, every check reads the counter. PostgreSQL: when the
    // trigger's notice arrives, with no kadry process to wait for it, so
    // within a moment (the notice takes well under a millisecond here).
    let moment = if app.db.is_postgres() { 100 } else { 0 };
    for server in &servers {
        let mut refused = me(client, server, &token).await == StatusCode::UNAUTHORIZED;
        for _ in 0..moment {
            if refused {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            refused = me(client, server, &token).await == StatusCode::UNAUTHORIZED;
        }
        assert!(
            refused,
            "{server} still took the token of a user disabled in the database"
        );
    }
}

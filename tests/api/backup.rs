//! `kadry backup FILE` while kadry serves writes: on SQLite a copy that
//! passes `PRAGMA integrity_check` and serves as it is; on PostgreSQL a
//! `pg_dump` archive.

use std::process::Command;

use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use serde_json::json;

use crate::helpers::{JWT_SECRET, TestDatabase, World, spawn_app, spawn_app_with};

fn backup(url: &str, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kadry"))
        .args(["backup", &file.display().to_string()])
        .env("KADRY_DATABASE_URL", url)
        .env("KADRY_JWT_SECRET", JWT_SECRET)
        .env("KADRY_LOG", "error")
        .output()
        .expect("run kadry backup")
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[tokio::test]
async fn a_backup_taken_during_writes_is_whole_and_serves() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let (school, token) = w.school_a.clone();
    // 20 pupils before the backup: the copy must hold them.
    for i in 0..20 {
        app.create(
            "/api/v1/pupils",
            &token,
            json!({"school_id": school, "external_ref": format!("A-{i:03}"), "grade": 7, "academic_year": 2026, "consent": true, "interests": []}),
        )
        .await;
    }
    // 150 more written one after another while the backup runs.
    let writer = {
        let client = app.client.clone();
        let url = app.url("/api/v1/pupils");
        tokio::spawn(async move {
            let mut written = 0;
            for i in 0..150 {
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"school_id": school, "external_ref": format!("B-{i:03}"), "grade": 7, "academic_year": 2026, "consent": true, "interests": []}))
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                written += 1;
            }
            written
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.db");
    let url = app.db.url.clone();
    let copy = file.clone();
    let output = tokio::task::spawn_blocking(move || backup(&url, &copy))
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(writer.await.unwrap(), 150, "the writes went on");
    if app.db.is_postgres() {
        assert!(output.status.success(), "{said}");
        assert!(said.contains("pg_dump wrote"), "{said}");
        let archive = std::fs::read(&file).unwrap();
        assert_eq!(&archive[..5], b"PGDMP", "a pg_dump custom archive");
        let listed = Command::new("pg_restore")
            .arg("--list")
            .arg(&file)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&listed.stdout).contains("TABLE DATA public pupils"));
        return;
    }
    assert!(output.status.success(), "{said}");
    assert!(said.contains("copied"), "{said}");
    let mut conn = SqliteConnection::establish(&file.display().to_string()).unwrap();
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
    drop(conn);

    // A second backup to the same file is refused: nothing is overwritten.
    let again = backup(&app.db.url, &file);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // The copy serves as it is: the users sign in, the pupils copied are there.
    let restored = TestDatabase::new();
    let path = restored.url.trim_start_matches("sqlite://").to_string();
    std::fs::copy(&file, &path).unwrap();
    let served = spawn_app_with(restored, |_| {}).await;
    let admin = served.admin_token().await;
    let pupils = served
        .get_json(
            &format!("/api/v1/pupils?school_id={}&limit=1", w.school_a.0),
            &admin,
        )
        .await;
    let total = pupils["total"].as_i64().unwrap();
    assert!(
        (20..=170).contains(&total),
        "the 20 written before and some of the rest: {total}"
    );
    let health = served
        .client
        .get(served.url("/health"))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
}

#[test]
fn postgres_without_pg_dump_is_told_to_use_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kadry"))
        .args(["backup", &dir.path().join("x.dump").display().to_string()])
        .env("KADRY_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("KADRY_JWT_SECRET", JWT_SECRET)
        .env("KADRY_LOG", "error")
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("pg_dump --format=custom"), "{said}");
}

//! `spawn_app()`: the real application on port 0 with a fresh database, and typed helpers to talk to it.

use std::time::Duration;

use diesel::RunQueryDsl;
use kadry::config::Settings;
use kadry::startup::Application;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-42";
pub const ADMIN_EMAIL: &str = "admin@kadry.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "user-password-1";

/// A database made for one test: a SQLite file in a temporary folder, or,
/// when KADRY_TEST_DATABASE_URL is set, a new PostgreSQL database dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn new() -> Self {
        match std::env::var("KADRY_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
        {
            Some(server) if server.starts_with("postgres") => {
                let name = format!("kadry_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = kadry::db::establish_postgres(&server)
                    .unwrap_or_else(|e| panic!("cannot reach KADRY_TEST_DATABASE_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("creating a test database");
                Self {
                    url: with_database(&server, &name),
                    postgres: Some((server, name)),
                    _dir: None,
                }
            }
            Some(other) => {
                panic!("KADRY_TEST_DATABASE_URL must be a postgres:// URL, not {other:?}")
            }
            None => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}", dir.path().join("kadry.db").display());
                Self {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The PostgreSQL server URL and this test's database name.
    pub fn postgres(&self) -> Option<(&str, &str)> {
        self.postgres
            .as_ref()
            .map(|(server, name)| (server.as_str(), name.as_str()))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres
            && let Ok(mut admin) = kadry::db::establish_postgres(server)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// A connection of kadry's own to a test's database, to look behind the API.
pub fn connect(db: &TestDatabase) -> kadry::db::DbConnection {
    kadry::db::ConnectionManager::new(kadry::db::DatabaseUrl::parse(&db.url).unwrap(), 5000)
        .connect()
        .unwrap()
}

/// The server URL with its database name replaced.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

pub fn test_settings(database_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env: Vec<(String, String)> = vec![
        ("KADRY_DATABASE_URL".into(), database_url.into()),
        ("KADRY_BIND".into(), "127.0.0.1:0".into()),
        ("KADRY_JWT_SECRET".into(), JWT_SECRET.into()),
        ("KADRY_ADMIN_EMAIL".into(), ADMIN_EMAIL.into()),
        ("KADRY_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        ("KADRY_WORKERS".into(), "2".into()),
        ("KADRY_DATABASE_POOL_SIZE".into(), "4".into()),
    ];
    for (key, value) in extra {
        env.retain(|(k, _)| k != key);
        env.push((key.to_string(), value.to_string()));
    }
    let mut settings =
        Settings::from_sources(|name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("test settings");
    // Keep sign-in throttling quick in tests; its own tests set it explicitly.
    settings.auth.login_throttle.slow_down_ms = 0;
    // No pruning behind the tests' backs; its own tests call it.
    settings.retention.prune_every_seconds = 0;
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    handle: actix_web::dev::ServerHandle,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestDatabase::new(), |_| {}).await
}

/// Starts the application on `db`, after `adjust` has changed its settings.
pub async fn spawn_app_with(db: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(&db.url, &[]);
    adjust(&mut settings);
    let application = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
        db,
        handle,
    }
}

impl TestApp {
    /// Stops the server and hands back its database, for a restart.
    pub async fn stop(self) -> TestDatabase {
        self.handle.stop(true).await;
        self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("POST login")
    }

    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in as {email}");
        let body: Value = response.json().await.expect("a token body");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn admin_token(&self) -> String {
        self.token_for(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates something as `token` and returns its id, asserting 201.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> i64 {
        let response = self.post_json(path, token, &body).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {text}");
        let created: Value = serde_json::from_str(&text).expect("a JSON body");
        created["id"].as_i64().expect("an id")
    }

    pub async fn create_cluster(&self, admin: &str, name: &str) -> i64 {
        self.create(
            "/api/v1/clusters",
            admin,
            json!({"name": name, "industry": "glass"}),
        )
        .await
    }

    pub async fn create_organization(&self, admin: &str, kind: &str, name: &str) -> i64 {
        self.create(
            "/api/v1/organizations",
            admin,
            json!({"kind": kind, "name": name, "town": "Владимир", "email": format!("{}@org.test", unique("office")), "cluster_ids": []}),
        )
        .await
    }

    /// Creates a user of `role` (with a fresh organization of the right kind
    /// where the role needs one) and returns a token for it.
    pub async fn token_for_role(&self, admin: &str, role: &str) -> String {
        let organization_id = match role {
            "school" => Some(
                self.create_organization(admin, "school", &unique("School"))
                    .await,
            ),
            "college" => Some(
                self.create_organization(admin, "college", &unique("College"))
                    .await,
            ),
            "enterprise" => Some(
                self.create_organization(admin, "enterprise", &unique("Plant"))
                    .await,
            ),
            _ => None,
        };
        let email = format!("{}@kadry.test", unique(role));
        self.create(
            "/api/v1/users",
            admin,
            json!({"email": email, "role": role, "organization_id": organization_id, "password": PASSWORD}),
        )
        .await;
        self.token_for(&email, PASSWORD).await
    }
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Asserts a problem+json answer with `status`, and returns its body.
pub async fn assert_problem(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "body: {text}");
    assert_eq!(content_type, "application/problem+json", "body: {text}");
    let body: Value = serde_json::from_str(&text).expect("a JSON problem");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(body["title"].is_string(), "{body}");
    assert!(body["type"].is_string(), "{body}");
    assert!(body["detail"].is_string(), "{body}");
    body
}

/// The fields named by a 422 answer.
pub async fn invalid_fields(response: Response) -> Vec<String> {
    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    body["errors"]
        .as_array()
        .expect("an errors array")
        .iter()
        .map(|error| error["field"].as_str().expect("a field").to_string())
        .collect()
}

impl TestApp {
    /// A user of `role` in organization `organization_id`, signed in.
    pub async fn token_in(&self, admin: &str, role: &str, organization_id: i64) -> String {
        let email = format!("{}@kadry.test", unique(role));
        self.create(
            "/api/v1/users",
            admin,
            json!({"email": email, "role": role, "organization_id": organization_id, "password": PASSWORD}),
        )
        .await;
        self.token_for(&email, PASSWORD).await
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let response = self.get(path, token).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        serde_json::from_str(&text).expect("a JSON body")
    }
}

/// Two organisations of each kind with a signed-in user each, two clusters
/// and three professions: enough to show who may touch what.
pub struct World {
    pub admin: String,
    pub analyst: String,
    pub glass: i64,
    pub machines: i64,
    /// In glass.
    pub glass_operator: i64,
    /// In machines.
    pub cnc_operator: i64,
    /// In machines.
    pub welder: i64,
    pub school_a: (i64, String),
    pub school_b: (i64, String),
    pub college_a: (i64, String),
    pub college_b: (i64, String),
    pub enterprise_a: (i64, String),
    pub enterprise_b: (i64, String),
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let admin = app.admin_token().await;
        let analyst = app.token_for_role(&admin, "analyst").await;
        let glass = app.create_cluster(&admin, "Glass").await;
        let machines = app.create_cluster(&admin, "Machines").await;
        let profession = |code: &str, cluster: i64| json!({"code": code, "title": format!("Profession {code}"), "cluster_id": cluster});
        let glass_operator = app
            .create("/api/v1/professions", &admin, profession("18.02.05", glass))
            .await;
        let cnc_operator = app
            .create(
                "/api/v1/professions",
                &admin,
                profession("15.01.32", machines),
            )
            .await;
        let welder = app
            .create(
                "/api/v1/professions",
                &admin,
                profession("22.02.06", machines),
            )
            .await;
        let mut orgs = Vec::new();
        for (kind, role, name) in [
            ("school", "school", "Школа А"),
            ("school", "school", "Школа Б"),
            ("college", "college", "Колледж А"),
            ("university", "college", "Университет Б"),
            ("enterprise", "enterprise", "Завод А"),
            ("enterprise", "enterprise", "Завод Б"),
        ] {
            let id = app.create_organization(&admin, kind, name).await;
            let token = app.token_in(&admin, role, id).await;
            orgs.push((id, token));
        }
        let mut orgs = orgs.into_iter();
        let mut next = || orgs.next().expect("six organisations");
        World {
            admin,
            analyst,
            glass,
            machines,
            glass_operator,
            cnc_operator,
            welder,
            school_a: next(),
            school_b: next(),
            college_a: next(),
            college_b: next(),
            enterprise_a: next(),
            enterprise_b: next(),
        }
    }
}

/// Takes the database away the way each backend really fails, until the
/// returned function is called: PostgreSQL's connections are cut and the
/// database renamed (every query fails); SQLite's write lock is held by
/// another connection (writes time out; WAL readers still work). Start the
/// app with short database timeouts.
pub fn take_database_away(app: &TestApp) -> Box<dyn FnOnce()> {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    if let Some((server, name)) = app.db.postgres() {
        let mut control = kadry::db::establish_postgres(server).unwrap();
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .execute(&mut control)
        .unwrap();
        diesel::sql_query(format!("ALTER DATABASE {name} RENAME TO {name}_away"))
            .execute(&mut control)
            .unwrap();
        let name = name.to_string();
        Box::new(move || {
            diesel::sql_query(format!("ALTER DATABASE {name}_away RENAME TO {name}"))
                .execute(&mut control)
                .unwrap();
        })
    } else {
        let path = app.db.url.trim_start_matches("sqlite://").to_string();
        let mut holder = SqliteConnection::establish(&path).unwrap();
        holder.batch_execute("BEGIN IMMEDIATE;").unwrap();
        Box::new(move || holder.batch_execute("COMMIT;").unwrap())
    }
}

/// Whether the app's `/ready` answers 200 within about four seconds (after
/// `take_database_away`'s release).
pub async fn ready_again(app: &TestApp) -> bool {
    for _ in 0..20 {
        let response = app.client.get(app.url("/ready")).send().await.unwrap();
        if response.status() == reqwest::StatusCode::OK {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}

//! What the HTTP benchmarks share: the demo region loaded into fresh
//! databases, `kadry serve` as a child process, signing in.

#![allow(dead_code)] // each benchmark uses its own part of this

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::Value;

pub const KADRY: &str = env!("CARGO_BIN_EXE_kadry");
pub const SECRET: &str = "bench-secret-bench-secret-bench-secret";

/// A `kadry serve` child, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The setting `name` from the environment, or `default`.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The databases a benchmark runs on: a fresh SQLite file, and a fresh
/// PostgreSQL database `name` when `KADRY_BENCH_DATABASE_URL` names a
/// server (dropped again at the end).
pub struct Backends {
    _dir: tempfile::TempDir,
    pub list: Vec<(&'static str, String)>,
    server: Option<(String, String)>,
}

impl Backends {
    pub fn fresh(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut list = vec![(
            "SQLite",
            format!(
                "sqlite://{}",
                dir.path().join(format!("{name}.db")).display()
            ),
        )];
        let server = std::env::var("KADRY_BENCH_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"));
        if let Some(server) = &server {
            let mut admin =
                kadry::db::establish_postgres(server).expect("reach the PostgreSQL server");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap();
            let base = server
                .rsplit_once('/')
                .map_or(server.as_str(), |(base, _)| base);
            list.push(("PostgreSQL", format!("{base}/{name}")));
        }
        Self {
            _dir: dir,
            list,
            server: server.map(|s| (s, name.to_string())),
        }
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.server
            && let Ok(mut admin) = kadry::db::establish_postgres(server)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// Runs the `kadry` command with `args` on the database at `url`.
pub fn kadry(url: &str, args: &[&str]) {
    let status = Command::new(KADRY)
        .args(args)
        .env("KADRY_DATABASE_URL", url)
        .env("KADRY_JWT_SECRET", SECRET)
        .env("KADRY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run kadry");
    assert!(status.success(), "kadry {args:?} failed on {url}");
}

/// Loads the demo region with `pupils` pupils into the database at `url`.
pub fn load_demo(url: &str, pupils: usize) {
    kadry(
        url,
        &["demo", "--no-serve", "--pupils", &pupils.to_string()],
    );
}

/// Starts `kadry serve` on the database at `url`, on a free port, with the
/// log email transport and `extra` settings.
pub fn serve(url: &str, extra: &[(&str, &str)]) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(KADRY);
    command
        .arg("serve")
        .env("KADRY_DATABASE_URL", url)
        .env("KADRY_BIND", format!("127.0.0.1:{port}"))
        .env("KADRY_JWT_SECRET", SECRET)
        .env("KADRY_LOG", "warn")
        .env("KADRY_EMAIL_URL", "log")
        .stderr(Stdio::null());
    for (key, value) in extra {
        command.env(key, value);
    }
    Server {
        child: command.spawn().expect("start kadry serve"),
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// Waits (at most 30 s) until the server at `base` is ready.
pub async fn ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client
            .get(format!("{base}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not get ready");
}

/// An API token for a demo user.
pub async fn token(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token for {email}"))
        .to_string()
}

/// A page session (`kadry_session=…`) for a demo user; `client` must not
/// follow redirects.
pub async fn session(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let signed_in = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kadry_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// The `q` quantile of `times`, in milliseconds.
pub fn quantile(times: &mut [Duration], q: f64) -> f64 {
    times.sort();
    times[((times.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
}

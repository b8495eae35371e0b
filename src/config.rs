//! Settings: config/default.toml (compiled in), then a file named by KADRY_CONFIG, then KADRY_* variables.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::domain::{Language, Zone};

const DEFAULTS: &str = include_str!("../config/default.toml");

/// Environment variables and the settings they override.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("KADRY_BIND", "server.bind"),
    ("KADRY_BODY_LIMIT_BYTES", "server.body_limit_bytes"),
    ("KADRY_IMPORT_LIMIT_BYTES", "server.import_limit_bytes"),
    ("KADRY_WORKERS", "server.workers"),
    ("KADRY_METRICS_TOKEN", "server.metrics_token"),
    ("KADRY_DATABASE_URL", "database.url"),
    ("KADRY_DATABASE_POOL_SIZE", "database.pool_size"),
    ("KADRY_DATABASE_TIMEOUT_SECONDS", "database.timeout_seconds"),
    (
        "KADRY_SQLITE_BUSY_TIMEOUT_MS",
        "database.sqlite_busy_timeout_ms",
    ),
    ("KADRY_JWT_SECRET", "auth.jwt_secret"),
    ("KADRY_TOKEN_TTL_SECONDS", "auth.token_ttl_seconds"),
    ("KADRY_ADMIN_EMAIL", "auth.admin_email"),
    ("KADRY_ADMIN_PASSWORD", "auth.admin_password"),
    ("KADRY_LOG", "log.filter"),
    ("KADRY_EMAIL_URL", "email.url"),
    ("KADRY_EMAIL_FROM", "email.from"),
    ("KADRY_PUBLIC_URL", "email.public_url"),
    ("KADRY_EMAIL_LANGUAGE", "email.language"),
    ("KADRY_EMAIL_KEEP_SENT_DAYS", "email.keep_sent_days"),
    ("KADRY_KEEP_PUPIL_YEARS", "retention.keep_pupil_years"),
    ("KADRY_PRUNE_EVERY_SECONDS", "retention.prune_every_seconds"),
    ("KADRY_TIME_ZONE", "region.time_zone"),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub email: EmailSettings,
    pub retention: RetentionSettings,
    pub region: RegionSettings,
    pub log: LogSettings,
}

/// The region kadry serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSettings {
    /// The local time pages show and take.
    pub time_zone: Zone,
}

/// How long personal data is kept (see config/default.toml).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub keep_pupil_years: i32,
    pub prune_every_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub url: EmailUrl,
    pub from: String,
    pub public_url: String,
    pub language: Language,
    pub worker: bool,
    pub max_attempts: i32,
    pub retry_base_seconds: i64,
    pub lease_seconds: i64,
    pub poll_interval_ms: u64,
    pub batch_size: i64,
    pub timeout_seconds: u64,
    pub invitation_ttl_hours: i64,
    pub shortage_check_seconds: u64,
    pub keep_sent_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub body_limit_bytes: usize,
    pub import_limit_bytes: usize,
    pub workers: usize,
    /// The bearer token `/metrics` asks of a scraper; unset, `/metrics` is 404.
    #[serde(default)]
    pub metrics_token: Option<MetricsToken>,
}

/// The scraper's token: never written out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<set>")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub pool_size: u32,
    pub timeout_seconds: u64,
    pub sqlite_busy_timeout_ms: u32,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    #[serde(default)]
    pub jwt_secret: Option<String>,
    pub token_ttl_seconds: i64,
    pub issuer: String,
    pub audience: String,
    #[serde(default)]
    pub admin_email: Option<String>,
    #[serde(default)]
    pub admin_password: Option<String>,
    pub login_throttle: ThrottleSettings,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("token_ttl_seconds", &self.token_ttl_seconds)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("admin_email", &self.admin_email)
            .field("login_throttle", &self.login_throttle)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSettings {
    pub window_seconds: i64,
    pub slow_down_after: u32,
    pub slow_down_ms: u64,
    pub max_failures: u32,
    pub lockout_seconds: i64,
    /// Failed sign-ins from one client address, whatever the emails, before
    /// that address is refused for `lockout_seconds`.
    pub max_failures_per_address: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
}

impl Settings {
    /// Reads the settings the way `kadry` does: defaults, KADRY_CONFIG, the environment.
    pub fn load() -> anyhow::Result<Self> {
        Self::from_sources(|name| std::env::var(name).ok())
    }

    /// Same as `load`, with the environment given as a lookup function.
    pub fn from_sources(env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = env("KADRY_CONFIG") {
            builder = builder.add_source(config::File::from(PathBuf::from(&path)).required(true));
        }
        for (variable, key) in ENV_OVERRIDES {
            if let Some(value) = env(variable).filter(|v| !v.is_empty()) {
                builder = builder.set_override(*key, value)?;
            }
        }
        let settings: Settings = builder
            .build()
            .context("reading the settings")?
            .try_deserialize()
            .context("reading the settings")?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.database.pool_size == 0 {
            bail!("database.pool_size must be at least 1");
        }
        if self.auth.token_ttl_seconds < 60 {
            bail!("auth.token_ttl_seconds must be at least 60");
        }
        if self.email.max_attempts < 1 || self.email.batch_size < 1 {
            bail!("email.max_attempts and email.batch_size must be at least 1");
        }
        if self.server.body_limit_bytes == 0 {
            bail!("server.body_limit_bytes must be positive");
        }
        if let Some(token) = &self.server.metrics_token
            && (token.0.len() < 16 || !token.0.bytes().all(|b| b.is_ascii_graphic()))
        {
            bail!("server.metrics_token must be at least 16 printable characters without spaces");
        }
        Ok(())
    }
}

/// Where the database is, chosen from the URL's scheme. Anything that is
/// neither PostgreSQL nor SQLite is an error, never a new SQLite file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("the database URL {url:?} names no file");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            bail!(
                "the database URL scheme {scheme:?} is not supported: use sqlite://path or postgres://..."
            );
        }
        if url.is_empty() || url.contains(':') {
            bail!(
                "the database URL {url:?} is neither sqlite://path, a file path, nor postgres://..."
            );
        }
        Ok(Self::Sqlite(PathBuf::from(url)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = anyhow::Error;

    fn try_from(url: String) -> anyhow::Result<Self> {
        Self::parse(&url)
    }
}

/// Where email goes (`KADRY_EMAIL_URL`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum EmailUrl {
    Smtp(String),
    File(PathBuf),
    Log,
}

impl EmailUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if url == "log" {
            return Ok(Self::Log);
        }
        if url.starts_with("smtp://") || url.starts_with("smtps://") {
            return Ok(Self::Smtp(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                bail!("email.url {url:?} names no folder");
            }
            return Ok(Self::File(PathBuf::from(path)));
        }
        bail!("email.url must be smtp://..., smtps://..., file:///folder or log, not {url:?}")
    }
}

impl TryFrom<String> for EmailUrl {
    type Error = anyhow::Error;

    fn try_from(url: String) -> anyhow::Result<Self> {
        Self::parse(&url)
    }
}

/// The HS256 secret: from the settings, else (SQLite only) a random one kept in
/// a file beside the database, created on first start and readable only by its owner.
pub fn resolve_jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.auth.jwt_secret {
        return checked_secret(secret.as_bytes().to_vec(), "KADRY_JWT_SECRET");
    }
    match &settings.database.url {
        DatabaseUrl::Postgres(_) => bail!(
            "KADRY_JWT_SECRET is not set: on PostgreSQL every kadry process must share one \
             secret of at least 32 bytes, so kadry does not invent one"
        ),
        DatabaseUrl::Sqlite(database) => secret_beside(database),
    }
}

fn checked_secret(secret: Vec<u8>, source: &str) -> anyhow::Result<Vec<u8>> {
    if secret.len() < 32 {
        bail!(
            "{source} is {} bytes long; a JWT secret must be at least 32 bytes",
            secret.len()
        );
    }
    Ok(secret)
}

/// The file that holds the generated secret for a SQLite database.
pub fn secret_file_for(database: &Path) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_os_string();
    name.push(".jwt-secret");
    database.with_file_name(name)
}

fn secret_beside(database: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let path = secret_file_for(database);
    if path.exists() {
        let secret = std::fs::read(&path)
            .with_context(|| format!("reading the JWT secret from {}", path.display()))?;
        let secret = String::from_utf8_lossy(&secret).trim().as_bytes().to_vec();
        return checked_secret(secret, &path.display().to_string());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let secret = hex::encode(bytes);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("creating the JWT secret file {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    tracing::info!(
        path = %path.display(),
        "KADRY_JWT_SECRET is not set: generated a random 32-byte secret and kept it in this file"
    );
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_need_no_environment() {
        let settings = Settings::from_sources(env(&[])).unwrap();
        assert_eq!(
            settings.database.url,
            DatabaseUrl::Sqlite(PathBuf::from("kadry.db"))
        );
        assert_eq!(settings.server.bind, "127.0.0.1:8080");
        assert_eq!(settings.auth.token_ttl_seconds, 900);
        assert_eq!(settings.server.body_limit_bytes, 256 * 1024);
    }

    #[test]
    fn environment_overrides_defaults() {
        let settings = Settings::from_sources(env(&[
            ("KADRY_DATABASE_URL", "postgres://db/kadry"),
            ("KADRY_BIND", "0.0.0.0:9000"),
            ("KADRY_TOKEN_TTL_SECONDS", "600"),
        ]))
        .unwrap();
        assert_eq!(
            settings.database.url,
            DatabaseUrl::Postgres("postgres://db/kadry".into())
        );
        assert_eq!(settings.server.bind, "0.0.0.0:9000");
        assert_eq!(settings.auth.token_ttl_seconds, 600);
    }

    #[test]
    fn an_unknown_database_scheme_is_refused() {
        let error =
            Settings::from_sources(env(&[("KADRY_DATABASE_URL", "mysql://x/y")])).unwrap_err();
        let error = format!("{error:#}");
        assert!(error.contains("mysql"), "{error}");
    }

    #[test]
    fn a_short_secret_is_refused() {
        let mut settings = Settings::from_sources(env(&[])).unwrap();
        settings.auth.jwt_secret = Some("too-short".into());
        assert!(resolve_jwt_secret(&settings).is_err());
        settings.auth.jwt_secret = Some("x".repeat(32));
        assert_eq!(resolve_jwt_secret(&settings).unwrap().len(), 32);
    }

    #[test]
    fn postgres_without_a_secret_is_refused() {
        let settings =
            Settings::from_sources(env(&[("KADRY_DATABASE_URL", "postgres://db/kadry")])).unwrap();
        let error = resolve_jwt_secret(&settings).unwrap_err().to_string();
        assert!(error.contains("KADRY_JWT_SECRET"), "{error}");
    }

    #[test]
    fn sqlite_without_a_secret_generates_one_once_readable_only_by_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("kadry.db");
        let url = format!("sqlite://{}", database.display());
        let settings = Settings::from_sources(env(&[("KADRY_DATABASE_URL", &url)])).unwrap();

        let first = resolve_jwt_secret(&settings).unwrap();
        let second = resolve_jwt_secret(&settings).unwrap();
        assert_eq!(first, second, "the secret must survive a restart");
        assert!(first.len() >= 32);
        let file = secret_file_for(&database);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn the_backend_follows_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres("postgres://u@h/db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/kadry.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/kadry.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("kadry.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("kadry.db"))
        );
    }

    #[test]
    fn unknown_schemes_are_errors_not_new_files() {
        for url in [
            "mysql://h/db",
            "postgress://h/db",
            "sqlite://",
            "",
            "c:kadry",
        ] {
            assert!(DatabaseUrl::parse(url).is_err(), "{url:?} was accepted");
        }
    }

    #[test]
    fn the_transport_follows_the_email_url() {
        assert_eq!(EmailUrl::parse("log").unwrap(), EmailUrl::Log);
        assert!(matches!(
            EmailUrl::parse("smtp://u:p@mail:587").unwrap(),
            EmailUrl::Smtp(_)
        ));
        assert!(matches!(
            EmailUrl::parse("smtps://mail").unwrap(),
            EmailUrl::Smtp(_)
        ));
        assert_eq!(
            EmailUrl::parse("file:///tmp/mail").unwrap(),
            EmailUrl::File("/tmp/mail".into())
        );
        for bad in ["", "http://mail", "file://", "mail.example"] {
            assert!(EmailUrl::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bad_email_language_is_refused() {
        let error = Settings::from_sources(env(&[("KADRY_EMAIL_LANGUAGE", "de")])).unwrap_err();
        assert!(format!("{error:#}").contains("de"), "{error:#}");
    }
}

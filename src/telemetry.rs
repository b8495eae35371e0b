//! Logging through tracing: to standard error (standard output is for what
//! a command prints), colour only on a terminal; one JSON object per line
//! with `KADRY_LOG_FORMAT=json`; RUST_LOG when set, else the configured filter.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The log's format, from `KADRY_LOG_FORMAT` (`text`, the default, or `json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn from_env() -> Self {
        match std::env::var("KADRY_LOG_FORMAT").as_deref().map(str::trim) {
            Ok(value) if value.eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => LogFormat::Text,
        }
    }
}

pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    // A second init (tests start many applications) keeps the first subscriber.
    let _ = match LogFormat::from_env() {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
    };
}

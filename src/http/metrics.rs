//! The process's metrics recorder (Prometheus text, `metrics` crate) and
//! what is recorded of every request: by route pattern, method and status,
//! with its latency as a histogram.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets, in seconds: from a kept answer to a slow import.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder, installed the first time it is asked for (a process with
/// `/metrics` on); `None` if another recorder was installed first.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// Records one answered request. `route` is the pattern it matched
/// (`/api/v1/clusters/{id}`), never the path, so that ids do not make new
/// series; requests no route matched are `unmatched`.
pub fn record_request(route: Option<String>, method: &str, status: u16, took: Duration) {
    let route = route.unwrap_or_else(|| "unmatched".into());
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("kadry_http_requests_total", &labels).increment(1);
    metrics::histogram!("kadry_http_request_duration_seconds", &labels).record(took.as_secs_f64());
}

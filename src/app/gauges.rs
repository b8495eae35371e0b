//! What `/metrics` reads at each scrape rather than counts as it happens:
//! the database pool, whether the database answered, the email outbox, the
//! hashing gate and the users kept.

use super::Context;
use crate::auth::password;
use crate::db::outbox;
use crate::error::AppResult;

/// Sets the gauges to how things stand now.
pub async fn measure(ctx: &Context) -> AppResult<()> {
    let pool = ctx.pool.state();
    let idle = f64::from(pool.idle_connections);
    let open = f64::from(pool.connections);
    metrics::gauge!("kadry_db_pool_connections", "state" => "in_use").set(open - idle);
    metrics::gauge!("kadry_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("kadry_db_pool_max_connections").set(f64::from(ctx.pool.max_size()));

    let (running, queued) = password::gate_load();
    metrics::gauge!("kadry_hashing_in_use").set(running as f64);
    metrics::gauge!("kadry_hashing_queued").set(queued as f64);

    metrics::gauge!("kadry_kept_users").set(ctx.standings.kept_count() as f64);

    let load = ctx.run(|conn| Ok(outbox::load(conn)?)).await;
    // Whether the database answered this scrape, for an alert that needs
    // no arithmetic on the 503 counts.
    metrics::gauge!("kadry_database_up").set(if load.is_ok() { 1.0 } else { 0.0 });
    let load = load?;
    metrics::gauge!("kadry_outbox_messages", "status" => "pending").set(load.pending as f64);
    metrics::gauge!("kadry_outbox_messages", "status" => "failed").set(load.failed as f64);
    let age = load.oldest_pending.map_or(0.0, |oldest| {
        let now = chrono::Utc::now().naive_utc();
        (now - oldest).num_milliseconds().max(0) as f64 / 1000.0
    });
    metrics::gauge!("kadry_outbox_oldest_pending_age_seconds").set(age);
    Ok(())
}

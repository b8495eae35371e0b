//! Delivering the outbox: a background loop that claims due messages with
//! a lease (several kadry processes never take the same one), sends each
//! through the configured transport, and records the outcome, retrying
//! transient failures with backoff and jitter.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;

use super::Context;
use crate::config::EmailSettings;
use crate::db::outbox::{self, Claimed};
use crate::notify::transport::{Failure, Letter, Transport};
use crate::rng::Rng;

/// When attempt `attempts` (1 for the first) failed transiently: the base
/// delay doubled per attempt, at most a day, times `jitter` (0.5 to 1.5).
pub fn retry_delay(base_seconds: i64, attempts: i32, jitter: f64) -> chrono::Duration {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    let seconds = (base_seconds.max(1) as f64 * f64::from(1u32 << doublings)).min(86_400.0);
    chrono::Duration::milliseconds((seconds * jitter * 1000.0) as i64)
}

pub struct Worker {
    ctx: Context,
    transport: Arc<Transport>,
    from: Mailbox,
    settings: EmailSettings,
    jitter: std::sync::Mutex<Rng>,
}

impl Worker {
    pub fn new(ctx: Context, settings: &EmailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings.from.parse().map_err(|e| {
            anyhow::anyhow!(
                "KADRY_EMAIL_FROM {:?} is not an address: {e}",
                settings.from
            )
        })?;
        let seed = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64
            ^ u64::from(std::process::id());
        Ok(Self {
            ctx,
            transport: Arc::new(Transport::new(settings)?),
            from,
            settings: settings.clone(),
            jitter: std::sync::Mutex::new(Rng::new(seed)),
        })
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let idle = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        loop {
            match self.deliver_due().await {
                Ok(0) => tokio::time::sleep(idle).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "the email worker cannot reach the database");
                    tokio::time::sleep(idle * 4).await;
                }
            }
        }
    }

    /// Claims and delivers one batch; returns how many it claimed.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let lease = chrono::Duration::seconds(self.settings.lease_seconds.max(1));
        let batch = self.settings.batch_size;
        let claimed: Vec<Claimed> = self
            .ctx
            .run(move |conn| {
                let now = chrono::Utc::now().naive_utc();
                Ok(outbox::claim(conn, now, now + lease, batch)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
        let count = claimed.len();
        for message in claimed {
            let letter = Letter {
                recipient: &message.recipient,
                subject: &message.subject,
                text: &message.body_text,
                html: &message.body_html,
            };
            let outcome = self.transport.send(&self.from, &letter).await;
            self.record(&message, outcome).await?;
        }
        Ok(count)
    }

    async fn record(&self, message: &Claimed, outcome: Result<(), Failure>) -> anyhow::Result<()> {
        let id = message.id;
        let attempts = message.attempts;
        let next_attempt_at: Option<NaiveDateTime> = match &outcome {
            Err(failure) if !failure.permanent && attempts < self.settings.max_attempts => {
                let jitter = self
                    .jitter
                    .lock()
                    .map(|mut rng| 0.5 + rng.unit())
                    .unwrap_or(1.0);
                Some(
                    chrono::Utc::now().naive_utc()
                        + retry_delay(self.settings.retry_base_seconds, attempts, jitter),
                )
            }
            _ => None,
        };
        let result = match (&outcome, next_attempt_at) {
            (Ok(()), _) => "sent",
            (Err(_), Some(_)) => "retry",
            (Err(_), None) => "failed",
        };
        metrics::counter!("kadry_email_deliveries_total", "result" => result).increment(1);
        match &outcome {
            Ok(()) => tracing::info!(id, to = %message.recipient, "email sent"),
            Err(failure) => {
                tracing::warn!(id, to = %message.recipient, attempts, reason = %failure.reason, "email not sent")
            }
        }
        self.ctx
            .run(move |conn| {
                match (outcome, next_attempt_at) {
                    (Ok(()), _) => outbox::mark_sent(conn, id)?,
                    (Err(failure), Some(at)) => outbox::mark_retry(conn, id, at, &failure.reason)?,
                    (Err(failure), None) => outbox::mark_failed(conn, id, &failure.reason)?,
                }
                Ok(())
            })
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.describe()))
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay;

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_a_cap() {
        assert_eq!(retry_delay(30, 1, 1.0).num_seconds(), 30);
        assert_eq!(retry_delay(30, 2, 1.0).num_seconds(), 60);
        assert_eq!(retry_delay(30, 4, 1.0).num_seconds(), 240);
        assert_eq!(retry_delay(30, 3, 0.5).num_seconds(), 60);
        assert_eq!(retry_delay(30, 3, 1.5).num_seconds(), 180);
        assert_eq!(retry_delay(30, 40, 1.0).num_seconds(), 86_400);
    }
}

//! Keeping personal data no longer than needed: pupils' records some time
//! after they leave school, sent messages after `email.keep_sent_days`, and
//! the answers kept for `Idempotency-Key` after 24 hours.
//! Run by a background task of `kadry serve` and by `kadry prune`.

use std::time::Duration;

use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

use super::Context;
use super::audit::log;
use crate::auth::AuthUser;
use crate::db::audit::AuditAction;
use crate::db::{idempotency, outbox, pupils};
use crate::error::{AppResult, FieldError};

/// Pupils deleted per transaction.
const BATCH: i64 = 200;

/// What one pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub pupils: usize,
    pub sent_messages: usize,
    pub idempotency_keys: usize,
}

/// The first year whose leavers are still kept on `now`: a pupil leaving in
/// year `L` is kept until the end of `L + keep_pupil_years`.
pub fn kept_from(now: NaiveDateTime, keep_pupil_years: i32) -> i32 {
    now.year() - keep_pupil_years.max(0)
}

/// Whether a pupil in `grade` during `academic_year` left school (in the
/// summer of `academic_year + 12 - grade`) longer ago than kadry keeps
/// pupils: such a record would be deleted at once, so it is refused (422 on
/// `academic_year`, or `line`'s in a roster) instead of stored.
pub fn past_retention(
    ctx: &Context,
    grade: i32,
    academic_year: i32,
    line: Option<u64>,
) -> Option<FieldError> {
    let now = chrono::Utc::now().naive_utc();
    let kept_from = kept_from(now, ctx.retention.keep_pupil_years);
    let left = academic_year + 12 - grade;
    (left < kept_from).then(|| {
        let message = format!(
            "a pupil in grade {grade} in {academic_year} left school in {left}: kadry keeps pupils only {} years after they leave",
            ctx.retention.keep_pupil_years.max(0)
        );
        match line {
            Some(line) => FieldError::on_line(line, "academic_year", message),
            None => FieldError::new("academic_year", message),
        }
    })
}

/// Deletes the records of pupils who left school long enough ago (with their
/// interests and registrations, the forecast's aggregates and events'
/// counts kept right; each deletion in the audit log without who it was), and
/// sent messages older than `keep_sent_days`.
pub async fn prune(ctx: &Context, now: NaiveDateTime) -> AppResult<Pruned> {
    let left_before = kept_from(now, ctx.retention.keep_pupil_years);
    let mut pruned = Pruned::default();
    loop {
        let deleted = ctx
            .write(move |conn| {
                let ids = pupils::leavers(conn, left_before, BATCH)?;
                let actor = AuthUser::command_line();
                for &id in &ids {
                    if pupils::delete_in_transaction(conn, id)? {
                        let why = serde_json::json!({"reason": "retention"});
                        log(
                            conn,
                            &actor,
                            "pupil",
                            Some(id),
                            AuditAction::Delete,
                            Some(why),
                        )?;
                    }
                }
                Ok(ids.len())
            })
            .await?;
        pruned.pupils += deleted;
        if (deleted as i64) < BATCH {
            break;
        }
    }
    let sent_before = now - chrono::Duration::days(ctx.keep_sent_days.max(0));
    pruned.sent_messages = ctx
        .write(move |conn| Ok(outbox::delete_sent_before(conn, sent_before)?))
        .await?;
    let keys_before = now - chrono::Duration::hours(super::conditional::KEEP_KEYS_HOURS);
    pruned.idempotency_keys = ctx
        .write(move |conn| Ok(idempotency::delete_older(conn, keys_before)?))
        .await?;
    Ok(pruned)
}

/// Prunes every `every` until the task is dropped.
pub async fn keep_pruning(ctx: Context, every: Duration) {
    loop {
        match prune(&ctx, chrono::Utc::now().naive_utc()).await {
            Ok(pruned) if pruned != Pruned::default() => {
                tracing::info!(
                    pupils = pruned.pupils,
                    sent_messages = pruned.sent_messages,
                    idempotency_keys = pruned.idempotency_keys,
                    "pruned old records"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error.describe(), "pruning failed; will try again")
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::kept_from;

    #[test]
    fn a_leaver_is_kept_to_the_end_of_the_year_after_leaving() {
        let at = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
        };
        // Leaves in June 2027: kept through 2028, gone in 2029.
        assert!(2027 >= kept_from(at(2028, 12, 31), 1));
        assert!(2027 < kept_from(at(2029, 1, 1), 1));
        assert_eq!(kept_from(at(2029, 1, 1), 0), 2029);
    }
}

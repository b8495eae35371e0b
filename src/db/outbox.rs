//! The outbox: messages enqueued inside the caller's transaction, claimed by workers with a lease, listed and retried by admins.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use super::schema::outbox;
use super::{DbConnection, MultiBackend};
use crate::domain::{Email, OutboxStatus, Page};

const PENDING: &str = OutboxStatus::Pending.as_str();
const SENDING: &str = OutboxStatus::Sending.as_str();

/// Writes messages to the outbox. Call inside the transaction of the change
/// that causes them: if it rolls back, nothing is sent.
pub fn enqueue(conn: &mut DbConnection, emails: &[Email]) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    for chunk in emails.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|email| {
                (
                    outbox::kind.eq(email.kind),
                    outbox::recipient.eq(&email.recipient),
                    outbox::subject.eq(&email.subject),
                    outbox::body_text.eq(&email.text),
                    outbox::body_html.eq(&email.html),
                    outbox::status.eq(OutboxStatus::Pending.as_str()),
                    outbox::attempts.eq(0),
                    outbox::next_attempt_at.eq(now),
                    outbox::created_at.eq(now),
                )
            })
            .collect();
        crate::on_backend!(conn, |inner| diesel::insert_into(outbox::table)
            .values(&rows)
            .execute(inner))?;
    }
    Ok(())
}

/// A message a worker has claimed.
#[derive(Debug, Clone, QueryableByName)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
}

// The statuses as `OutboxStatus::as_str` names them (a test checks they agree).
const CLAIM_POSTGRES: &str = "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $1
     WHERE id IN (SELECT id FROM outbox
                  WHERE (status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND lease_until < $2)
                  ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING id, recipient, subject, body_text, body_html, attempts";

// SQLite has one writer at a time, so the UPDATE itself is the lock.
const CLAIM_SQLITE: &str = "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?
     WHERE id IN (SELECT id FROM outbox
                  WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?)
                  ORDER BY id LIMIT ?)
     RETURNING id, recipient, subject, body_text, body_html, attempts";

/// Claims up to `batch` due messages, and messages whose lease ran out (their
/// worker died), until `lease_until`. On PostgreSQL `FOR UPDATE SKIP LOCKED`
/// keeps concurrent workers off each other's messages.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    batch: i64,
) -> QueryResult<Vec<Claimed>> {
    match conn {
        DbConnection::Postgres(inner) => diesel::sql_query(CLAIM_POSTGRES)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(batch)
            .load(inner),
        DbConnection::Sqlite(inner) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(batch)
            .load(inner),
    }
}

/// Records a delivery.
pub fn mark_sent(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(SENDING)))
        .set((
            outbox::status.eq(OutboxStatus::Sent.as_str()),
            outbox::sent_at.eq(chrono::Utc::now().naive_utc()),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a message back for another attempt at `next_attempt_at`.
pub fn mark_retry(
    conn: &mut DbConnection,
    id: i64,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(SENDING)))
        .set((
            outbox::status.eq(PENDING),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives a message up, keeping the reason (the server's reply).
pub fn mark_failed(conn: &mut DbConnection, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(SENDING)))
        .set((
            outbox::status.eq(OutboxStatus::Failed.as_str()),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// A message as admins see it.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = outbox)]
pub struct Notification {
    pub id: i64,
    #[serde(rename = "to")]
    #[diesel(column_name = recipient)]
    pub recipient: String,
    pub subject: String,
    #[diesel(deserialize_as = String)]
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "utc_or_null")]
    pub sent_at: Option<NaiveDateTime>,
}

fn utc<S: serde::Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(
        &at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

fn utc_or_null<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, serializer),
        None => serializer.serialize_none(),
    }
}

fn filtered(status: Option<OutboxStatus>) -> outbox::BoxedQuery<'static, MultiBackend> {
    let mut query = outbox::table.into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.as_str()));
    }
    query
}

/// Newest first, with the total in the same round trip.
pub fn list(
    conn: &mut DbConnection,
    status: Option<OutboxStatus>,
    page: Page,
) -> QueryResult<(Vec<Notification>, i64)> {
    let rows: Vec<(Notification, i64)> = filtered(status)
        .select((Notification::as_select(), sql::<BigInt>("COUNT(*) OVER ()")))
        .order(outbox::id.desc())
        .limit(page.limit)
        .offset(page.offset)
        .load(conn)?;
    super::page_with_total(rows, page, || filtered(status).count().get_result(conn))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Notification>> {
    outbox::table
        .find(id)
        .select(Notification::as_select())
        .first(conn)
        .optional()
}

/// The plain texts of the messages `ids`, `(id, text)`.
pub fn texts(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    outbox::table
        .filter(outbox::id.eq_any(ids))
        .select((outbox::id, outbox::body_text))
        .load(conn)
}

/// Puts a failed message back in the queue with fresh attempts; `false` if it had not failed.
pub fn retry(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(OutboxStatus::Failed.as_str())),
    )
    .set((
        outbox::status.eq(PENDING),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    Ok(updated > 0)
}

/// Deletes the messages sent before `sent_before`; returns how many.
pub fn delete_sent_before(
    conn: &mut DbConnection,
    sent_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        outbox::table
            .filter(outbox::status.eq(OutboxStatus::Sent.as_str()))
            .filter(outbox::sent_at.lt(sent_before)),
    )
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_statements_use_the_statuses_names() {
        for statement in [CLAIM_POSTGRES, CLAIM_SQLITE] {
            assert!(statement.contains(&format!("status = '{SENDING}'")));
            assert!(statement.contains(&format!("status = '{PENDING}'")));
        }
    }
}

/// How the outbox stands, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    /// Waiting to be sent, being sent included.
    pub pending: i64,
    pub failed: i64,
    /// When the oldest message still waiting was written.
    pub oldest_pending: Option<NaiveDateTime>,
}

pub fn load(conn: &mut DbConnection) -> QueryResult<Load> {
    let waiting = || outbox::table.filter(outbox::status.eq_any([PENDING, SENDING]));
    let pending = waiting().count().get_result(conn)?;
    let oldest_pending = waiting()
        .select(diesel::dsl::min(outbox::created_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    let failed = outbox::table
        .filter(outbox::status.eq(OutboxStatus::Failed.as_str()))
        .count()
        .get_result(conn)?;
    Ok(Load {
        pending,
        failed,
        oldest_pending,
    })
}

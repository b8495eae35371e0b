//! Published forecasts (step 12 of the model): an analyst or admin keeps the
//! whole answer of a forecast for a span, with a title, exactly as it was
//! computed; everyone reads it and compares it with today's forecast row by
//! row; nobody edits it; admins delete it (audit line).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::span::{Span, as_of};
use super::stored::{ForecastResponse, RowFilter, stored_forecast};
use crate::app::Context;
use crate::app::audit::log;
use crate::app::conditional::Once;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::db::audit::AuditAction;
use crate::db::{generation, published};
use crate::error::{AppError, AppResult};
use crate::forecast::model::round2;

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Прогноз к КЦП 2027", "from": 2027, "to": 2037}))]
pub struct PublishBody {
    /// 1 to 200 characters (spaces at the ends are dropped).
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The span as `GET /api/v1/forecast` takes it; the same defaults.
    #[serde(default)]
    pub from: Option<i32>,
    #[serde(default)]
    pub to: Option<i32>,
    #[serde(default)]
    pub as_of: Option<i32>,
}

/// A published forecast as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedForecast {
    pub id: i64,
    pub title: String,
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// The user who published it (`null` once that account is gone).
    pub published_by: Option<i64>,
}

impl From<published::Published> for PublishedForecast {
    fn from(p: published::Published) -> Self {
        Self {
            id: p.id,
            title: p.title,
            as_of: p.as_of,
            from: p.from,
            to: p.to,
            published_at: p
                .published_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            published_by: p.published_by,
        }
    }
}

/// A published forecast's answer as `GET …/published/{id}` writes it: its
/// `id`, `title`, `published_at` and `published_by`, then the forecast's
/// answer exactly as it was written when published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublishedAnswer {
    pub id: i64,
    pub title: String,
    pub published_at: String,
    pub published_by: Option<i64>,
    #[serde(flatten)]
    pub forecast: ForecastResponse,
}

/// One cell then (as published) and now (today's forecast of the same span
/// and `as_of`); `null` where the cell is in one of them only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparedRow {
    pub profession_id: i64,
    pub year: i32,
    pub gap_then: Option<f64>,
    pub gap_now: Option<f64>,
    pub supply_then: Option<f64>,
    pub supply_now: Option<f64>,
    pub demand_then: Option<f64>,
    pub demand_now: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    pub id: i64,
    pub title: String,
    pub as_of: i32,
    pub from: i32,
    pub to: i32,
    pub published_at: String,
    /// By profession id, then year.
    pub rows: Vec<ComparedRow>,
}

fn checked_title(title: &str) -> AppResult<String> {
    let title = title.trim();
    let length = title.chars().count();
    if length == 0 {
        return Err(AppError::invalid("title", "must not be empty"));
    }
    if length > MAX_TITLE {
        return Err(AppError::invalid(
            "title",
            format!("must be at most {MAX_TITLE} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "title",
            "must not hold control characters",
        ));
    }
    Ok(title.to_string())
}

/// Publishes the stored forecast of a span (analysts, admins); with
/// `once`, a retry with the same `Idempotency-Key` publishes nothing more.
pub async fn publish(
    ctx: &Context,
    user: &AuthUser,
    body: PublishBody,
    once: Option<Once>,
) -> AppResult<PublishedForecast> {
    authorize(user, Action::PublishForecasts)?;
    let title = checked_title(&body.title)?;
    let as_of = as_of(body.as_of)?;
    let span = Span::parse(as_of, body.from, body.to)?;
    let forecast = stored_forecast(ctx, user, as_of, span, RowFilter::default()).await?;
    let answer = serde_json::to_string(&forecast)
        .map_err(|error| AppError::Internal(anyhow::anyhow!("writing a forecast: {error}")))?;
    let actor = *user;
    ctx.create(user.id, once, move |conn| {
        let new = published::NewPublished {
            title: &title,
            as_of,
            from: span.from,
            to: span.to,
            published_by: (actor != AuthUser::command_line()).then_some(actor.id),
            generation: generation::current(conn)?,
            answer: &answer,
        };
        let stored = published::insert(conn, &new)?;
        let changes =
            serde_json::json!({"title": title, "as_of": as_of, "from": span.from, "to": span.to});
        log(
            conn,
            &actor,
            "published_forecast",
            Some(stored.id),
            AuditAction::Create,
            Some(changes),
        )?;
        Ok(PublishedForecast::from(stored))
    })
    .await
}

/// Every published forecast, the latest first (everyone).
pub async fn list(ctx: &Context, user: &AuthUser) -> AppResult<Vec<PublishedForecast>> {
    authorize(user, Action::ReadForecast)?;
    let all = ctx.run(|conn| Ok(published::list(conn)?)).await?;
    Ok(all.into_iter().map(Into::into).collect())
}

async fn find(ctx: &Context, id: i64) -> AppResult<(PublishedForecast, String)> {
    let (published, answer) = ctx
        .run(move |conn| Ok(published::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found("published forecast", id))?;
    Ok((published.into(), answer))
}

/// A published forecast's answer as JSON text: its own fields, then the
/// forecast's answer byte for byte as it was written (everyone).
pub async fn answer(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<String> {
    authorize(user, Action::ReadForecast)?;
    let (published, answer) = find(ctx, id).await?;
    let head = serde_json::json!({
        "id": published.id,
        "title": published.title,
        "published_at": published.published_at,
        "published_by": published.published_by,
    })
    .to_string();
    // Both are JSON objects: `{head…}` and `{answer…}` become one object.
    match (head.strip_suffix('}'), answer.strip_prefix('{')) {
        (Some(head), Some(rest)) if rest.len() > 1 => Ok(format!("{head},{rest}")),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "published forecast {id} holds no JSON object"
        ))),
    }
}

/// A published forecast beside today's forecast of the same span, row by row (everyone).
pub async fn compare(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Comparison> {
    authorize(user, Action::ReadForecast)?;
    let (published, answer) = find(ctx, id).await?;
    let then: serde_json::Value = serde_json::from_str(&answer).map_err(|error| {
        AppError::Internal(anyhow::anyhow!("reading a published forecast: {error}"))
    })?;
    let span = Span {
        from: published.from,
        to: published.to,
    };
    let now = stored_forecast(ctx, user, published.as_of, span, RowFilter::default()).await?;
    let mut rows: BTreeMap<(i64, i32), ComparedRow> = BTreeMap::new();
    let empty = |profession_id, year| ComparedRow {
        profession_id,
        year,
        gap_then: None,
        gap_now: None,
        supply_then: None,
        supply_now: None,
        demand_then: None,
        demand_now: None,
    };
    for row in then["rows"].as_array().into_iter().flatten() {
        let (Some(profession_id), Some(year)) =
            (row["profession_id"].as_i64(), row["year"].as_i64())
        else {
            continue;
        };
        let year = i32::try_from(year).unwrap_or(i32::MAX);
        let cell = rows
            .entry((profession_id, year))
            .or_insert_with(|| empty(profession_id, year));
        cell.gap_then = row["gap"].as_f64();
        cell.supply_then = row["supply"].as_f64();
        cell.demand_then = row["demand"].as_f64();
    }
    for row in &now.rows {
        let cell = rows
            .entry((row.profession_id, row.year))
            .or_insert_with(|| empty(row.profession_id, row.year));
        cell.gap_now = Some(round2(row.gap));
        cell.supply_now = Some(round2(row.supply));
        cell.demand_now = Some(round2(row.demand));
    }
    Ok(Comparison {
        id: published.id,
        title: published.title,
        as_of: published.as_of,
        from: published.from,
        to: published.to,
        published_at: published.published_at,
        rows: rows.into_values().collect(),
    })
}

/// Deletes a published forecast (admins), with an audit line.
pub async fn delete(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<()> {
    authorize(user, Action::DeletePublishedForecasts)?;
    let actor = *user;
    ctx.write(move |conn| {
        if !published::delete(conn, id)? {
            return Err(AppError::not_found("published forecast", id));
        }
        log(
            conn,
            &actor,
            "published_forecast",
            Some(id),
            AuditAction::Delete,
            None,
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_one_to_two_hundred_characters_without_control_characters() {
        assert_eq!(checked_title("  КЦП 2027 ").unwrap(), "КЦП 2027");
        assert!(checked_title("   ").is_err());
        assert!(checked_title(&"я".repeat(200)).is_ok());
        assert!(checked_title(&"я".repeat(201)).is_err());
        assert!(checked_title("a\u{0}b").is_err());
    }
}

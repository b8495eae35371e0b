//! Who is told what, and when: invitations, demand news, shortage crossings;
//! and the outbox as admins see it. Messages are enqueued inside the
//! transaction of the change that causes them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::Context;
use super::audit::log;
use crate::auth::AuthUser;
use crate::auth::policy::{Action, authorize};
use crate::auth::token::{random_hex, token_hash};
use crate::db::audit::AuditAction;
use crate::db::demand::Demand;
use crate::db::outbox::{self, Notification};
use crate::db::{self, DbConnection, invitations, organizations, professions, shortages, users};
use crate::domain::{Email, OutboxStatus, Page, Role};
use crate::error::{AppError, AppResult};
use crate::forecast::engine::{self, Window};
use crate::forecast::model::Bounds;
use crate::notify::Letterhead;
use crate::notify::templates::{self, DemandNews, ShortageNews};

/// Every email kadry has queued, newest first (admins).
pub async fn list(
    ctx: &Context,
    user: &AuthUser,
    status: Option<OutboxStatus>,
    page: Page,
) -> AppResult<(Vec<Notification>, i64)> {
    authorize(user, Action::ManageNotifications)?;
    ctx.run(move |conn| Ok(outbox::list(conn, status, page)?))
        .await
}

/// The texts of the messages `ids` (admins), for the outbox page when
/// emails go to the log (`email.url = "log"`, for trials): there the page
/// is where an admin reads an invitation's link.
pub async fn texts(
    ctx: &Context,
    user: &AuthUser,
    ids: Vec<i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    authorize(user, Action::ManageNotifications)?;
    if !ctx.email_to_log {
        return Ok(Default::default());
    }
    let texts = ctx.run(move |conn| Ok(outbox::texts(conn, &ids)?)).await?;
    Ok(texts.into_iter().collect())
}

/// Sends a failed message again with fresh attempts (admins); a conflict unless it failed.
pub async fn retry(ctx: &Context, user: &AuthUser, id: i64) -> AppResult<Notification> {
    authorize(user, Action::ManageNotifications)?;
    let actor = *user;
    ctx.write(move |conn| {
        if outbox::find(conn, id)?.is_none() {
            return Err(AppError::not_found("notification", id));
        }
        if !outbox::retry(conn, id)? {
            return Err(AppError::Conflict(format!(
                "notification {id} has not failed"
            )));
        }
        let retried =
            outbox::find(conn, id)?.ok_or_else(|| AppError::not_found("notification", id))?;
        let changes = serde_json::json!({ "status": "retry" });
        log(
            conn,
            &actor,
            "notification",
            Some(id),
            AuditAction::Update,
            Some(changes),
        )?;
        Ok(retried)
    })
    .await
}

/// A single-use set-password link for a new user, and its email. Call inside
/// the transaction that creates the user.
pub(crate) fn invite(
    conn: &mut DbConnection,
    head: &Letterhead,
    user: &users::UserRow,
    ttl_hours: i64,
) -> AppResult<()> {
    let token = random_hex(32)?;
    let expires_at = chrono::Utc::now().naive_utc() + chrono::Duration::hours(ttl_hours);
    invitations::insert(conn, &token_hash(&token), user.id, expires_at)?;
    outbox::enqueue(
        conn,
        &[templates::invitation(
            head,
            &user.email,
            user.role.as_str(),
            &token,
            ttl_hours,
        )],
    )?;
    Ok(())
}

/// Demand posted (`before` is `None`) or changed: one message to each
/// institution training the profession. Call inside the change's transaction.
pub(crate) fn demand_posted(
    conn: &mut DbConnection,
    head: &Letterhead,
    record: &Demand,
    before: Option<&Demand>,
) -> AppResult<()> {
    let (enterprise, _) = organizations::name_and_email(conn, record.enterprise_id)?;
    let profession = professions::find(conn, record.profession_id)?
        .ok_or_else(|| AppError::not_found("profession", record.profession_id))?;
    let news = DemandNews {
        enterprise: &enterprise,
        profession_id: record.profession_id,
        profession_code: &profession.code,
        profession_title: &profession.title,
        year: record.year,
        headcount: record.headcount,
        changed_from: before.map(|b| (b.year, b.headcount)),
    };
    let emails: Vec<Email> =
        organizations::emails_of_institutions_training(conn, record.profession_id)?
            .iter()
            .map(|recipient| templates::demand(head, recipient, &news))
            .collect();
    Ok(outbox::enqueue(conn, &emails)?)
}

/// Years the shortage check looks at after the first summer ahead.
pub const SHORTAGE_HORIZON: i32 = 10;

/// A shortage: a gap of at least 10 workers and at least 20 % of demand.
pub fn in_shortage(demand: f64, gap: f64) -> bool {
    gap >= 10.0 && gap >= 0.2 * demand
}

/// One profession's years entered (`(year, gap, demand)`) and left.
type Crossings = (Vec<(i32, f64, f64)>, Vec<i32>);

/// Runs the shortage check every `every` until the task is dropped.
pub async fn watch_shortages(ctx: Context, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match check_shortages(&ctx).await {
            Ok(0) => {}
            Ok(told) => tracing::info!(told, "shortage crossings enqueued"),
            Err(error) => tracing::warn!(error = %error.describe(), "the shortage check failed"),
        }
    }
}

/// The shortage check's view of the forecast: the window it looks at, the
/// complete cells with known demand in shortage now (with gap and demand),
/// and the cells it cannot judge (incomplete, or demand not known).
struct Shortages {
    from: i32,
    to: i32,
    now: BTreeMap<(i64, i32), (f64, f64)>,
    unsure: BTreeSet<(i64, i32)>,
}

fn shortages_now(conn: &mut DbConnection) -> AppResult<Shortages> {
    let as_of = crate::domain::numbers::current_academic_year();
    let window = Window {
        as_of,
        from: as_of + 1,
        to: as_of + 1 + SHORTAGE_HORIZON,
    };
    let inputs = db::forecast::load_inputs_in_transaction(conn)?;
    let parameters = db::forecast::parameters(conn)?;
    let forecast = engine::run(&inputs, &parameters, &Bounds::exact(&parameters), window);
    // An incomplete cell is a floor, not news: where the pupils kadry knows
    // end, the gap grows by itself. A cell whose demand is not known (after
    // the last year any enterprise posted for) says nothing either way. Such
    // cells are neither told as shortages nor as over.
    let sure = |row: &&crate::forecast::model::Row| row.complete && row.demand_known;
    Ok(Shortages {
        from: window.from,
        to: window.to,
        now: forecast
            .rows
            .iter()
            .filter(sure)
            .filter(|row| in_shortage(row.demand, row.gap))
            .map(|row| ((row.profession_id, row.year), (row.gap, row.demand)))
            .collect(),
        unsure: forecast
            .rows
            .iter()
            .filter(|row| !sure(row))
            .map(|row| (row.profession_id, row.year))
            .collect(),
    })
}

/// Records the shortages there are now as already told, without a message:
/// for a freshly loaded region, whose shortages are no news to anyone.
/// Returns how many there are.
pub async fn acknowledge_shortages(ctx: &Context) -> AppResult<usize> {
    ctx.write(|conn| {
        shortages::lock_for_check(conn)?;
        let found = shortages_now(conn)?;
        let known = shortages::known(conn)?;
        let stale: Vec<(i64, i32)> = known.into_iter().collect();
        shortages::remove(conn, &stale)?;
        let cells: Vec<(i64, i32)> = found.now.keys().copied().collect();
        shortages::add(conn, &cells)?;
        Ok(cells.len())
    })
    .await
}

/// Compares the forecast with the cells last found in shortage, records the
/// crossings and enqueues the news, in one transaction whose first statement
/// takes the check's lock (so concurrent processes take turns); returns the
/// number of messages.
pub async fn check_shortages(ctx: &Context) -> AppResult<usize> {
    let head = ctx.letterhead.clone();
    ctx.write(move |conn| {
        shortages::lock_for_check(conn)?;
        let Shortages {
            from,
            to,
            now,
            unsure,
        } = shortages_now(conn)?;
        // Years that fell out of the window are forgotten without a word.
        shortages::forget_outside(conn, from, to)?;
        let before = shortages::known(conn)?;
        let entered: Vec<(i64, i32)> = now
            .keys()
            .filter(|cell| !before.contains(cell))
            .copied()
            .collect();
        let left: Vec<(i64, i32)> = before
            .iter()
            .filter(|cell| !now.contains_key(cell) && !unsure.contains(cell))
            .copied()
            .collect();
        if entered.is_empty() && left.is_empty() {
            return Ok(0);
        }
        shortages::remove(conn, &left)?;
        shortages::add(conn, &entered)?;
        let told = shortages::known(conn)?;
        let mut by_profession: BTreeMap<i64, Crossings> = BTreeMap::new();
        for cell in &entered {
            let (gap, demand) = now[cell];
            by_profession
                .entry(cell.0)
                .or_default()
                .0
                .push((cell.1, gap, demand));
        }
        for (profession_id, year) in &left {
            by_profession
                .entry(*profession_id)
                .or_default()
                .1
                .push(*year);
        }
        let analysts = users::emails_with_role(conn, Role::Analyst)?;
        let mut emails: Vec<Email> = Vec::new();
        for (profession_id, (entered, left)) in by_profession {
            let Some(profession) = professions::find(conn, profession_id)? else {
                continue;
            };
            let mut recipients: Vec<String> = analysts.clone();
            recipients.extend(organizations::emails_of_institutions_training(
                conn,
                profession_id,
            )?);
            recipients.extend(organizations::emails_of_enterprises_demanding(
                conn,
                profession_id,
            )?);
            recipients.sort();
            recipients.dedup();
            let still: Vec<i32> = told
                .iter()
                .filter(|(id, year)| {
                    *id == profession_id && !entered.iter().any(|(entered, _, _)| entered == year)
                })
                .map(|(_, year)| *year)
                .collect();
            let news = ShortageNews {
                profession_id,
                profession_code: &profession.code,
                profession_title: &profession.title,
                entered,
                left,
                still,
            };
            emails.extend(
                recipients
                    .iter()
                    .map(|recipient| templates::shortage(&head, recipient, &news)),
            );
        }
        outbox::enqueue(conn, &emails)?;
        Ok(emails.len())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::in_shortage;

    #[test]
    fn a_shortage_is_ten_workers_and_a_fifth_of_demand() {
        assert!(in_shortage(20.0, 10.0));
        assert!(!in_shortage(20.0, 9.99));
        assert!(!in_shortage(100.0, 19.0));
        assert!(in_shortage(100.0, 20.0));
        assert!(!in_shortage(0.0, -5.0));
    }
}

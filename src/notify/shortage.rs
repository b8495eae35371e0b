//! The shortage check: off the request path, it compares the forecast with the
//! cells last found in shortage and tells each crossing exactly once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::Letterhead;
use super::outbox::{Email, enqueue};
use super::templates::{self, ShortageNews};
use super::triggers::institutions_training;
use crate::db::schema::{demand, organizations, professions, shortages, users};
use crate::db::{self, DbConnection, DbPool};
use crate::domain::numbers::current_year;

/// Years ahead the check looks at, from the current year.
pub const HORIZON: i32 = 10;

/// A shortage: a gap of at least 10 workers and at least 20 % of demand.
pub fn in_shortage(demand: f64, gap: f64) -> bool {
    gap >= 10.0 && gap >= 0.2 * demand
}

/// One profession's years entered (`(year, gap, demand)`) and left.
type Crossings = (Vec<(i32, f64, f64)>, Vec<i32>);

/// Runs the check every `every` until the task is dropped.
pub async fn run(pool: DbPool, head: Letterhead, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let head = head.clone();
        match db::run(&pool, move |conn| Ok(check(conn, &head)?)).await {
            Ok(0) => {}
            Ok(told) => tracing::info!(told, "shortage crossings enqueued"),
            Err(error) => tracing::warn!(%error, "the shortage check failed"),
        }
    }
}

/// Compares the forecast with `shortages` in one transaction, updates it and
/// enqueues the news; returns the number of messages. The first statement
/// locks the check's row, so concurrent processes take turns.
pub fn check(conn: &mut DbConnection, head: &Letterhead) -> anyhow::Result<usize> {
    let from = current_year();
    let to = from + HORIZON;
    conn.transaction(|conn| {
        conn.batch_execute(&format!(
            "UPDATE shortage_checks SET checked_at = '{}' WHERE id = 1",
            chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S")
        ))?;
        let inputs = db::forecast::load_inputs_in_transaction(conn)?;
        let parameters = db::forecast::parameters(conn)?;
        let forecast = crate::forecast::run(&inputs, &parameters, from, to);
        let now: BTreeMap<(i64, i32), (f64, f64)> = forecast
            .rows
            .iter()
            .filter(|row| in_shortage(row.demand, row.gap))
            .map(|row| ((row.profession_id, row.year), (row.gap, row.demand)))
            .collect();
        let before: BTreeSet<(i64, i32)> = shortages::table
            .select((shortages::profession_id, shortages::year))
            .load::<(i64, i32)>(conn)?
            .into_iter()
            .collect();
        // Years that fell out of the window are forgotten without a word.
        diesel::delete(
            shortages::table.filter(shortages::year.lt(from).or(shortages::year.gt(to))),
        )
        .execute(conn)?;
        let before: BTreeSet<(i64, i32)> = before
            .into_iter()
            .filter(|(_, year)| (from..=to).contains(year))
            .collect();
        let entered: Vec<(i64, i32)> = now
            .keys()
            .filter(|cell| !before.contains(cell))
            .copied()
            .collect();
        let left: Vec<(i64, i32)> = before
            .iter()
            .filter(|cell| !now.contains_key(cell))
            .copied()
            .collect();
        if entered.is_empty() && left.is_empty() {
            return Ok(0);
        }
        for (profession_id, year) in &left {
            diesel::delete(shortages::table.find((profession_id, year))).execute(conn)?;
        }
        for (profession_id, year) in &entered {
            diesel::insert_into(shortages::table)
                .values((
                    shortages::profession_id.eq(profession_id),
                    shortages::year.eq(year),
                ))
                .execute(conn)?;
        }
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
        let analysts: Vec<String> = users::table
            .filter(users::role.eq("analyst"))
            .select(users::email)
            .load(conn)?;
        let mut emails: Vec<Email> = Vec::new();
        for (profession_id, (entered, left)) in by_profession {
            let Some((code, title)) = professions::table
                .find(profession_id)
                .select((professions::code, professions::title))
                .first::<(String, String)>(conn)
                .optional()?
            else {
                continue;
            };
            let mut recipients: Vec<String> = analysts.clone();
            recipients.extend(institutions_training(conn, profession_id)?);
            recipients.extend(enterprises_demanding(conn, profession_id)?);
            recipients.sort();
            recipients.dedup();
            let news = ShortageNews {
                profession_id,
                profession_code: &code,
                profession_title: &title,
                entered,
                left,
            };
            emails.extend(
                recipients
                    .iter()
                    .map(|recipient| templates::shortage(head, recipient, &news)),
            );
        }
        enqueue(conn, &emails)?;
        Ok(emails.len())
    })
}

fn enterprises_demanding(conn: &mut DbConnection, profession_id: i64) -> QueryResult<Vec<String>> {
    let emails: Vec<String> = organizations::table
        .filter(
            organizations::id.eq_any(
                demand::table
                    .filter(demand::profession_id.eq(profession_id))
                    .select(demand::enterprise_id),
            ),
        )
        .select(organizations::email)
        .load(conn)?;
    let unique: HashMap<String, ()> = emails.into_iter().map(|e| (e, ())).collect();
    Ok(unique.into_keys().collect())
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

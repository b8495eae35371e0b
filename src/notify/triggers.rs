//! Who is told what when something happens; each function runs inside the transaction of the change it reports.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::Letterhead;
use super::outbox::{Email, enqueue};
use super::templates::{self, DemandNews};
use crate::db::DbConnection;
use crate::db::demand::Demand;
use crate::db::schema::{
    invitations, organizations, professions, program_professions, programs, users,
};

/// The emails of the institutions with a program that trains `profession_id`, each once.
pub fn institutions_training(
    conn: &mut DbConnection,
    profession_id: i64,
) -> QueryResult<Vec<String>> {
    let mut emails: Vec<String> = organizations::table
        .filter(
            organizations::id.eq_any(
                programs::table
                    .filter(
                        programs::id.eq_any(
                            program_professions::table
                                .filter(program_professions::profession_id.eq(profession_id))
                                .select(program_professions::program_id),
                        ),
                    )
                    .select(programs::institution_id),
            ),
        )
        .select(organizations::email)
        .load(conn)?;
    emails.sort();
    emails.dedup();
    Ok(emails)
}

/// Demand posted (`before` is `None`) or changed: one message to each institution training the profession.
pub fn demand_posted(
    conn: &mut DbConnection,
    head: &Letterhead,
    record: &Demand,
    before: Option<&Demand>,
) -> QueryResult<()> {
    let enterprise: String = organizations::table
        .find(record.enterprise_id)
        .select(organizations::name)
        .first(conn)?;
    let (code, title): (String, String) = professions::table
        .find(record.profession_id)
        .select((professions::code, professions::title))
        .first(conn)?;
    let news = DemandNews {
        enterprise: &enterprise,
        profession_id: record.profession_id,
        profession_code: &code,
        profession_title: &title,
        year: record.year,
        headcount: record.headcount,
        changed_from: before.map(|b| (b.year, b.headcount)),
    };
    let emails: Vec<Email> = institutions_training(conn, record.profession_id)?
        .iter()
        .map(|recipient| templates::demand(head, recipient, &news))
        .collect();
    enqueue(conn, &emails)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A single-use set-password link for a new user, and its email.
pub fn invite(
    conn: &mut DbConnection,
    head: &Letterhead,
    user_id: i64,
    email: &str,
    role: &str,
    ttl_hours: i64,
) -> anyhow::Result<()> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    diesel::insert_into(invitations::table)
        .values((
            invitations::token_hash.eq(hash(&token)),
            invitations::user_id.eq(user_id),
            invitations::expires_at
                .eq(chrono::Utc::now().naive_utc() + chrono::Duration::hours(ttl_hours)),
        ))
        .execute(conn)?;
    enqueue(
        conn,
        &[templates::invitation(head, email, role, &token, ttl_hours)],
    )?;
    Ok(())
}

/// Uses an invitation: sets the user's password hash. `false` when the token
/// is unknown, used or expired. Call inside a transaction.
pub fn redeem(conn: &mut DbConnection, token: &str, password_hash: &str) -> QueryResult<bool> {
    let now = chrono::Utc::now().naive_utc();
    let user_id: Option<i64> = invitations::table
        .find(hash(token))
        .filter(invitations::used_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(invitations::user_id)
        .first(conn)
        .optional()?;
    let Some(user_id) = user_id else {
        return Ok(false);
    };
    let used = diesel::update(
        invitations::table
            .find(hash(token))
            .filter(invitations::used_at.is_null()),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    if used == 0 {
        return Ok(false);
    }
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(true)
}

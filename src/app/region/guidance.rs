//! Career guidance in motion: events of the past and current academic
//! year with registrations and attendance, and a few events to come.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::pupils::{Consenting, pick_weighted};
use super::{Catalogue, Loaded, Scale, Stage};
use crate::db::{DbConnection, events};
use crate::rng::Rng;

/// September 1 of an academic year, at noon.
fn september(year: i32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, 9, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default()
}

/// Guidance hours by kind of event.
const KIND_HOURS: [(&str, f64); 4] = [
    ("excursion", 4.0),
    ("open_day", 4.0),
    ("trial_lesson", 8.0),
    ("workshop", 12.0),
];

/// How many events a pupil of grade 7 or above attends in a whole academic
/// year, `(events, chance)`: none, a few, many, or a lot of the longer ones
/// (trial lessons and workshops: about 80 hours).
const ATTENDANCE: [(usize, f64); 4] = [(0, 0.3), (2, 0.25), (5, 0.3), (8, 0.15)];
/// The same for grades 5 and 6, where guidance begins.
const ATTENDANCE_YOUNG: [(usize, f64); 3] = [(0, 0.5), (1, 0.35), (3, 0.15)];
/// The tier of `ATTENDANCE` that goes to the longer events.
const INTENSIVE: usize = 8;

/// Career guidance in motion: events of the colleges and enterprises over
/// the past and the current academic year, consenting pupils registered
/// within capacity and marked as attended, and a few upcoming events.
pub(super) fn load_guidance(
    conn: &mut DbConnection,
    scale: &Scale,
    catalogue: &Catalogue,
    consenting: &[Consenting],
    rng: &mut Rng,
    loaded: &mut Loaded,
    progress: &mut impl FnMut(Stage, usize, usize),
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().naive_utc();
    // Organizers and the professions they show.
    let mut organizers: Vec<(i64, String, Vec<i64>)> = Vec::new();
    for (k, institution) in catalogue.institutions.iter().enumerate() {
        let shown: Vec<i64> = institution
            .professions
            .iter()
            .map(|p| loaded.professions[*p])
            .collect();
        organizers.push((loaded.institutions[k], institution.name.clone(), shown));
    }
    for (k, enterprise) in catalogue.enterprises.iter().enumerate() {
        let shown: Vec<i64> = (0..catalogue.professions.len())
            .filter(|p| catalogue.professions[*p].cluster == enterprise.cluster)
            .map(|p| loaded.professions[p])
            .collect();
        organizers.push((loaded.enterprises[k], enterprise.name.clone(), shown));
    }
    let years = [scale.academic_year - 1, scale.academic_year];
    let steps = years.len() + 1;
    for (step, year) in years.into_iter().enumerate() {
        let start = september(year);
        let end = september(year + 1).min(now - chrono::Duration::days(1));
        if end <= start {
            continue;
        }
        let span = (end - start).num_minutes().max(1);
        // The year in progress has had only part of its events (September to June: 300 days).
        let elapsed = ((end - start).num_days() as f64 / 300.0).clamp(0.0, 1.0);
        let mut held: Vec<(i64, i32, f64)> = Vec::new();
        for (organizer_id, name, shown) in &organizers {
            for _ in 0..6 {
                let (kind, hours) = KIND_HOURS[rng.below(KIND_HOURS.len())];
                let starts_at = start + chrono::Duration::minutes(rng.below(span as usize) as i64);
                let profession_ids: Vec<i64> = shown
                    .iter()
                    .copied()
                    .filter(|_| rng.chance(0.6))
                    .take(2)
                    .collect();
                let min_grade = rng.between(5, 8);
                let event = events::insert_in_transaction(
                    conn,
                    &events::NewEvent {
                        organizer_id: *organizer_id,
                        title: event_title(kind, name),
                        kind: kind.to_string(),
                        starts_at,
                        capacity: 1,
                        min_grade,
                        hours,
                        profession_ids,
                    },
                )?;
                held.push((event.id, min_grade, hours));
                loaded.events += 1;
            }
        }
        let mut registrations: HashMap<i64, Vec<(i64, i64, String)>> = HashMap::new();
        for (pupil_id, school_id, grade_now) in consenting {
            let grade = grade_now - (scale.academic_year - year);
            if grade < 5 {
                continue;
            }
            let in_year = if grade <= 6 {
                ATTENDANCE_YOUNG[pick_weighted(rng, &ATTENDANCE_YOUNG.map(|(_, p)| p))].0
            } else {
                ATTENDANCE[pick_weighted(rng, &ATTENDANCE.map(|(_, p)| p))].0
            };
            let intensive = in_year == INTENSIVE;
            let wanted = (in_year as f64 * elapsed).round() as usize;
            let mut chosen: Vec<i64> = Vec::with_capacity(wanted);
            for _ in 0..wanted * 4 {
                if chosen.len() == wanted {
                    break;
                }
                let (event_id, min_grade, hours) = held[rng.below(held.len())];
                if min_grade <= grade && (!intensive || hours >= 8.0) && !chosen.contains(&event_id)
                {
                    chosen.push(event_id);
                }
            }
            for event_id in chosen {
                // Demo tickets come from the seed, so the same seed gives the same demo.
                let code = format!("{:016x}", rng.next_u64());
                registrations
                    .entry(event_id)
                    .or_default()
                    .push((*pupil_id, *school_id, code));
            }
        }
        for (event_id, _, _) in &held {
            let pupils = registrations.remove(event_id).unwrap_or_default();
            loaded.registrations += pupils.len();
            events::register_many_in_transaction(conn, *event_id, &pupils, true)?;
        }
        progress(Stage::Guidance, step + 1, steps);
    }
    // A few events to come, with places left.
    for (n, (organizer_id, name, shown)) in organizers.iter().enumerate().take(15) {
        let (kind, hours) = KIND_HOURS[n % KIND_HOURS.len()];
        let starts_at = now + chrono::Duration::days(7 + 4 * n as i64);
        let event = events::insert_in_transaction(
            conn,
            &events::NewEvent {
                organizer_id: *organizer_id,
                title: event_title(kind, name),
                kind: kind.to_string(),
                starts_at: starts_at.date().and_hms_opt(11, 0, 0).unwrap_or(starts_at),
                capacity: 1,
                min_grade: 7,
                hours,
                profession_ids: shown.iter().copied().take(2).collect(),
            },
        )?;
        let pupils: Vec<(i64, i64, String)> = (0..20 + rng.below(30))
            .map(|_| consenting[rng.below(consenting.len().max(1))])
            .filter(|(_, _, grade)| *grade >= 7)
            .map(|(id, school, _)| (id, school))
            .collect::<std::collections::BTreeMap<i64, i64>>()
            .into_iter()
            .map(|(id, school)| (id, school, format!("{:016x}", rng.next_u64())))
            .collect();
        loaded.registrations += pupils.len();
        loaded.events += 1;
        events::register_many_in_transaction(conn, event.id, &pupils, false)?;
    }
    progress(Stage::Guidance, steps, steps);
    Ok(())
}

fn event_title(kind: &str, organizer: &str) -> String {
    let what = match kind {
        "excursion" => "Экскурсия",
        "open_day" => "День открытых дверей",
        "trial_lesson" => "Профессиональная проба",
        _ => "Мастер-класс",
    };
    let title = format!("{what}: {organizer}");
    title.chars().take(300).collect()
}

use chrono::Datelike;
use kadry::cli::load_demo;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, spawn_app_with, test_settings};

async fn all(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page = app
            .get_json(
                &format!("{path}{separator}limit=500&offset={}", items.len()),
                token,
            )
            .await;
        let batch = page["items"].as_array().unwrap().clone();
        let total = page["total"].as_u64().unwrap() as usize;
        items.extend(batch);
        if items.len() >= total {
            return items;
        }
    }
}

#[tokio::test]
async fn the_demo_loads_signs_in_forecasts_and_keeps_every_rule() {
    let db = TestDatabase::new();
    let mut settings = test_settings(&db.url, &[]);
    let outcome = load_demo(&mut settings, 33, 2_000, false)
        .await
        .expect("the demo loads");
    let loaded = outcome.loaded.expect("a fresh load");
    let users = outcome.users;
    assert_eq!(loaded.pupils, 2_000);
    assert_eq!(users.len(), 4);
    // A second `kadry demo` on the same database keeps it and serves it.
    let mut again = test_settings(&db.url, &[]);
    let kept = load_demo(&mut again, 33, 2_000, false)
        .await
        .expect("the demo is kept");
    assert!(kept.loaded.is_none());
    assert_eq!(
        kept.users.iter().map(|u| &u.email).collect::<Vec<_>>(),
        users.iter().map(|u| &u.email).collect::<Vec<_>>()
    );

    let app = spawn_app_with(db, |_| {}).await;
    let admin = app.admin_token().await;
    for user in &users {
        let token = app.token_for(&user.email, &user.password).await;
        let me = app.get_json("/api/v1/me", &token).await;
        assert_eq!(me["role"], user.role.as_str());
    }
    let forecast = app.get_json("/api/v1/forecast", &admin).await;
    assert!(
        forecast["rows"].as_array().unwrap().len() > 10,
        "{forecast}"
    );
    assert!(
        forecast["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["supply"].as_f64().unwrap() > 0.0)
    );

    // Every record keeps the rules the API enforces.
    let year = chrono::Utc::now().year() as i64;
    let programs = all(&app, &admin, "/api/v1/programs").await;
    assert_eq!(programs.len(), loaded.programs);
    assert!(!programs.is_empty());
    for program in &programs {
        assert!(
            [9, 11].contains(&program["entry_grade"].as_i64().unwrap()),
            "{program}"
        );
        assert!(
            (1..=72).contains(&program["duration_months"].as_i64().unwrap()),
            "{program}"
        );
        if let Some(rate) = program["completion_rate"].as_f64() {
            assert!((0.0..=1.0).contains(&rate), "{program}");
        }
        let shares: Vec<f64> = program["professions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["share"].as_f64().unwrap())
            .collect();
        assert!(shares.iter().all(|s| *s > 0.0 && *s <= 1.0), "{program}");
        assert!(
            (shares.iter().sum::<f64>() - 1.0).abs() <= 0.001,
            "{program}"
        );
        assert!(
            kadry::domain::specialty_code(program["specialty_code"].as_str().unwrap()).is_ok(),
            "{program}"
        );
        let id = program["id"].as_i64().unwrap();
        for intake in all(&app, &admin, &format!("/api/v1/programs/{id}/intakes")).await {
            let (seats, targeted) = (
                intake["seats"].as_i64().unwrap(),
                intake["targeted_seats"].as_i64().unwrap(),
            );
            assert!(
                (0..=seats).contains(&targeted) && seats <= 100_000,
                "{intake}"
            );
        }
        for enrollment in all(&app, &admin, &format!("/api/v1/programs/{id}/enrollments")).await {
            assert!(
                enrollment["start_year"].as_i64().unwrap() <= year,
                "{enrollment}"
            );
            assert!(
                enrollment["students"].as_i64().unwrap() >= 0,
                "{enrollment}"
            );
        }
    }
    let pupils = all(&app, &admin, "/api/v1/pupils").await;
    assert_eq!(pupils.len(), 2_000);
    let consenting = pupils.iter().filter(|p| p["consent"] == true).count();
    assert!(
        (1_400..=1_800).contains(&consenting),
        "about 80 % consent, not {consenting}"
    );
    for pupil in &pupils {
        assert!(
            (5..=11).contains(&pupil["grade"].as_i64().unwrap()),
            "{pupil}"
        );
        assert!(
            (2000..=year + 1).contains(&pupil["academic_year"].as_i64().unwrap()),
            "{pupil}"
        );
        let interests = pupil["interests"].as_array().unwrap();
        if pupil["consent"] == false {
            assert!(
                pupil["display_name"].is_null() && interests.is_empty(),
                "{pupil}"
            );
        }
        for interest in interests {
            assert!(
                interest["profession_id"].is_i64() != interest["cluster_id"].is_i64(),
                "{pupil}"
            );
            assert!(interest["weight"].as_f64().unwrap() > 0.0, "{pupil}");
        }
    }
    let demand = all(&app, &admin, "/api/v1/demand").await;
    assert_eq!(demand.len(), loaded.demand_records);
    assert!(!demand.is_empty());
    for record in &demand {
        assert!(
            (year..=year + 30).contains(&record["year"].as_i64().unwrap()),
            "{record}"
        );
        assert!(
            (1..=100_000).contains(&record["headcount"].as_i64().unwrap()),
            "{record}"
        );
    }
    let organizations = all(&app, &admin, "/api/v1/organizations").await;
    for organization in &organizations {
        assert!(
            kadry::domain::EmailAddress::parse(organization["email"].as_str().unwrap()).is_ok()
        );
    }
    let response = app
        .get("/api/v1/organizations?kind=university", &admin)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["total"], 2);
}

#[tokio::test]
async fn a_database_with_other_data_is_not_taken_for_the_demo() {
    let db = TestDatabase::new();
    let app = spawn_app_with(db, |_| {}).await;
    let admin = app.admin_token().await;
    app.create_cluster(&admin, "Not the demo").await;
    let db = app.stop().await;
    let mut settings = test_settings(&db.url, &[]);
    let refused = load_demo(&mut settings, 33, 500, false)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        refused.contains("kadry serve") && refused.contains("--replace"),
        "{refused}"
    );
    // --replace wipes it and loads the demo.
    let mut settings = test_settings(&db.url, &[]);
    let replaced = load_demo(&mut settings, 33, 500, true).await.unwrap();
    assert!(replaced.loaded.is_some());
}

#[tokio::test]
async fn the_same_seed_gives_the_same_demo() {
    let mut snapshots = Vec::new();
    for _ in 0..2 {
        let db = TestDatabase::new();
        let mut settings = test_settings(&db.url, &[]);
        load_demo(&mut settings, 7, 500, false).await.unwrap();
        let as_of = kadry::domain::numbers::current_academic_year();
        let app = spawn_app_with(db, |_| {}).await;
        let admin = app.admin_token().await;
        let forecast = app
            .get_json(&format!("/api/v1/forecast?as_of={as_of}"), &admin)
            .await;
        let pupils = all(&app, &admin, "/api/v1/pupils").await;
        let demand = all(&app, &admin, "/api/v1/demand").await;
        snapshots.push((forecast, pupils, demand));
    }
    assert_eq!(snapshots[0], snapshots[1]);
}

/// The demo at a tenth of the region: its seats, leavers, horizon, demand,
/// guidance and first shortage check are those of a plausible region.
#[tokio::test]
async fn the_demo_region_adds_up() {
    let as_of = kadry::domain::numbers::current_academic_year();
    let db = TestDatabase::new();
    let mut settings = test_settings(&db.url, &[]);
    let outcome = load_demo(&mut settings, 33, 8_500, false).await.unwrap();
    let loaded = outcome.loaded.unwrap();
    let app = spawn_app_with(db, |settings| {
        settings.email.shortage_check_seconds = 1;
    })
    .await;
    let admin = app.admin_token().await;

    // First-year places of the colleges: about the real 10,000, at a tenth.
    let colleges: std::collections::HashSet<i64> =
        all(&app, &admin, "/api/v1/organizations?kind=college")
            .await
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect();
    let inputs = {
        use kadry::db::{ConnectionManager, DatabaseUrl};
        let manager = ConnectionManager::new(DatabaseUrl::parse(&app.db.url).unwrap(), 5000);
        let mut conn = manager.connect().unwrap();
        (
            kadry::db::forecast::load_inputs(&mut conn).unwrap(),
            kadry::db::forecast::parameters(&mut conn).unwrap(),
        )
    };
    let (inputs, parameters) = inputs;
    let programs = all(&app, &admin, "/api/v1/programs").await;
    let college_programs: std::collections::HashSet<i64> = programs
        .iter()
        .filter(|p| colleges.contains(&p["institution_id"].as_i64().unwrap()))
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    for year in as_of + 1..=as_of + 5 {
        let seats: i32 = inputs
            .programs
            .iter()
            .filter(|p| college_programs.contains(&p.id))
            .filter_map(|p| p.seats_in(year))
            .map(|s| s.seats)
            .sum();
        assert!(
            (850..=1_150).contains(&seats),
            "{year}: {seats} first-year college places, not about 1,000"
        );
    }

    // Few leavers without a place: under 10 % in every exit year from next year on.
    let forecast = app
        .get_json(
            &format!(
                "/api/v1/forecast?as_of={as_of}&from={}&to={}",
                as_of + 1,
                as_of + 12
            ),
            &admin,
        )
        .await;
    for exit_year in as_of + 1..=as_of + 10 {
        let mut leavers = 0.0;
        for mass in &inputs.interests {
            for (_, year, weight) in
                kadry::forecast::engine::contributions(mass.grade, mass.academic_year, &parameters)
            {
                if year == exit_year {
                    leavers += weight * mass.pupils;
                }
            }
        }
        for (grade, academic_year, pupils) in kadry::forecast::engine::open_counts(&inputs, as_of) {
            for (_, year, weight) in
                kadry::forecast::engine::contributions(grade, academic_year, &parameters)
            {
                if year == exit_year {
                    leavers += weight * pupils;
                }
            }
        }
        let unplaced: f64 = forecast["unplaced"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["year"] == exit_year)
            .map(|u| u["pupils"].as_f64().unwrap())
            .sum();
        assert!(leavers > 0.0, "{exit_year}: no leavers");
        assert!(
            unplaced < 0.1 * leavers,
            "{exit_year}: {unplaced:.0} of {leavers:.0} leavers without a place"
        );
    }
    // The horizon: at least ten years from next year are complete.
    let complete_until = forecast["complete_until"]
        .as_i64()
        .expect("complete at first");
    assert!(
        complete_until >= i64::from(as_of + 11),
        "complete until {complete_until}"
    );

    // Demand moves smoothly but for the plans' growth steps.
    let steps: std::collections::HashSet<(i64, i64, i64)> = loaded
        .growth_steps
        .iter()
        .map(|(e, p, y)| (*e, *p, i64::from(*y)))
        .collect();
    assert!(!steps.is_empty());
    let demand = all(&app, &admin, "/api/v1/demand").await;
    let mut series: std::collections::BTreeMap<(i64, i64), Vec<(i64, f64)>> = Default::default();
    for record in &demand {
        series
            .entry((
                record["enterprise_id"].as_i64().unwrap(),
                record["profession_id"].as_i64().unwrap(),
            ))
            .or_default()
            .push((
                record["year"].as_i64().unwrap(),
                record["headcount"].as_f64().unwrap(),
            ));
    }
    for ((enterprise, profession), mut years) in series {
        years.sort_by_key(|(year, _)| *year);
        for pair in years.windows(2) {
            let ((_, before), (year, after)) = (pair[0], pair[1]);
            if (after - before).abs() > 0.5 * before {
                assert!(
                    steps.contains(&(enterprise, profession, year)),
                    "{enterprise}/{profession}: {before} -> {after} in {year} is no declared step"
                );
            }
        }
    }

    // The demo tells the truth about its own schools (version 3): counts of
    // grades 1 to 11 for every school for as_of - 6 ..= as_of, whose latest
    // year is exactly the pupils registered.
    let schools = all(&app, &admin, "/api/v1/organizations?kind=school").await;
    let mut registered: std::collections::HashMap<(i64, i32), i64> = Default::default();
    for record in &inputs.records {
        *registered
            .entry((record.school_id, record.grade))
            .or_default() += record.pupils;
    }
    for school in &schools {
        let id = school["id"].as_i64().unwrap();
        let years = app
            .get_json(&format!("/api/v1/schools/{id}/grade-counts"), &admin)
            .await;
        let years = years["items"].as_array().unwrap();
        let recorded: Vec<i64> = years
            .iter()
            .map(|y| y["academic_year"].as_i64().unwrap())
            .collect();
        assert_eq!(
            recorded,
            (i64::from(as_of) - 6..=i64::from(as_of))
                .rev()
                .collect::<Vec<_>>()
        );
        for year in years {
            assert_eq!(year["grades"].as_array().unwrap().len(), 11);
        }
        for grade in years[0]["grades"].as_array().unwrap() {
            let g = grade["grade"].as_i64().unwrap() as i32;
            if g >= 5 {
                assert_eq!(
                    grade["pupils"].as_i64().unwrap(),
                    registered.get(&(id, g)).copied().unwrap_or(0),
                    "school {id}, grade {g}"
                );
            }
        }
    }
    // The stored parameters are the calibration of the demo's own history
    // (every parameter has five years that count), near the true rates it
    // was made from: about 60 % of grade 9 go on to grade 10.
    let stored = app.get_json("/api/v1/forecast/parameters", &admin).await;
    let calibration = app.get_json("/api/v1/forecast/calibration", &admin).await;
    for p in calibration["parameters"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        assert_eq!(p["enough"], true, "{name}");
        assert_eq!(stored[name], p["estimate"], "{name}");
        assert_eq!(stored["bounds"][name]["low"], p["low"], "{name}");
        assert_eq!(stored["bounds"][name]["high"], p["high"], "{name}");
    }
    let s10 = stored["continue_to_grade_10_share"].as_f64().unwrap();
    assert!((0.58..0.62).contains(&s10), "{s10}");
    let p9 = stored["after_grade_9_share"].as_f64().unwrap();
    assert!((0.34..0.40).contains(&p9), "{p9}");
    let audit = app
        .get_json("/api/v1/audit?entity=forecast_parameters", &admin)
        .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|line| line["changes"]["calibration"]["window"] == 5),
        "{audit}"
    );
    // And last year's forecast is published, to compare with today's.
    let published = app.get_json("/api/v1/forecast/published", &admin).await;
    assert_eq!(published["items"][0]["as_of"], as_of - 1, "{published}");
    // Graduations up to as_of and destinations before it, for every program
    // with an enrollment far enough back.
    let program = inputs.programs[0].id;
    let graduations = app
        .get_json(&format!("/api/v1/programs/{program}/graduations"), &admin)
        .await;
    let years: Vec<i64> = graduations["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["year"].as_i64().unwrap())
        .collect();
    assert!(
        years.len() >= 5 && years.iter().all(|y| *y <= i64::from(as_of)),
        "{years:?}"
    );
    let destinations = app
        .get_json(&format!("/api/v1/programs/{program}/destinations"), &admin)
        .await;
    let destinations = destinations["items"].as_array().unwrap();
    assert!(!destinations.is_empty());
    assert!(
        destinations
            .iter()
            .all(|d| d["graduation_year"].as_i64().unwrap() < i64::from(as_of))
    );
    assert!(loaded.graduations > 0 && loaded.destinations > 0);
    // Demand in the order of the region's published need of about 12,000 a year.
    for year in as_of + 1..=as_of + 12 {
        let demanded: f64 = forecast["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["year"] == year)
            .map(|r| r["demand"].as_f64().unwrap())
            .sum();
        assert!(
            (10_000.0..=14_000.0).contains(&demanded),
            "{year}: demand {demanded}"
        );
    }
    // No artefact cliff: within the complete years no profession's supply
    // falls by more than 15 % from one year to the next (seats and
    // enrollments stay put in the demo, so nothing else explains one).
    let rows = forecast["rows"].as_array().unwrap();
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a["profession_id"] != b["profession_id"]
            || a["complete"] != true
            || b["complete"] != true
        {
            continue;
        }
        let (before, after) = (a["supply"].as_f64().unwrap(), b["supply"].as_f64().unwrap());
        assert!(
            before < 20.0 || after >= 0.85 * before,
            "{} {} -> {}: {before} -> {after}",
            a["profession_code"],
            a["year"],
            b["year"]
        );
    }

    // Career guidance: the last full academic year shows every band.
    let school = all(&app, &admin, "/api/v1/organizations?kind=school").await[0]["id"]
        .as_i64()
        .unwrap();
    let report = app
        .get_json(
            &format!(
                "/api/v1/schools/{school}/guidance-report?academic_year={}",
                as_of - 1
            ),
            &admin,
        )
        .await;
    let total = |field: &str| -> i64 {
        report["grades"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g[field].as_i64().unwrap())
            .sum()
    };
    let (r40, r60, r80, none) = (
        total("reached_40"),
        total("reached_60"),
        total("reached_80"),
        total("without_guidance"),
    );
    assert!(
        none > 0 && r40 - r60 > 0 && r60 - r80 > 0 && r80 > 0,
        "bands: none {none}, 40+ {r40}, 60+ {r60}, 80+ {r80}"
    );
    assert!(loaded.events > 0 && loaded.registrations > 0);
    let upcoming = app
        .get_json(
            &format!("/api/v1/events?from={}", chrono::Utc::now().date_naive()),
            &admin,
        )
        .await;
    assert!(upcoming["total"].as_i64().unwrap() > 0);

    // A quiet start: the first shortage checks find nothing new to tell.
    assert!(outcome.shortages_known > 0);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let outbox = app.get_json("/api/v1/notifications", &admin).await;
    assert_eq!(outbox["total"], 0, "{outbox}");
}

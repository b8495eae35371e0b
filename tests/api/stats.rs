use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, assert_problem, connect, spawn_app};

const HEADER: &str = "external_ref,grade,academic_year,consent,display_name,interests\n";

/// School A: 12 pupils in grade 5 (interested in welding), 3 in grade 6
/// (the glass cluster), 20 in grade 7 (glass operators). School B: 4 in grade 5.
async fn populate(app: &TestApp, w: &World) {
    let rows = |prefix: &str, count: usize, grade: i32, interests: &str| -> String {
        (0..count)
            .map(|n| format!("{prefix}-{n},{grade},2025,true,,{interests}\n"))
            .collect()
    };
    let school_a = format!(
        "{HEADER}{}{}{}",
        rows("W", 12, 5, "P:22.02.06:1"),
        rows("G", 3, 6, &format!("C:{}:1", w.glass)),
        rows("O", 20, 7, "P:18.02.05:1"),
    );
    let school_b = format!("{HEADER}{}", rows("B", 4, 5, ""));
    for ((school, token), csv) in [(&w.school_a, school_a), (&w.school_b, school_b)] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/schools/{school}/pupils/import")))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// `(key, count)` of each item, checking that the items are all exact or
/// all protected as `protected` says.
fn cells_as(stats: &Value, key: &str, protected: bool) -> Vec<(i64, i64)> {
    stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            assert_eq!(item["suppressed"], protected, "{item}");
            (item[key].as_i64().unwrap(), item["count"].as_i64().unwrap())
        })
        .collect()
}

fn cells(stats: &Value, key: &str) -> Vec<(i64, i64)> {
    cells_as(stats, key, false)
}

fn rounded(stats: &Value, key: &str) -> Vec<(i64, i64)> {
    cells_as(stats, key, true)
}

#[tokio::test]
async fn admins_and_the_pupils_school_see_exact_counts() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    populate(&app, &w).await;
    let all = app
        .get_json("/api/v1/stats/pupils?group_by=grade", &w.admin)
        .await;
    assert_eq!(all["group_by"], "grade");
    assert_eq!(cells(&all, "grade"), [(5, 16), (6, 3), (7, 20)]);
    let own = format!(
        "/api/v1/stats/pupils?group_by=grade&school_id={}",
        w.school_a.0
    );
    assert_eq!(
        cells(&app.get_json(&own, &w.school_a.1).await, "grade"),
        [(5, 12), (6, 3), (7, 20)]
    );
    let by_school = app
        .get_json("/api/v1/stats/pupils?group_by=school", &w.admin)
        .await;
    assert_eq!(
        cells(&by_school, "school_id"),
        [(w.school_a.0, 35), (w.school_b.0, 4)]
    );
}

#[tokio::test]
async fn everyone_else_gets_each_schools_counts_rounded_before_they_are_added() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    populate(&app, &w).await;
    let other_school = format!(
        "/api/v1/stats/pupils?group_by=grade&school_id={}",
        w.school_a.0
    );
    // School A: 12, 3 and 20 pupils in grades 5, 6 and 7, shown as 10, 5 and
    // 20; school B: 4 in grade 5, shown as 5. Totals add the rounded cells.
    for token in [&w.analyst, &w.college_a.1, &w.enterprise_a.1, &w.school_b.1] {
        let by_grade = app
            .get_json("/api/v1/stats/pupils?group_by=grade", token)
            .await;
        assert_eq!(rounded(&by_grade, "grade"), [(5, 15), (6, 5), (7, 20)]);
        let by_school = app
            .get_json("/api/v1/stats/pupils?group_by=school", token)
            .await;
        assert_eq!(
            rounded(&by_school, "school_id"),
            [(w.school_a.0, 35), (w.school_b.0, 5)]
        );
        let scoped = app.get_json(&other_school, token).await;
        assert_eq!(rounded(&scoped, "grade"), [(5, 10), (6, 5), (7, 20)]);
    }
    // School A sees the region as an outsider does.
    let region = app
        .get_json("/api/v1/stats/pupils?group_by=grade", &w.school_a.1)
        .await;
    assert_eq!(rounded(&region, "grade"), [(5, 15), (6, 5), (7, 20)]);
}

#[tokio::test]
async fn interests_are_counted_by_target_and_filters_follow_clusters() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    populate(&app, &w).await;
    let by_interest = app
        .get_json("/api/v1/stats/pupils?group_by=interest", &w.admin)
        .await;
    assert_eq!(
        by_interest["items"],
        json!([
            {"profession_id": w.glass_operator, "count": 20, "suppressed": false},
            {"profession_id": w.welder, "count": 12, "suppressed": false},
            {"cluster_id": w.glass, "count": 3, "suppressed": false}
        ])
    );
    // The glass cluster filter takes pupils interested in the cluster or in one of its professions.
    let glass = app
        .get_json(
            &format!("/api/v1/stats/pupils?group_by=grade&cluster_id={}", w.glass),
            &w.admin,
        )
        .await;
    assert_eq!(cells(&glass, "grade"), [(6, 3), (7, 20)]);
    let welders = app
        .get_json(
            &format!(
                "/api/v1/stats/pupils?group_by=school&profession_id={}",
                w.welder
            ),
            &w.admin,
        )
        .await;
    assert_eq!(cells(&welders, "school_id"), [(w.school_a.0, 12)]);
    let machines = app
        .get_json(
            &format!(
                "/api/v1/stats/pupils?group_by=grade&cluster_id={}",
                w.machines
            ),
            &w.analyst,
        )
        .await;
    assert_eq!(rounded(&machines, "grade"), [(5, 10)]);
}

#[tokio::test]
async fn stats_need_a_known_grouping_and_a_token() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    assert_problem(
        app.get("/api/v1/stats/pupils", &w.admin).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_problem(
        app.get("/api/v1/stats/pupils?group_by=name", &w.admin)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let response = app
        .client
        .get(app.url("/api/v1/stats/pupils?group_by=grade"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

/// The maintained `pupil_counts` against a GROUP BY over the pupils
/// themselves, after every kind of write: creation, a roster that adds and
/// updates (grades and interests), a change of grade alone, a change of
/// interests alone, deletion, and pruning of leavers.
#[tokio::test]
async fn the_maintained_counts_equal_counting_the_pupils_after_every_kind_of_write() {
    use kadry::db::pupil_stats::{
        Filter, cells_by_grade, cells_by_grade_scanned, cells_by_interest,
        cells_by_interest_scanned,
    };
    // Kept 30 years, so that a pupil who left in 2020 may be written (and pruned below).
    let app = crate::helpers::spawn_app_with(crate::helpers::TestDatabase::new(), |settings| {
        settings.retention.keep_pupil_years = 30;
    })
    .await;
    let w = World::build(&app).await;
    let check = |step: &str| {
        let mut conn = crate::helpers::connect(&app.db);
        for school_id in [None, Some(w.school_a.0), Some(w.school_b.0)] {
            let filter = Filter {
                school_id,
                cluster_id: None,
                profession_id: None,
            };
            let mut kept = cells_by_grade(&mut conn, filter).unwrap();
            let mut counted = cells_by_grade_scanned(&mut conn, filter).unwrap();
            kept.sort();
            counted.sort();
            assert_eq!(kept, counted, "{step}: grades of {school_id:?}");
            let mut kept = cells_by_interest(&mut conn, filter).unwrap();
            let mut counted = cells_by_interest_scanned(&mut conn, filter).unwrap();
            kept.sort();
            counted.sort();
            assert_eq!(kept, counted, "{step}: interests of {school_id:?}");
        }
    };
    check("empty");
    let pupil = |school: i64, reference: &str, grade: i32, interests: Value| {
        json!({"school_id": school, "external_ref": reference, "grade": grade, "academic_year": 2026,
               "consent": true, "interests": interests})
    };
    let both = json!([{"profession_id": w.cnc_operator, "weight": 2}, {"cluster_id": w.glass, "weight": 1}]);
    let a = app
        .create(
            "/api/v1/pupils",
            &w.admin,
            pupil(w.school_a.0, "A1", 8, both.clone()),
        )
        .await;
    let b = app
        .create(
            "/api/v1/pupils",
            &w.admin,
            pupil(
                w.school_b.0,
                "B1",
                9,
                json!([{"profession_id": w.welder, "weight": 1}]),
            ),
        )
        .await;
    app.create(
        "/api/v1/pupils",
        &w.admin,
        pupil(w.school_b.0, "B2", 9, json!([])),
    )
    .await;
    check("created");
    let roster = format!(
        "external_ref,grade,academic_year,consent,display_name,interests\nA1,10,2026,true,,P:22.02.06:1\nA2,7,2026,true,,C:{}:3\nA3,11,2019,true,,\n",
        w.glass
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/schools/{}/pupils/import", w.school_a.0)))
        .bearer_auth(&w.admin)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{text}");
    check("a roster that adds and updates");
    let response = app
        .patch_json(
            &format!("/api/v1/pupils/{b}"),
            &w.admin,
            &json!({"grade": 10}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    check("a grade changed alone");
    let response = app
        .patch_json(
            &format!("/api/v1/pupils/{a}"),
            &w.admin,
            &json!({"interests": both}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    check("interests changed alone");
    assert_eq!(
        app.delete(&format!("/api/v1/pupils/{b}"), &w.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    check("deleted");
    let mut conn = crate::helpers::connect(&app.db);
    let leavers = kadry::db::pupils::leavers(&mut conn, 2026, 100).unwrap();
    assert_eq!(leavers.len(), 1, "A3 left in 2020");
    for id in leavers {
        kadry::db::write_transaction(&mut conn, |conn| {
            kadry::db::pupils::delete_in_transaction(conn, id)
        })
        .unwrap();
    }
    check("pruned");
}

/// The region's counts by interest are rounded and added up by the
/// database; they equal `disclosure::round` applied to every school's cell
/// per grade and added up, for every count from 0 to 40.
#[tokio::test]
async fn the_database_rounds_interest_counts_as_the_disclosure_rule_does() {
    use diesel::RunQueryDsl;
    use kadry::domain::disclosure::round;

    let app = spawn_app().await;
    let w = World::build(&app).await;
    let mut conn = connect(&app.db);
    // Cells of made-up schools 9001-9041, grade 5 and 6, one count each.
    let mut exact = std::collections::BTreeMap::<i64, i64>::new();
    let mut rounded = std::collections::BTreeMap::<i64, i64>::new();
    for n in 0..=40i64 {
        for (grade, target) in [(5, w.welder), (6, w.welder), (5, w.glass_operator)] {
            let count = if target == w.welder { n } else { 40 - n };
            diesel::sql_query(format!(
                "INSERT INTO pupil_counts (school_id, grade, target_kind, target_id, pupils) \
                 VALUES ({}, {grade}, 'profession', {target}, {count})",
                9001 + n
            ))
            .execute(&mut conn)
            .unwrap();
            *exact.entry(target).or_default() += count;
            *rounded.entry(target).or_default() += round(count);
        }
    }
    let totals = |answer: &Value| -> std::collections::BTreeMap<i64, i64> {
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                (
                    item["profession_id"].as_i64().unwrap(),
                    item["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let outside = app
        .get_json("/api/v1/stats/pupils?group_by=interest", &w.analyst)
        .await;
    assert_eq!(totals(&outside), rounded);
    let inside = app
        .get_json("/api/v1/stats/pupils?group_by=interest", &w.admin)
        .await;
    assert_eq!(totals(&inside), exact);
}

//! What each role's pages do beyond showing records: one demand record per
//! enterprise, profession and year (a second is a 409 naming the first,
//! the page offers to change it, old duplicates merged by a migration); the
//! coverage line after a save; the heatmap's totals, largest shortages and
//! sort; the Russian CSV; the admin's Russian names, invitees and the
//! confirmation before disabling; the outbox's texts with the log transport.

use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestDatabase, World, connect, spawn_app, spawn_app_with};
use crate::pages::Region;

#[tokio::test]
async fn a_second_record_for_the_same_enterprise_profession_and_year_is_a_409_naming_the_first() {
    let app = spawn_app().await;
    let w = World::build(&app).await;
    let record = json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": 2030, "headcount": 12});
    let first = app.create("/api/v1/demand", &w.admin, record.clone()).await;
    let response = app.post_json("/api/v1/demand", &w.admin, &record).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("demand record {first} ")),
        "{problem}"
    );
    // Another enterprise, or another year, is another record.
    let other = json!({"enterprise_id": w.enterprise_b.0, "profession_id": w.welder, "year": 2030, "headcount": 3});
    app.create("/api/v1/demand", &w.admin, other).await;
    let later = json!({"enterprise_id": w.enterprise_a.0, "profession_id": w.welder, "year": 2031, "headcount": 3});
    let later = app.create("/api/v1/demand", &w.admin, later).await;
    // Moving a record onto the first's year is the same conflict, and changes nothing.
    let response = app
        .put_json(
            &format!("/api/v1/demand/{later}"),
            &w.admin,
            &json!({"profession_id": w.welder, "year": 2030, "headcount": 3}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let stored = app
        .get_json(&format!("/api/v1/demand/{later}"), &w.admin)
        .await;
    assert_eq!(stored["year"], 2031);
    let listing = app
        .get_json(
            &format!("/api/v1/demand?profession_id={}", w.welder),
            &w.admin,
        )
        .await;
    assert_eq!(listing["total"], 3);
}

#[tokio::test]
async fn the_enterprise_page_offers_to_change_the_existing_record_and_says_how_far_colleges_cover_it()
 {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let plant = r.visitor(&app, "enterprise_a").await;
    let profession = r.w.cnc_operator.to_string();
    // Region's demand_a: enterprise A, CNC operator, 2029, 1234.
    let answer = plant
        .post(
            "/demand",
            &[
                ("profession_id", &profession),
                ("year", "2029"),
                ("headcount", "40"),
            ],
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains(&format!("у предприятия уже есть запись № {}", r.demand_a)),
        "named in Russian"
    );
    let offer = &answer.body[answer
        .body
        .find("id=\"change-existing\"")
        .expect("the offer")..];
    assert!(offer.contains(&format!("action=\"/demand/{}\"", r.demand_a)));
    assert!(
        offer.contains("value=\"40\""),
        "the typed headcount is kept"
    );
    assert!(offer.contains("1\u{a0}234"), "the record as it is");
    // Changing it, as offered.
    let answer = plant
        .post(
            &format!("/demand/{}", r.demand_a),
            &[
                ("profession_id", &profession),
                ("year", "2029"),
                ("headcount", "40"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let page = plant.get(answer.location()).await;
    assert!(page.body.contains("Сохранено."));
    let coverage = &page.body[page
        .body
        .find("id=\"coverage\"")
        .expect("the coverage line")..];
    assert!(
        coverage.contains("Колледжи региона выпустят ≈"),
        "{coverage}"
    );
    assert!(coverage.contains("из 40 нужных в 2029"), "{coverage}");
    let stored = app
        .get_json(&format!("/api/v1/demand/{}", r.demand_a), &r.w.admin)
        .await;
    assert_eq!(stored["headcount"], 40);

    // The home page's link opens the forecast of the enterprise's own
    // professions: not the welders another enterprise needs.
    app.create(
        "/api/v1/demand",
        &r.w.admin,
        json!({"enterprise_id": r.w.enterprise_b.0, "profession_id": r.w.welder, "year": 2029, "headcount": 9}),
    )
    .await;
    let home = plant.get("/").await;
    assert!(home.body.contains("href=\"/forecast?mine=1\""));
    let mine = plant.get("/forecast?mine=1").await;
    assert!(
        mine.body
            .contains(&format!("/forecast/professions/{}\"", r.w.cnc_operator))
    );
    assert!(
        !mine
            .body
            .contains(&format!("/forecast/professions/{}\"", r.w.welder)),
        "a profession the enterprise posts no demand for is left out"
    );
    let all = plant.get("/forecast").await;
    assert!(
        all.body
            .contains(&format!("/forecast/professions/{}\"", r.w.welder))
    );
}

#[tokio::test]
async fn duplicates_an_older_kadry_stored_are_merged_by_the_migration_with_an_audit_line() {
    let db = TestDatabase::new();
    let manager =
        kadry::db::ConnectionManager::new(kadry::db::DatabaseUrl::parse(&db.url).unwrap(), 5000);
    kadry::db::migrations::run(&manager).unwrap();
    // Back to the database as it was before migration 18 (and those after it).
    loop {
        let reverted = kadry::db::migrations::revert_last(&manager).unwrap();
        if reverted.ends_with("000018") {
            break;
        }
        assert!(reverted.as_str() > "2026-12-03-000018", "{reverted}");
    }
    let at = "'2026-12-01 10:00:00'";
    connect(&db)
        .batch_execute(&format!(
            "INSERT INTO clusters (id, name, industry, created_at) VALUES (901, 'Стекло', 'glass', {at});
             INSERT INTO professions (id, code, title, cluster_id, created_at) VALUES (902, '18.02.05', 'Оператор', 901, {at});
             INSERT INTO organizations (id, kind, name, town, email, created_at) VALUES (903, 'enterprise', 'Завод', 'Гусь-Хрустальный', 'plant@example.test', {at});
             INSERT INTO demand (id, enterprise_id, profession_id, year, headcount, note, created_at, updated_at) VALUES
                 (904, 903, 902, 2030, 7, 'first', {at}, {at}),
                 (905, 903, 902, 2030, 5, NULL, {at}, {at}),
                 (906, 903, 902, 2030, 99990, NULL, {at}, {at}),
                 (907, 903, 902, 2031, 4, NULL, {at}, {at});"
        ))
        .unwrap();
    let app = spawn_app_with(db, |_| {}).await;
    let admin = app.admin_token().await;
    let listing = app.get_json("/api/v1/demand?limit=100", &admin).await;
    let records: Vec<(i64, i64, i64)> = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["year"].as_i64().unwrap(),
                d["headcount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        records,
        vec![(904, 2030, 100_000), (907, 2031, 4)],
        "summed into the oldest (at most 100000), the others gone"
    );
    let audit = app
        .get_json("/api/v1/audit?entity=demand&entity_id=904", &admin)
        .await;
    let line = &audit["items"][0];
    assert_eq!(line["action"], "update");
    let changes = line["changes"].to_string();
    assert!(
        changes.contains("merged_records") && changes.contains('3'),
        "{line}"
    );
}

#[tokio::test]
async fn the_heatmap_has_region_totals_the_largest_shortages_and_sorts_by_a_years_gap() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    for (profession, year, headcount) in [(r.w.welder, 2029, 300), (r.w.glass_operator, 2029, 20)] {
        app.create(
            "/api/v1/demand",
            &r.w.admin,
            json!({"enterprise_id": r.w.enterprise_b.0, "profession_id": profession, "year": year, "headcount": headcount}),
        )
        .await;
    }
    let analyst = r.visitor(&app, "analyst").await;
    let page = analyst.get("/forecast?from=2028&to=2030").await;
    assert_eq!(page.status, StatusCode::OK);
    let top = &page.body[page.body.find("id=\"top-shortages\"").expect("the card")..];
    let first = &top[top.find("<li>").unwrap()..top.find("</li>").unwrap()];
    assert!(
        first.contains(&format!("profession_id={}&amp;year=2029", r.w.cnc_operator)),
        "the CNC operators' 1234 are the largest: {first}"
    );
    assert!(top.contains("2029"));
    let totals = &page.body[page.body.find("id=\"totals\"").expect("the totals row")..];
    assert!(totals.contains("Итого по региону"));
    let sorted = analyst.get("/forecast?from=2028&to=2030&sort=2029").await;
    assert!(sorted.body.contains("aria-sort=\"descending\""));
    let order: Vec<usize> = [r.w.cnc_operator, r.w.welder, r.w.glass_operator]
        .iter()
        .map(|id| {
            sorted
                .body
                .find(&format!("/forecast/professions/{id}\""))
                .unwrap()
        })
        .collect();
    assert!(
        order[0] < order[1] && order[1] < order[2],
        "largest gap in 2029 first: {order:?}"
    );

    // The download of a Russian page opens in Russian Excel.
    let csv = analyst
        .client
        .get(format!("{}/forecast.csv?from=2028&to=2030", analyst.base))
        .header("cookie", format!("kadry_session={}", analyst.cookie))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("Код профессии (id);Код;Профессия;Год;Потребность"));
    assert!(text.contains(";1234,00;"), "decimal commas: {text}");
    let api = app
        .get("/api/v1/forecast.csv?from=2028&to=2030", &r.w.admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        api.starts_with("profession_id,"),
        "the API's CSV stays as it is"
    );
}

#[tokio::test]
async fn the_admin_sees_roles_and_states_in_russian_and_confirms_before_disabling() {
    let app = spawn_app().await;
    let r = Region::build(&app).await;
    let admin = r.visitor(&app, "admin").await;
    let invited = admin
        .post(
            "/admin/users",
            &[
                ("email", "new.teacher@school.test"),
                ("role", "school"),
                ("organization_id", &r.w.school_a.0.to_string()),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let page = admin.get(invited.location()).await;
    assert!(page.body.contains("Приглашение создано"));
    let list = &page.body[page.body.find("id=\"user-list\"").unwrap()..];
    let row = &list[list.find("new.teacher@school.test").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td>школа</td>"), "{row}");
    assert!(row.contains("приглашён"), "{row}");
    assert!(!page.body.contains("<td>school</td>"));
    // A college user in a school: the error in Russian; in English, "a college user".
    let wrong = admin
        .post(
            "/admin/users",
            &[
                ("email", "x@school.test"),
                ("role", "college"),
                ("organization_id", &r.w.school_a.0.to_string()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .body
            .contains("пользователь этой роли не может быть в организации этого вида")
    );
    let problem = app
        .post_json(
            "/api/v1/users",
            &r.w.admin,
            &json!({"email": "y@school.test", "role": "school", "organization_id": r.w.enterprise_a.0}),
        )
        .await;
    let problem: Value = problem.json().await.unwrap();
    assert!(
        problem
            .to_string()
            .contains("a school user cannot belong to an enterprise"),
        "{problem}"
    );

    // Disabling without ticking the confirmation changes nothing.
    let users = app.get_json("/api/v1/users?limit=100", &r.w.admin).await;
    let teacher = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "new.teacher@school.test")
        .unwrap()
        .clone();
    assert_eq!(teacher["invited"], true);
    let id = teacher["id"].as_i64().unwrap();
    let answer = admin
        .post(&format!("/admin/users/{id}"), &[("disabled", "true")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("отметьте «да, отключить»"));
    let user = app
        .get_json(&format!("/api/v1/users/{id}"), &r.w.admin)
        .await;
    assert_eq!(user["disabled"], false);
    let answer = admin
        .post(
            &format!("/admin/users/{id}"),
            &[("disabled", "true"), ("confirm", "1")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let user = app
        .get_json(&format!("/api/v1/users/{id}"), &r.w.admin)
        .await;
    assert_eq!(user["disabled"], true);

    // The outbox, with the log transport the tests run with: states in
    // Russian, and each message's text with the invitation's link.
    let outbox = admin.get("/admin/notifications").await;
    assert!(outbox.body.contains("id=\"log-transport\""));
    assert!(outbox.body.contains("в очереди") || outbox.body.contains("отправлено"));
    assert!(outbox.body.contains("текст письма"));
    assert!(
        outbox.body.contains("/set-password?token="),
        "the link is in the text"
    );
    assert!(
        outbox.body.contains("роль: школа"),
        "the role named in Russian"
    );
}

//! The college's, the analyst's scenario and the school's guidance pages as
//! their users check them, and what every form says of bad input on a
//! Russian page: Russian, with the fields named in Russian.

use reqwest::StatusCode;

use crate::pages::{Answer, Region};

/// The `name`/`value` pairs of the inputs of the form `id` on a page.
fn inputs_of(html: &str, id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("form {id}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let attribute = |tag: &str, name: &str| {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..at + tag[at..].find('"')?].to_string())
    };
    form.split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            Some((
                attribute(tag, "name")?,
                attribute(tag, "value").unwrap_or_default(),
            ))
        })
        .collect()
}

/// Fails when the page's error summary holds an English word.
fn errors_are_russian(answer: &Answer, what: &str) {
    let start = answer
        .body
        .find("id=\"form-errors\"")
        .unwrap_or_else(|| panic!("{what}: no error summary: {}", answer.body));
    let summary = &answer.body[start..start + answer.body[start..].find("</div>").unwrap()];
    let text: String = summary
        .split('<')
        .map(|part| part.split_once('>').map_or("", |(_, text)| text))
        .collect();
    let english: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .collect();
    assert!(english.is_empty(), "{what}: English {english:?} in {text}");
}

#[tokio::test]
async fn a_college_sees_its_programs_first_a_warning_for_enrollments_without_seats_and_links_to_the_forecast()
 {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let college = r.visitor(&app, "college_a").await;
    let page = college.get("/programs").await;
    let mine = &page.body[page.body.find("id=\"my-programs\"").expect("my programs")..];
    let mine = &mine[..mine.find("</table>").unwrap()];
    assert!(mine.contains(&format!("/programs/{}\"", r.program_a)));
    assert!(!mine.contains(&format!("/programs/{}\"", r.program_b)));
    assert!(
        page.body.find("id=\"my-programs\"") < page.body.find("id=\"program-list\""),
        "its own first"
    );
    let analyst = r.visitor(&app, "analyst").await;
    assert!(
        !analyst
            .get("/programs")
            .await
            .body
            .contains("id=\"my-programs\"")
    );

    // Region: seats for 2025 and 2026. Students enrolled in 2024, a year without seats.
    let answer = college
        .post(
            &format!("/programs/{}/enrollments", r.program_a),
            &[("start_year", "2024"), ("students", "20")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let page = college.get(answer.location()).await;
    assert!(page.body.contains("Сохранено."));
    let warning = &page.body[page
        .body
        .find("id=\"enrolled-without-seats\"")
        .expect("a warning")..];
    assert!(warning[..warning.find("</p>").unwrap()].contains("2024"));
    assert!(page.body.contains(&format!(
        "href=\"/forecast?profession_id={}\"",
        r.w.cnc_operator
    )));
    let answer = college
        .post(
            &format!("/programs/{}/intakes", r.program_a),
            &[("year", "2024"), ("seats", "25"), ("targeted_seats", "0")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        !college
            .get(answer.location())
            .await
            .body
            .contains("id=\"enrolled-without-seats\"")
    );
}

#[tokio::test]
async fn the_scenario_shows_the_seats_stored_now_beside_the_typed_ones_and_marks_what_changed() {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let analyst = r.visitor(&app, "analyst").await;
    let form = analyst.get("/scenario").await;
    let mut fields = inputs_of(&form.body, "scenario-form");
    fields.retain(|(name, _)| name != "csrf" && !name.starts_with("intakes["));
    let program = r.program_a.to_string();
    for (name, value) in [
        ("intakes[0].program_id", program.as_str()),
        ("intakes[0].year", "2026"),
        ("intakes[0].seats", "100"),
        ("intakes[0].targeted_seats", "10"),
    ] {
        fields.push((name.into(), value.into()));
    }
    let posted: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = analyst.post("/scenario", &posted).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("id=\"scenario-table\""));
    let now = &answer.body[answer.body.find("id=\"intake-now-0\"").unwrap()..];
    assert!(
        now[..now.find("</td>").unwrap()].contains("сейчас 25 мест, из них целевых 5"),
        "the stored seats beside the typed ones"
    );
    assert!(
        answer
            .body
            .contains("class=\"changed\" id=\"intake-row-0\"")
    );
    // Two pupils in this region fill no seats: more seats change no gap,
    // and no result row is marked (the browser test sees marked rows on the demo).
    assert!(
        !answer.body.contains("<tr class=\"changed\">"),
        "only rows whose gap changed are marked"
    );

    // A parameter out of range: said in Russian with the parameter's Russian name.
    let mut bad = fields.clone();
    for (name, value) in bad.iter_mut() {
        if name == "parameters.after_grade_9_share" {
            *value = "1.5".into();
        }
    }
    let posted: Vec<(&str, &str)> = bad.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let answer = analyst.post("/scenario", &posted).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("доля поступающих после 9 класса (p9)"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains(">parameters.after_grade_9_share<"));
    errors_are_russian(&answer, "the scenario");
}

#[tokio::test]
async fn the_guidance_record_has_a_year_selector_and_named_levels() {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let school = r.visitor(&app, "school_a").await;
    let year = kadry::domain::numbers::current_academic_year();
    let page = school.get("/guidance").await;
    assert!(page.body.contains(&format!(
        "<option value=\"{year}\" selected>{year}/{}</option>",
        year + 1
    )));
    assert!(page.body.contains("Базовый уровень") && page.body.contains("Продвинутый"));
    assert!(page.body.contains("id=\"levels\""));
    let earlier = school
        .get(&format!("/guidance?academic_year={}", year - 1))
        .await;
    assert_eq!(earlier.status, StatusCode::OK);
    assert!(
        earlier
            .body
            .contains(&format!("<option value=\"{}\" selected>", year - 1))
    );
    assert!(
        earlier
            .body
            .contains(&format!("Учебный год {}/{year}", year - 1))
    );
}

/// Who posts, where, and the form's fields.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn every_forms_bad_input_is_said_in_russian_on_a_russian_page() {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let profession = r.w.cnc_operator.to_string();
    let cases: Vec<Case> = vec![
        (
            "college_a",
            "/events",
            vec![
                ("title", "Экскурсия"),
                ("kind", "excursion"),
                ("starts_at", "2027-04-01T12:00"),
                ("capacity", "0"),
                ("min_grade", "3"),
                ("hours", "99"),
            ],
        ),
        (
            "college_a",
            "/programs",
            vec![
                ("specialty_code", "abc"),
                ("title", "Оператор"),
                ("entry_grade", "10"),
                ("duration_months", "500"),
                ("professions[0].profession_id", profession.as_str()),
                ("professions[0].share", "0.5"),
            ],
        ),
        (
            "enterprise_a",
            "/demand",
            vec![
                ("profession_id", profession.as_str()),
                ("year", "1990"),
                ("headcount", "0"),
            ],
        ),
        (
            "school_a",
            "/pupils",
            vec![
                ("external_ref", ""),
                ("grade", "14"),
                ("academic_year", "2026"),
            ],
        ),
        (
            "admin",
            "/admin/organizations",
            vec![
                ("kind", "school"),
                ("name", ""),
                ("town", ""),
                ("email", "not-an-email"),
            ],
        ),
    ];
    for (who, path, fields) in cases {
        let visitor = r.visitor(&app, who).await;
        let answer = visitor.post(path, &fields).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            answer.body
        );
        errors_are_russian(&answer, path);
    }
}

#[tokio::test]
async fn a_pupils_page_shows_the_best_ten_programs_with_college_and_town_and_all_on_asking() {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let year = kadry::domain::numbers::current_academic_year();
    let program = |profession: i64, title: String| {
        serde_json::json!({"institution_id": r.w.college_a.0, "specialty_code": "15.01.32", "title": title,
               "entry_grade": 9, "duration_months": 34, "completion_rate": 0.9,
               "professions": [{"profession_id": profession, "share": 1.0}]})
    };
    let mut ids = vec![r.program_a, r.program_b];
    for i in 0..11 {
        ids.push(
            app.create(
                "/api/v1/programs",
                &r.w.admin,
                program(r.w.cnc_operator, format!("Станки {i}")),
            )
            .await,
        );
    }
    // Welders: no interest of the pupil's, no demand posted: a score of 0.
    ids.push(
        app.create(
            "/api/v1/programs",
            &r.w.admin,
            program(r.w.welder, "Сварка".into()),
        )
        .await,
    );
    for id in &ids {
        let response = app
            .put_json(
                &format!("/api/v1/programs/{id}/intakes/{}", year + 1),
                &r.w.admin,
                &serde_json::json!({"seats": 20, "targeted_seats": 0}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let school = r.visitor(&app, "school_a").await;
    let page = school.get(&format!("/pupils/{}", r.pupil_a)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"score-meaning\""));
    let table = &page.body[page.body.find("id=\"recommendations\"").expect("the list")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(
        table.matches("<tr><td class=\"num\">").count(),
        10,
        "the best ten"
    );
    assert!(table.contains(", Владимир</td>"), "college and town");
    assert!(table.contains("совпадает с интересом"));
    assert!(!table.contains("Сварка"), "a zero score is left out");
    let more = &page.body[page.body.find("id=\"more-recommendations\"").unwrap()..];
    assert!(more.contains("Показать все (14)"), "{}", &more[..300]);
    let all = school
        .get(&format!("/pupils/{}?recommendations=all", r.pupil_a))
        .await;
    let table = &all.body[all.body.find("id=\"recommendations\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr><td class=\"num\">").count(), 14);
    assert!(table.contains("Сварка"));
}

#[tokio::test]
async fn a_cells_page_names_the_parameters_in_russian_and_counts_people_whole() {
    let app = crate::helpers::spawn_app().await;
    let r = Region::build(&app).await;
    let analyst = r.visitor(&app, "analyst").await;
    let page = analyst
        .get(&format!(
            "/forecast/explain?profession_id={}&year=2029",
            r.w.cnc_operator
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for name in [
        "доля поступающих после 9 класса (p9)",
        "доля перешедших в 10 класс (s10)",
        "закрепление целевиков (rt)",
    ] {
        assert!(page.body.contains(&format!("<td>{name}</td>")), "{name}");
    }
    assert!(!page.body.contains("<td>after_grade_9_share</td>"));
    assert!(page.body.contains("1\u{a0}234"), "demand as a whole number");
    assert!(!page.body.contains("1\u{a0}234,00"));
}

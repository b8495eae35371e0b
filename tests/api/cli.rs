use std::process::{Command, Output};

use serde_json::Value;

use crate::helpers::{JWT_SECRET, TestDatabase, spawn_app_with};

fn kadry(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kadry"))
        .args(args)
        .env("KADRY_DATABASE_URL", &db.url)
        .env("KADRY_JWT_SECRET", JWT_SECRET)
        .env("KADRY_LOG", "error")
        .env_remove("KADRY_ADMIN_EMAIL")
        .env_remove("KADRY_ADMIN_PASSWORD")
        .output()
        .expect("run kadry")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_every_command() {
    let db = TestDatabase::new();
    let help = kadry(&db, &["--help"]);
    assert!(help.status.success());
    let help = text(&help.stdout);
    for command in [
        "serve", "migrate", "demo", "forecast", "import", "user", "generate", "backup",
    ] {
        assert!(
            help.contains(command),
            "{command} is missing from --help:\n{help}"
        );
    }
    let import = text(&kadry(&db, &["import", "pupils", "--help"]).stdout);
    assert!(
        import.contains("--school") && import.contains("external_ref"),
        "{import}"
    );
}

#[test]
fn errors_are_one_clear_line_and_a_failure_exit() {
    let db = TestDatabase::new();
    let span = kadry(&db, &["forecast", "--from", "2030", "--to", "2026"]);
    assert!(!span.status.success());
    let message = text(&span.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("--to"), "{message}");

    let role = kadry(
        &db,
        &[
            "user",
            "create",
            "--email",
            "a@b.test",
            "--role",
            "boss",
            "--password",
            "long-enough-1",
        ],
    );
    assert!(!role.status.success());
    let wrong_db = Command::new(env!("CARGO_BIN_EXE_kadry"))
        .args(["migrate"])
        .env("KADRY_DATABASE_URL", "mysql://localhost/kadry")
        .output()
        .unwrap();
    assert!(!wrong_db.status.success());
    let message = text(&wrong_db.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("mysql"), "{message}");
}

#[test]
fn commands_that_read_refuse_a_database_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.db");
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "external_ref,grade,academic_year,consent,display_name,interests\n",
    )
    .unwrap();
    let roster = roster.to_str().unwrap();
    for args in [
        &["forecast"][..],
        &["forecast", "--format", "csv"],
        &["plan", "seats", "--year", "2027", "--budget", "10"],
        &["import", "pupils", "--school", "1", roster],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_kadry"))
            .args(args)
            .env(
                "KADRY_DATABASE_URL",
                format!("sqlite://{}", missing.display()),
            )
            .env("KADRY_JWT_SECRET", JWT_SECRET)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(
            output.stdout.is_empty(),
            "{args:?} printed {}",
            text(&output.stdout)
        );
        let message = text(&output.stderr);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(
            message.contains(&missing.display().to_string()) && message.contains("no database"),
            "{message}"
        );
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[test]
fn logs_go_to_standard_error_as_text_or_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let run = |format: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kadry"))
            .args(args)
            .env("KADRY_DATABASE_URL", &url)
            .env("KADRY_JWT_SECRET", JWT_SECRET)
            .env("KADRY_LOG", "info")
            .env("KADRY_LOG_FORMAT", format)
            .output()
            .unwrap()
    };
    let migrated = run("json", &["migrate"]);
    assert!(migrated.status.success());
    let log = text(&migrated.stderr);
    let first: Value = serde_json::from_str(log.lines().next().expect("a log line")).expect("JSON");
    assert_eq!(first["level"], "INFO");
    assert!(
        first["message"].as_str().unwrap().contains("migrations"),
        "{first}"
    );
    assert!(!text(&migrated.stdout).contains("INFO"));
    let csv = run("text", &["forecast", "--format", "csv"]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let out = text(&csv.stdout);
    assert!(
        out.starts_with("profession_id,"),
        "only the CSV on standard output: {out}"
    );
    assert!(
        !text(&csv.stderr).contains("\u{1b}["),
        "no colour when not on a terminal"
    );
}

#[tokio::test]
async fn a_demo_a_roster_and_a_user_from_the_command_line() {
    let db = TestDatabase::new();
    let demo = kadry(&db, &["demo", "--pupils", "700", "--no-serve"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let printed = text(&demo.stdout);
    for email in [
        "admin@kadry.demo",
        "analyst@kadry.demo",
        "school@kadry.demo",
        "college@kadry.demo",
        "enterprise@kadry.demo",
    ] {
        assert!(printed.contains(email), "{printed}");
    }
    assert!(printed.contains("curl"), "{printed}");
    // Again on the same database: the demo is kept, and said so in one line.
    let again = kadry(&db, &["demo", "--pupils", "700", "--no-serve"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("already holds the Vladimir demo"));
    assert!(text(&again.stdout).contains("analyst@kadry.demo"));

    let table = kadry(&db, &["forecast", "--from", "2026", "--to", "2030"]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    assert!(
        text(&table.stdout).starts_with("as of academic year"),
        "{}",
        text(&table.stdout)
    );
    let json = kadry(
        &db,
        &[
            "forecast", "--from", "2026", "--to", "2030", "--format", "json",
        ],
    );
    let forecast: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(forecast["from"], 2026);
    let one = forecast["rows"][0]["profession_code"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = kadry(
        &db,
        &[
            "forecast",
            "--from",
            "2026",
            "--to",
            "2030",
            "--format",
            "csv",
            "--profession",
            &one,
        ],
    );
    let csv = text(&csv.stdout);
    assert!(csv.lines().skip(1).all(|line| line.contains(&one)), "{csv}");
    let unknown = kadry(
        &db,
        &[
            "forecast",
            "--from",
            "2026",
            "--to",
            "2030",
            "--profession",
            "99.99.99",
        ],
    );
    assert!(!unknown.status.success());

    let app = spawn_app_with(db, |_| {}).await;
    let admin = app.token_for("admin@kadry.demo", "demo-admin-pass").await;
    let schools = app
        .get_json("/api/v1/organizations?kind=school&limit=1", &admin)
        .await;
    let school = schools["items"][0]["id"].as_i64().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "external_ref,grade,academic_year,consent,display_name,interests\nCLI-1,8,2025,true,,P:15.01.32:1\n").unwrap();
    let imported = kadry(
        &app.db,
        &[
            "import",
            "pupils",
            "--school",
            &school,
            good.to_str().unwrap(),
        ],
    );
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(text(&imported.stdout).contains("1 pupil created, 0 updated"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "external_ref,grade,academic_year,consent,display_name,interests\nCLI-2,4,2025,true,,\n",
    )
    .unwrap();
    let refused = kadry(
        &app.db,
        &[
            "import",
            "pupils",
            "--school",
            &school,
            bad.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("line 2: grade"),
        "{}",
        text(&refused.stderr)
    );

    let created = kadry(
        &app.db,
        &[
            "user",
            "create",
            "--email",
            "cli@kadry.test",
            "--role",
            "analyst",
            "--password",
            "cli-password-1",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = app.token_for("cli@kadry.test", "cli-password-1").await;
    assert_eq!(app.get_json("/api/v1/me", &token).await["role"], "analyst");
    let duplicate = kadry(
        &app.db,
        &[
            "user",
            "create",
            "--email",
            "cli@kadry.test",
            "--role",
            "analyst",
            "--password",
            "cli-password-1",
        ],
    );
    assert!(!duplicate.status.success());
}

#[tokio::test]
async fn younger_pupil_counts_from_the_command_line() {
    let app = crate::helpers::spawn_app().await;
    let w = crate::helpers::World::build(&app).await;
    let school = w.school_a.0.to_string();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("younger.csv");
    std::fs::write(
        &good,
        "academic_year,grade,pupils\n2024,1,20\n2025,1,22\n2025,2,19\n",
    )
    .unwrap();
    let imported = kadry(
        &app.db,
        &[
            "import",
            "younger-pupils",
            "--school",
            &school,
            good.to_str().unwrap(),
        ],
    );
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        text(&imported.stdout).contains("2024, 2025"),
        "{}",
        text(&imported.stdout)
    );
    let path = format!("/api/v1/schools/{school}/younger-pupils");
    let list = app.get_json(&path, &w.admin).await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["grades"].as_array().unwrap().len(), 2);

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "academic_year,grade,pupils\n2026,1,5\n2026,5,3\n2026,2,-1\n",
    )
    .unwrap();
    let refused = kadry(
        &app.db,
        &[
            "import",
            "younger-pupils",
            "--school",
            &school,
            bad.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.contains("line 3: grade") && message.contains("line 4: pupils"),
        "{message}"
    );
    // All or nothing: 2026 was not stored.
    assert_eq!(app.get_json(&path, &w.admin).await["total"], 2);
    let not_a_school = kadry(
        &app.db,
        &[
            "import",
            "younger-pupils",
            "--school",
            &w.college_a.0.to_string(),
            good.to_str().unwrap(),
        ],
    );
    assert!(!not_a_school.status.success());
    assert!(text(&not_a_school.stderr).contains("not a school"));
}

#[tokio::test]
async fn the_regions_records_from_the_command_line() {
    let app = crate::helpers::spawn_app().await;
    let w = crate::helpers::World::build(&app).await;
    let program = app
        .create(
            "/api/v1/programs",
            &w.admin,
            serde_json::json!({"institution_id": w.college_a.0, "specialty_code": "18.02.05", "title": "Glass",
                   "entry_grade": 9, "duration_months": 34,
                   "professions": [{"profession_id": w.glass_operator, "share": 1.0}]}),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let (a, b) = (w.school_a.0, w.school_b.0);
    let counts = file(
        "counts.csv",
        format!("school_id,academic_year,grade,pupils\n{a},2025,9,61\n{b},2025,10,40\n"),
    );
    let graduations = file(
        "graduations.csv",
        format!("program_id,year,graduates,targeted_graduates\n{program},2024,20,4\n"),
    );
    let destinations = file(
        "destinations.csv",
        format!(
            "program_id,year,employed_in_profession,employed_in_profession_targeted,employed_other,continued_study,military_service,left_region,unknown\n{program},2024,10,4,5,2,1,1,1\n"
        ),
    );
    for (what, path, said) in [
        ("grade-counts", &counts, "2 counts for 2 school years"),
        ("graduations", &graduations, "1 graduation records"),
        ("destinations", &destinations, "1 destination records"),
    ] {
        let output = kadry(&app.db, &["import", what, path.to_str().unwrap()]);
        assert!(output.status.success(), "{what}: {}", text(&output.stderr));
        assert!(
            text(&output.stdout).contains(said),
            "{}",
            text(&output.stdout)
        );
    }
    let read = app
        .get_json(&format!("/api/v1/schools/{a}/grade-counts/2025"), &w.admin)
        .await;
    assert_eq!(
        read["grades"],
        serde_json::json!([{"grade": 9, "pupils": 61}])
    );
    assert_eq!(
        app.get_json(
            &format!("/api/v1/programs/{program}/destinations/2024"),
            &w.admin
        )
        .await["unknown"],
        1
    );
    // One bad row: nothing stored, every bad row named with its line.
    let bad = file(
        "bad.csv",
        format!(
            "program_id,year,graduates,targeted_graduates\n{program},2023,20,4\n{program},2022,5,6\n{program},2021,-1,0\n"
        ),
    );
    let refused = kadry(&app.db, &["import", "graduations", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let message = text(&refused.stderr);
    assert!(
        message.contains("line 3: targeted_graduates") && message.contains("line 4: graduates"),
        "{message}"
    );
    let listed = app
        .get_json(&format!("/api/v1/programs/{program}/graduations"), &w.admin)
        .await;
    assert_eq!(listed["total"], 1);
}

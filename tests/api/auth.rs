use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, PASSWORD, TestDatabase, assert_problem, spawn_app,
    spawn_app_with, unique,
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims like the server's for the bootstrap admin (user 1), for tampering with.
fn admin_claims() -> Value {
    json!({
        "sub": "1", "role": "admin", "org": null, "ver": 0, "iss": "kadry", "aud": "kadry-api",
        "iat": now(), "nbf": now(), "exp": now() + 600
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn the_bootstrap_admin_signs_in_and_sees_itself() {
    let app = spawn_app().await;
    let response = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();

    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["organization_id"], Value::Null);
    assert!(me.get("password_hash").is_none() && me.get("password").is_none());
}

#[tokio::test]
async fn sign_in_ignores_the_case_of_the_email() {
    let app = spawn_app().await;
    let response = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let wrong_password = assert_problem(
        app.login(ADMIN_EMAIL, "not-the-password").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown_email = assert_problem(
        app.login("nobody@kadry.test", ADMIN_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong_password, unknown_email);
    let not_an_email = assert_problem(
        app.login("nobody", ADMIN_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong_password, not_an_email);
}

#[tokio::test]
async fn a_user_without_a_password_cannot_sign_in() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let email = format!("{}@kadry.test", unique("analyst"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst"}),
    )
    .await;
    assert_problem(app.login(&email, "").await, StatusCode::UNAUTHORIZED).await;
    assert_problem(app.login(&email, PASSWORD).await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401() {
    let app = spawn_app().await;
    let no_token = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    let body = assert_problem(no_token, StatusCode::UNAUTHORIZED).await;
    assert!(body["detail"].as_str().unwrap().contains("token"));

    let not_bearer = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", format!("Basic {}", base64url(b"a:b")))
        .send()
        .await
        .unwrap();
    assert_problem(not_bearer, StatusCode::UNAUTHORIZED).await;

    let good = sign(&admin_claims(), JWT_SECRET);
    assert_eq!(
        app.get("/api/v1/me", &good).await.status(),
        StatusCode::OK,
        "the control token works"
    );
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("{scheme} {good}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the scheme {scheme} (RFC 7235: any case)"
        );
    }
    let mut old_version = admin_claims();
    old_version["ver"] = json!(-1);
    let mut without_version = admin_claims();
    without_version.as_object_mut().unwrap().remove("ver");

    let mut expired = admin_claims();
    expired["iat"] = json!(now() - 7200);
    expired["nbf"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);

    let mut not_yet = admin_claims();
    not_yet["nbf"] = json!(now() + 3600);
    not_yet["exp"] = json!(now() + 7200);

    let mut wrong_audience = admin_claims();
    wrong_audience["aud"] = json!("someone-else");

    let mut wrong_issuer = admin_claims();
    wrong_issuer["iss"] = json!("evil");

    let mut without_exp = admin_claims();
    without_exp.as_object_mut().unwrap().remove("exp");

    let mut without_nbf = admin_claims();
    without_nbf.as_object_mut().unwrap().remove("nbf");

    let (head, rest) = good.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut escalated = admin_claims();
    escalated["sub"] = json!("2");
    let tampered = format!(
        "{head}.{}.{signature}",
        base64url(escalated.to_string().as_bytes())
    );

    let alg_none = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(admin_claims().to_string().as_bytes())
    );

    let cases = [
        ("expired", sign(&expired, JWT_SECRET)),
        ("not yet valid", sign(&not_yet, JWT_SECRET)),
        ("wrong audience", sign(&wrong_audience, JWT_SECRET)),
        ("wrong issuer", sign(&wrong_issuer, JWT_SECRET)),
        ("without exp", sign(&without_exp, JWT_SECRET)),
        ("without nbf", sign(&without_nbf, JWT_SECRET)),
        (
            "another secret",
            sign(&admin_claims(), "another-secret-another-secret-another"),
        ),
        ("tampered payload", tampered),
        ("alg none", alg_none),
        ("garbage", "not.a.token".to_string()),
        ("another token version", sign(&old_version, JWT_SECRET)),
        (
            "without a token version",
            sign(&without_version, JWT_SECRET),
        ),
    ];
    for (case, token) in cases {
        let response = app.get("/api/v1/me", &token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn repeated_failures_lock_out_that_email_only_and_not_other_users() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        let throttle = &mut settings.auth.login_throttle;
        throttle.slow_down_after = 100;
        throttle.max_failures = 3;
        throttle.lockout_seconds = 600;
    })
    .await;
    let admin = app.admin_token().await;
    let email = format!("{}@kadry.test", unique("analyst"));
    app.create(
        "/api/v1/users",
        &admin,
        json!({"email": email, "role": "analyst", "password": PASSWORD}),
    )
    .await;

    for _ in 0..3 {
        assert_problem(
            app.login(&email, "wrong-password").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    // Locked now: even the right password is refused, and the answer says when to retry.
    let locked = app.login(&email, PASSWORD).await;
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry_after), "{retry_after}");
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS).await;

    // Someone else is not locked out.
    assert_eq!(
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    // Unknown emails are throttled the same way, so a lockout tells nothing.
    for _ in 0..3 {
        assert_problem(
            app.login("ghost@kadry.test", "x").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    assert_problem(
        app.login("ghost@kadry.test", "x").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
}

#[tokio::test]
async fn a_success_before_the_limit_forgets_earlier_failures() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        let throttle = &mut settings.auth.login_throttle;
        throttle.slow_down_after = 100;
        throttle.max_failures = 3;
    })
    .await;
    for _ in 0..2 {
        assert_problem(
            app.login(ADMIN_EMAIL, "wrong-password").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    assert_eq!(
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    for _ in 0..2 {
        assert_problem(
            app.login(ADMIN_EMAIL, "wrong-password").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    assert_eq!(
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn failures_past_the_slow_down_threshold_are_delayed() {
    let app = spawn_app_with(TestDatabase::new(), |settings| {
        let throttle = &mut settings.auth.login_throttle;
        throttle.slow_down_after = 2;
        throttle.slow_down_ms = 400;
        throttle.max_failures = 10;
    })
    .await;
    for _ in 0..2 {
        assert_problem(
            app.login(ADMIN_EMAIL, "wrong-password").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    // Only a lower bound: the server must have waited at least the delay.
    let started = Instant::now();
    assert_eq!(
        app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}

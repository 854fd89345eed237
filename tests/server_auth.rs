//! Login, MFA enrolment and verification, refresh rotation, logout, lockout,
//! code reuse and token checks, over real HTTP.

mod server_support;

use licencias::server::{DEMO_PASSWORD, DEMO_USERNAME, ServerConfig, spawn};
use reqwest::StatusCode;
use serde_json::json;
use server_support::*;

#[tokio::test]
async fn first_login_enrols_then_verifies_refreshes_and_logs_out() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);

    let login = api.login("alice", "alice-pw").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["mfa"], "enroll");
    assert!(login.body["expires_in"].as_u64().unwrap() > 0);
    let mfa_token = login.body["mfa_token"].as_str().unwrap().to_string();

    // Verifying before enrolling is refused.
    let early = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa_token, "code": "123456"}),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.code(), "not_enrolled");

    let enrol = api
        .post("/auth/mfa/enroll", json!({"mfa_token": mfa_token}))
        .await;
    assert_eq!(enrol.status, StatusCode::OK, "{}", enrol.body);
    let secret = enrol.body["secret"].as_str().unwrap().to_string();
    let uri = enrol.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains("alice"), "account name in {uri}");
    assert!(uri.contains("issuer=licencias"), "issuer in {uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    // The URI parses back to the same secret with totp-rs.
    let parsed = totp_rs::Totp::from_url(uri).unwrap();
    assert_eq!(parsed.secret().to_base32(), secret);

    let step = unix_now() / 30;
    let verify = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa_token, "code": code_at_step(&secret, step)}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.body);
    let b = &verify.body;
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["expires_in"], 900);
    assert_eq!(
        b["user"],
        json!({"username": "alice", "display_name": "Alice Admin", "tenant": "acme"})
    );
    let access = b["access_token"].as_str().unwrap().to_string();
    let refresh = b["refresh_token"].as_str().unwrap().to_string();
    assert!(access.len() >= 32 && refresh.len() >= 32 && access != refresh);

    // The mfa_token is spent.
    let again = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa_token, "code": code_at_step(&secret, step + 1)}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.code(), "invalid_mfa_token");

    assert_eq!(api.get("/services", &access).await.status, StatusCode::OK);

    // Now enrolled: the next login asks for a code, and enrolling again is refused.
    let login2 = api.login("alice", "alice-pw").await;
    assert_eq!(login2.body["mfa"], "verify");
    let enrol2 = api
        .post(
            "/auth/mfa/enroll",
            json!({"mfa_token": login2.body["mfa_token"]}),
        )
        .await;
    assert_eq!(enrol2.status, StatusCode::CONFLICT);
    assert_eq!(enrol2.code(), "already_enrolled");

    // Refresh rotation: a new pair; the old refresh token stops working
    // (presenting it again also revokes the new pair: tests/server_hardening.rs).
    let r1 = api
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(r1.status, StatusCode::OK, "{}", r1.body);
    let access2 = r1.body["access_token"].as_str().unwrap().to_string();
    let refresh2 = r1.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh);
    assert_ne!(access2, access);
    assert_eq!(r1.body["user"]["tenant"], "acme");
    assert_eq!(api.get("/services", &access2).await.status, StatusCode::OK);

    // Logout takes only the bearer token and ends both tokens.
    let out = api
        .send(
            api.http
                .post(format!("{}/auth/logout", api.base))
                .bearer_auth(&access2),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = api.get("/services", &access2).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.code(), "unauthorized");
    let r2 = api
        .post("/auth/refresh", json!({"refresh_token": refresh2}))
        .await;
    assert_eq!(r2.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r2.code(), "invalid_refresh_token");
    let out2 = api
        .send(
            api.http
                .post(format!("{}/auth/logout", api.base))
                .bearer_auth(&access2),
        )
        .await;
    assert_eq!(out2.status, StatusCode::UNAUTHORIZED);
    let old = api
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    assert_eq!(old.code(), "invalid_refresh_token");
    server.shutdown().await;
}

#[tokio::test]
async fn lockout_after_five_wrong_passwords_even_with_the_right_one() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    for _ in 0..5 {
        let a = api.login("bob", "wrong").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.code(), "invalid_credentials");
    }
    for pw in ["bob-pw", "wrong"] {
        let a = api.login("bob", pw).await;
        assert_eq!(a.status, StatusCode::LOCKED, "{}", a.body);
        assert_eq!(a.code(), "account_locked");
        let retry = a.details()["retry_after"].as_u64().unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        assert_eq!(
            a.headers["retry-after"].to_str().unwrap(),
            retry.to_string()
        );
    }
    // Another user is not affected; unknown users are just wrong credentials.
    assert_eq!(api.login("gina", "gina-pw").await.status, StatusCode::OK);
    let unknown = api.login("nobody", "x").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.code(), "invalid_credentials");
    server.shutdown().await;
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    for _ in 0..4 {
        assert_eq!(
            api.login("bob", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(api.login("bob", "bob-pw").await.status, StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(
            api.login("bob", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(api.login("bob", "bob-pw").await.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_code_is_accepted_once_and_wrong_codes_count_down() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let step = unix_now() / 30;
    let tokens = api.sign_in_at("bob", "bob-pw", BOB_SECRET, step).await;
    assert!(tokens["access_token"].is_string());

    // Same code again (same step, or an older one): refused as reused.
    let login = api.login("bob", "bob-pw").await;
    let mfa = login.body["mfa_token"].clone();
    let reused = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa, "code": code_at_step(BOB_SECRET, step)}),
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reused.code(), "mfa_code_reused");

    // Wrong codes: attempts_left counts down, then the mfa_token is dead.
    let good = code_at_step(BOB_SECRET, step + 1);
    let wrong = if good == "000000" { "000001" } else { "000000" };
    let mut lefts = vec![];
    for _ in 0..5 {
        let a = api
            .post("/auth/mfa/verify", json!({"mfa_token": mfa, "code": wrong}))
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.code(), "invalid_mfa_code");
        lefts.push(a.details()["attempts_left"].as_u64().unwrap());
    }
    assert_eq!(lefts, vec![4, 3, 2, 1, 0]);
    let dead = api
        .post("/auth/mfa/verify", json!({"mfa_token": mfa, "code": good}))
        .await;
    assert_eq!(dead.status, StatusCode::UNAUTHORIZED);
    assert_eq!(dead.code(), "invalid_mfa_token");

    // A new login with the next step's code works (one step of tolerance).
    let t = api.sign_in_at("bob", "bob-pw", BOB_SECRET, step + 1).await;
    assert!(t["access_token"].is_string());
    server.shutdown().await;
}

#[tokio::test]
async fn data_routes_need_a_valid_token_and_policy_does_not() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let policy = api.send(api.http.get(format!("{}/policy", api.base))).await;
    assert_eq!(policy.status, StatusCode::OK);
    assert_eq!(
        policy.body,
        json!({"time_zone": "America/Bogota", "decrease_window_days": 6, "provisioning_sla_seconds": 300})
    );

    for path in ["/services", "/subscriptions/acme-bs", "/operations/op-x"] {
        let none = api.send(api.http.get(format!("{}{path}", api.base))).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(none.code(), "unauthorized");
        let bad = api.get(path, "not-a-token").await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert_eq!(bad.code(), "unauthorized");
    }
    let no_token_change = api
        .send(
            api.http
                .post(format!("{}/subscriptions/acme-bs/changes", api.base))
                .body("garbage"),
        )
        .await;
    assert_eq!(no_token_change.code(), "unauthorized");

    let tokens = api
        .sign_in_at("bob", "bob-pw", BOB_SECRET, unix_now() / 30)
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(api.get("/services", access).await.status, StatusCode::OK);
    server.expire_access_tokens();
    let expired = api.get("/services", access).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.code(), "token_expired");
    let refreshed = api
        .post(
            "/auth/refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    let fresh = refreshed.body["access_token"].as_str().unwrap();
    assert_eq!(api.get("/services", fresh).await.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn the_demo_user_signs_in_with_the_demo_hash_and_enrols() {
    let server = spawn(ServerConfig::default()).await.unwrap();
    let api = Api::new(&server);
    assert_eq!(
        api.login(DEMO_USERNAME, "not-it").await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = api.login(DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["mfa"], "enroll");
    let enrol = api
        .post(
            "/auth/mfa/enroll",
            json!({"mfa_token": login.body["mfa_token"]}),
        )
        .await;
    let secret = enrol.body["secret"].as_str().unwrap();
    // A retried enrol returns the same secret.
    let enrol2 = api
        .post(
            "/auth/mfa/enroll",
            json!({"mfa_token": login.body["mfa_token"]}),
        )
        .await;
    assert_eq!(enrol2.body["secret"], secret);
    let verify = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": login.body["mfa_token"], "code": code_now(secret)}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.body);
    assert_eq!(verify.body["user"]["tenant"], "contoso");
    server.shutdown().await;
}

#[tokio::test]
async fn many_wrong_logins_from_one_address_are_rate_limited() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    server.set_login_rate_limit(3);
    // Unknown usernames: no account to lock, so the address is what is limited.
    for i in 0..3 {
        let a = api.login(&format!("ghost-{i}"), "x").await;
        assert_eq!(a.code(), "invalid_credentials");
    }
    let a = api.login("bob", "bob-pw").await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let retry = a.details()["retry_after"].as_u64().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(a.headers.contains_key("retry-after"));
    server.shutdown().await;
}

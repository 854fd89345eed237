//! Server hardening over real HTTP: refresh-token reuse revokes the token
//! family, unknown usernames are locked like real ones, bodies must be JSON,
//! an empty `page_size=` is refused.

mod server_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::{Api, BOB_SECRET, INSIDE, start, unix_now};

fn token(tokens: &Value, key: &str) -> String {
    tokens[key].as_str().unwrap().to_string()
}

async fn refresh(api: &Api, refresh_token: &str) -> reqwest::Response {
    api.http
        .post(format!("{}/auth/refresh", api.base))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rotated_refresh_token_presented_again_revokes_its_whole_session() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let step = unix_now() / 30;
    // Two sign-ins of the same user: two token families.
    let first = api.sign_in_at("bob", "bob-pw", BOB_SECRET, step - 1).await;
    let other = api.sign_in_at("bob", "bob-pw", BOB_SECRET, step).await;
    let r1 = token(&first, "refresh_token");

    let rotated = refresh(&api, &r1).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let second: Value = rotated.json().await.unwrap();
    let r2 = token(&second, "refresh_token");
    let a2 = token(&second, "access_token");
    assert_eq!(api.get("/policy", &a2).await.status, StatusCode::OK);
    assert_eq!(
        api.get("/subscriptions/acme-bs", &a2).await.status,
        StatusCode::OK
    );

    // R1 again: refused, and the family is gone.
    let reused = api
        .post("/auth/refresh", json!({ "refresh_token": r1 }))
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "{}", reused.body);
    assert_eq!(reused.code(), "invalid_refresh_token");
    let a = api.get("/subscriptions/acme-bs", &a2).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
    assert_eq!(a.code(), "unauthorized");
    let r = api
        .post("/auth/refresh", json!({ "refresh_token": r2 }))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.code(), "invalid_refresh_token");

    // The other sign-in of bob still works, and can still rotate.
    let other_access = token(&other, "access_token");
    assert_eq!(
        api.get("/subscriptions/acme-bs", &other_access)
            .await
            .status,
        StatusCode::OK
    );
    let again = refresh(&api, &token(&other, "refresh_token")).await;
    assert_eq!(again.status(), StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_refresh_token_is_rotated_only_once_and_the_newest_pair_keeps_working() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let tokens = api
        .sign_in_at("bob", "bob-pw", BOB_SECRET, unix_now() / 30)
        .await;
    let mut current = token(&tokens, "refresh_token");
    for _ in 0..3 {
        let r = refresh(&api, &current).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert_ne!(token(&body, "refresh_token"), current);
        current = token(&body, "refresh_token");
        let access = token(&body, "access_token");
        assert_eq!(
            api.get("/subscriptions/acme-bs", &access).await.status,
            StatusCode::OK
        );
    }
    // An unknown token is refused without touching the family.
    let r = api
        .post("/auth/refresh", json!({ "refresh_token": "lrt_unknown" }))
        .await;
    assert_eq!(r.code(), "invalid_refresh_token");
    assert_eq!(refresh(&api, &current).await.status(), StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn post_bodies_that_are_not_json_get_415_in_the_envelope() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let login = br#"{"username":"bob","password":"bob-pw"}"#.to_vec();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        None,
    ] {
        let mut req = api
            .http
            .post(format!("{}/auth/login", api.base))
            .body(login.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let a = api.send(req).await;
        assert_eq!(
            a.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}: {}",
            a.body
        );
        assert_eq!(a.code(), "unsupported_media_type");
    }
    // JSON with parameters or another letter case is JSON.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let a = api
            .send(
                api.http
                    .post(format!("{}/auth/login", api.base))
                    .header("content-type", content_type)
                    .body(login.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{content_type}: {}", a.body);
    }
    // The change route too, before any other check.
    let t = api.bob().await;
    let a = api
        .send(
            api.http
                .post(format!("{}/subscriptions/acme-bs/changes", api.base))
                .bearer_auth(&t)
                .header("Idempotency-Key", "k-415")
                .header("content-type", "text/plain")
                .body(r#"{"quantity":12,"effective":"now","expected_version":1}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", a.body);
    assert_eq!(a.code(), "unsupported_media_type");
    // And the decision routes of change requests.
    for action in ["approve", "reject", "cancel"] {
        let a = api
            .send(
                api.http
                    .post(format!("{}/change-requests/cr-1/{action}", api.base))
                    .bearer_auth(&t)
                    .header("Idempotency-Key", format!("k-415-{action}"))
                    .header("content-type", "text/plain")
                    .body(r#"{"reason":"no"}"#),
            )
            .await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            "{action}: {}",
            a.body
        );
    }
    let a = api
        .send(
            api.http
                .post(format!("{}/auth/logout", api.base))
                .bearer_auth(&t)
                .header("content-type", "text/plain")
                .body("bye"),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", a.body);
    // Logout has no body and needs no Content-Type.
    let a = api
        .send(
            api.http
                .post(format!("{}/auth/logout", api.base))
                .bearer_auth(&t),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    server.shutdown().await;
}

#[tokio::test]
async fn an_empty_page_size_is_a_bad_value() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    for path in [
        "/services?page_size=",
        "/services?page_size=%20",
        "/change-requests?page_size=",
        "/subscriptions/acme-bs/history?page_size=",
    ] {
        let a = api.get(path, &t).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.body);
        assert_eq!(a.code(), "invalid_request");
        assert_eq!(a.details()["field"], "page_size");
    }
    assert_eq!(api.get("/services", &t).await.status, StatusCode::OK);
    server.shutdown().await;
}

/// Everything of a 401/423 login answer but the numbers that tick.
fn shape(a: &server_support::Answer) -> (StatusCode, String, Vec<String>, bool, String) {
    let mut keys: Vec<String> = a.details().as_object().unwrap().keys().cloned().collect();
    keys.sort();
    let message = a.body["error"]["message"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    (
        a.status,
        a.code().to_string(),
        keys,
        a.headers.contains_key("retry-after"),
        message,
    )
}

#[tokio::test]
async fn an_unknown_username_is_counted_and_locked_like_a_real_user() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    for round in 1..=5 {
        let real = api.login("bob", "wrong").await;
        let ghost = api.login("ghost", "wrong").await;
        assert_eq!(real.status, StatusCode::UNAUTHORIZED, "round {round}");
        assert_eq!(shape(&ghost), shape(&real), "round {round}");
    }
    // The sixth try, right password or not: 423 for both, same shape.
    for pw in ["bob-pw", "wrong"] {
        let real = api.login("bob", pw).await;
        let ghost = api.login("ghost", pw).await;
        assert_eq!(real.status, StatusCode::LOCKED, "{}", real.body);
        assert_eq!(shape(&ghost), shape(&real), "{}", ghost.body);
        let retry = ghost.details()["retry_after"].as_u64().unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        assert_eq!(
            ghost.headers["retry-after"].to_str().unwrap(),
            retry.to_string()
        );
    }
    // Other unknown names are counted on their own.
    let other = api.login("ghost2", "wrong").await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other.code(), "invalid_credentials");
    server.shutdown().await;
}

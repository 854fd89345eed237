//! Nothing secret reaches the server's logs: a whole session is logged at
//! TRACE and searched for the password, the TOTP secret and code, and tokens.

mod server_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use server_support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_logs_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .init();

    let server = start(INSIDE).await;
    let api = Api::new(&server);
    assert_eq!(
        api.login("alice", "wrong-secret-pw").await.code(),
        "invalid_credentials"
    );
    let login = api.login("alice", "alice-pw").await;
    let mfa_token = login.body["mfa_token"].as_str().unwrap().to_string();
    let enrol = api
        .post("/auth/mfa/enroll", json!({"mfa_token": mfa_token}))
        .await;
    let secret = enrol.body["secret"].as_str().unwrap().to_string();
    let code = code_now(&secret);
    let tokens = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa_token, "code": code}),
        )
        .await
        .body;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let v = api.sub(&access, "acme-bs").await["version"].clone();
    let change = api
        .change(
            &access,
            "acme-bs",
            "log-key",
            json!({"quantity": 12, "effective": "now", "expected_version": v}),
        )
        .await;
    assert_eq!(change.status, reqwest::StatusCode::ACCEPTED);
    let r = api
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await
        .body;
    let access2 = r["access_token"].as_str().unwrap().to_string();
    let refresh2 = r["refresh_token"].as_str().unwrap().to_string();
    api.send(
        api.http
            .post(format!("{}/auth/logout", api.base))
            .bearer_auth(&access2),
    )
    .await;
    server.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("change accepted"),
        "the log is captured: {log}"
    );
    for secret_text in [
        "alice-pw",
        "wrong-secret-pw",
        secret.as_str(),
        code.as_str(),
        mfa_token.as_str(),
        access.as_str(),
        refresh.as_str(),
        access2.as_str(),
        refresh2.as_str(),
    ] {
        assert!(!log.contains(secret_text), "{secret_text} found in the log");
    }
}

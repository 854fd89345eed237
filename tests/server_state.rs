//! Start-up data: the `--state` file (atomic, survives a restart), tenants
//! file validation, the demo tenant's states and `--scale`.

mod server_support;

use std::path::PathBuf;
use std::time::Duration;

use licencias::server::{ServerConfig, ServerError, TenantsSource, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("licencias-server-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = temp_dir();
    let state = dir.join("state.json");
    let config = ServerConfig {
        tenants: TenantsSource::Json(tenants_json()),
        clock: Some(at(INSIDE)),
        state_file: Some(state.clone()),
        ..ServerConfig::default()
    };
    let server = spawn(config.clone()).await.unwrap();
    let api = Api::new(&server);
    let login = api.login("alice", "alice-pw").await;
    let enrol = api
        .post(
            "/auth/mfa/enroll",
            json!({"mfa_token": login.body["mfa_token"]}),
        )
        .await;
    let secret = enrol.body["secret"].as_str().unwrap().to_string();
    let step = unix_now() / 30;
    let tokens = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": login.body["mfa_token"], "code": code_at_step(&secret, step)}),
        )
        .await
        .body;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let v = api.sub(&access, "acme-bs").await["version"].clone();
    let change = api
        .change(
            &access,
            "acme-bs",
            "persist-1",
            json!({"quantity": 12, "effective": "now", "expected_version": v}),
        )
        .await;
    assert_eq!(change.status, StatusCode::ACCEPTED);
    let before = api.sub(&access, "acme-bs").await;
    server.shutdown().await;

    // Written atomically: only the state file is left, and it holds no token or password.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["state.json"]);
    let text = std::fs::read_to_string(&state).unwrap();
    serde_json::from_str::<Value>(&text).unwrap();
    for secret_text in [
        access.as_str(),
        tokens["refresh_token"].as_str().unwrap(),
        "alice-pw",
    ] {
        assert!(!text.contains(secret_text));
    }

    // Restart on the same file (the tenants source is not read again).
    let config2 = ServerConfig {
        tenants: TenantsSource::Json("{ not even json".into()),
        ..config
    };
    let server = spawn(config2).await.unwrap();
    let api = Api::new(&server);
    assert_eq!(
        api.sub(&access, "acme-bs").await,
        before,
        "session and subscription kept"
    );
    assert_eq!(
        api.change(
            &access,
            "acme-bs",
            "persist-1",
            json!({"quantity": 12, "effective": "now", "expected_version": v})
        )
        .await
        .body,
        change.body,
        "idempotency records kept"
    );
    let login = api.login("alice", "alice-pw").await;
    assert_eq!(login.body["mfa"], "verify", "enrolment kept");
    let reused = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": login.body["mfa_token"], "code": code_at_step(&secret, step)}),
        )
        .await;
    assert_eq!(reused.code(), "mfa_code_reused", "used TOTP steps kept");
    let refreshed = api
        .post(
            "/auth/refresh",
            json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK);
    server.shutdown().await;

    std::fs::write(&state, b"{ broken").unwrap();
    let bad = spawn(ServerConfig {
        state_file: Some(state.clone()),
        ..ServerConfig::default()
    })
    .await;
    assert!(matches!(bad, Err(ServerError::State { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_state_file_stops_the_server_naming_the_field() {
    let dir = temp_dir();
    let state = dir.join("state.json");
    let config = ServerConfig {
        tenants: TenantsSource::Json(tenants_json()),
        clock: Some(at(INSIDE)),
        state_file: Some(state.clone()),
        ..ServerConfig::default()
    };
    spawn(config.clone()).await.unwrap().shutdown().await;
    let good: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    // As written, it loads again.
    spawn(config.clone()).await.unwrap().shutdown().await;

    type Spoil = fn(&mut Value);
    let cases: [(&str, Spoil); 4] = [
        // acme-bs is 1..=300.
        ("subs[\"acme-bs\"].sub.quantity", |v| {
            v["subs"]["acme-bs"]["sub"]["quantity"] = json!(301)
        }),
        ("subs[\"acme-sched\"].sub.scheduled_change.quantity", |v| {
            v["subs"]["acme-sched"]["sub"]["scheduled_change"]["quantity"] = json!(0)
        }),
        ("tenants[0].services[1].subscriptions[0]", |v| {
            v["tenants"][0]["services"][1]["subscriptions"][0] = json!("ghost-sub")
        }),
        ("users[\"bob\"].totp_secret", |v| {
            v["users"]["bob"]["totp_secret"] = json!("not base32!")
        }),
    ];
    for (path, spoil) in cases {
        let mut bad = good.clone();
        spoil(&mut bad);
        let bytes = serde_json::to_vec(&bad).unwrap();
        std::fs::write(&state, &bytes).unwrap();
        let err = spawn(config.clone()).await.err().expect(path);
        assert!(matches!(err, ServerError::State { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(path), "{path}: {msg}");
        // Nothing was loaded, so nothing was written back.
        assert_eq!(std::fs::read(&state).unwrap(), bytes, "{path}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_tenants_file_is_refused_naming_the_field() {
    let dir = temp_dir();
    let file = dir.join("tenants.json");
    let text = tenants_json().replace("\"P1Y\"", "\"P2Y\"");
    std::fs::write(&file, text).unwrap();
    let err = spawn(ServerConfig {
        tenants: TenantsSource::File(file.clone()),
        ..ServerConfig::default()
    })
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("tenants[0].services[0].subscriptions[5].term") && msg.contains("P2Y"),
        "{msg}"
    );
    let dup = tenants_json().replace("\"gina\"", "\"bob\"");
    let err = spawn(ServerConfig {
        tenants: TenantsSource::Json(dup),
        ..ServerConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("tenants[1].users[0].username"),
        "{err}"
    );
    let missing = spawn(ServerConfig {
        tenants: TenantsSource::File(dir.join("nope.json")),
        ..ServerConfig::default()
    })
    .await;
    assert!(matches!(missing, Err(ServerError::TenantsRead { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn sign_in_demo(api: &Api) -> String {
    let login = api
        .login(
            licencias::server::DEMO_USERNAME,
            licencias::server::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(login.body["mfa"], "enroll");
    let enrol = api
        .post(
            "/auth/mfa/enroll",
            json!({"mfa_token": login.body["mfa_token"]}),
        )
        .await;
    let verify = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": login.body["mfa_token"], "code": code_now(enrol.body["secret"].as_str().unwrap())}),
        )
        .await;
    verify.body["access_token"].as_str().unwrap().to_string()
}

async fn all_summaries(api: &Api, token: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(t) => format!("/services?page_size=200&page_token={t}"),
            None => "/services?page_size=200".into(),
        };
        let page = api.get(&path, token).await.body;
        for s in page["services"].as_array().unwrap() {
            out.extend(s["subscriptions"].as_array().unwrap().iter().cloned());
        }
        match page["next_page_token"].as_str() {
            Some(t) => next = Some(t.to_string()),
            None => return out,
        }
    }
}

#[tokio::test]
async fn the_demo_shows_every_state_and_scales() {
    let server = spawn(ServerConfig {
        scale: 10_000,
        provisioning_delay: Duration::from_secs(20),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server);
    let t = sign_in_demo(&api).await;
    let rows = all_summaries(&api, &t).await;
    assert!(rows.len() >= 10_008, "{}", rows.len());
    let demo: Vec<Value> = {
        let mut v = vec![];
        for r in rows
            .iter()
            .filter(|r| !r["id"].as_str().unwrap().starts_with("gen-"))
        {
            v.push(api.sub(&t, r["id"].as_str().unwrap()).await);
        }
        v
    };
    let any = |f: &dyn Fn(&Value) -> bool| demo.iter().any(f);
    let active = |s: &Value| s["status"] == "active";
    assert!(any(&|s| active(s)
        && s["term"] == "P1M"
        && s["decrease_window"]["open"] == true));
    assert!(any(&|s| active(s)
        && s["term"] == "P1M"
        && s["decrease_window"]["open"] == false));
    assert!(any(&|s| s["term"] == "P1Y"));
    assert!(any(&|s| active(s) && s["auto_renew"] == false));
    assert!(any(&|s| !s["scheduled_change"].is_null()));
    assert!(any(&|s| s["status"] == "suspended"));
    assert!(any(&|s| s["max"].as_u64().unwrap()
        - s["quantity"].as_u64().unwrap()
        <= 5));
    assert!(any(&|s| s["assigned"].is_u64()));
    // The second tenant's data is not visible.
    assert!(rows.iter().all(|r| r["id"] != "fab-bs"));
    server.shutdown().await;
}

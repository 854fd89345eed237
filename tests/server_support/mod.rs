//! Shared helpers for the `server_*` integration tests: fixtures with cheap
//! argon2 parameters, a small JSON client over real HTTP, TOTP codes.
#![allow(dead_code)]

use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use licencias::server::{self, RunningServer, ServerConfig, TenantsSource};
use reqwest::StatusCode;
use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

/// Known TOTP secret of the enrolled fixture users (base32, 160 bits).
pub const BOB_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
pub const GINA_SECRET: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";

pub fn cheap_hash(password: &str) -> String {
    let params = Params::new(8192, 1, 1, None).unwrap();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).unwrap();
    argon
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// Two tenants. `acme`: alice (not enrolled), bob (enrolled), subscriptions
/// anchored on 2026-11-20 (window 20..=25 Nov, Bogota). `globex`: gina.
pub fn tenants_json() -> String {
    let sub = |id: &str, q: u32, extra: Value| {
        let mut s = json!({
            "id": id, "name": format!("Plan {id}"), "quantity": q, "min": 1, "max": 300,
            "term": "P1M", "billing": "monthly", "term_start": "2026-11-20",
            "anchor_day": 20, "auto_renew": true, "status": "active"
        });
        if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        s
    };
    json!({"tenants": [
        {"id": "acme", "name": "Acme SAS",
         "users": [
            {"username": "alice", "display_name": "Alice Admin", "password_hash": cheap_hash("alice-pw"), "totp_secret": null},
            {"username": "bob", "display_name": "Bob Ops", "password_hash": cheap_hash("bob-pw"), "totp_secret": BOB_SECRET}
         ],
         "services": [
            {"id": "m365", "name": "Microsoft 365", "subscriptions": [
                sub("acme-bs", 10, json!({"assigned": 9})),
                sub("acme-sched", 12, json!({"scheduled_change": {"quantity": 8}})),
                sub("acme-noauto", 15, json!({"auto_renew": false})),
                sub("acme-susp", 5, json!({"status": "suspended"})),
                sub("acme-max", 298, json!({})),
                sub("acme-e3", 40, json!({"term": "P1Y", "billing": "annual", "min": 5, "max": 500}))
            ]},
            {"id": "exo", "name": "Exchange Online", "subscriptions": [sub("acme-exo", 3, json!({}))]},
            {"id": "teams", "name": "Teams", "subscriptions": []}
         ]},
        {"id": "globex", "name": "Globex Ltda",
         "users": [
            {"username": "gina", "display_name": "Gina", "password_hash": cheap_hash("gina-pw"), "totp_secret": GINA_SECRET}
         ],
         "services": [
            {"id": "m365", "name": "Microsoft 365", "subscriptions": [sub("globex-bs", 50, json!({}))]}
         ]}
    ]})
    .to_string()
}

pub const RITA: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
pub const ANNA: &str = "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK";
pub const MAX: &str = "ONSWG4TFOQONSWG4TFOQONSWG4TFOQAA";
pub const UMA: &str = "NBSWY3DPNBSWY3DPNBSWY3DPNBSWY3DP";

/// `acme` (attest, from the shared fixture) plus `initech` (second_person:
/// rita requester, anna approver, max both) and `umbrella` (second_person: uma).
pub fn approval_tenants_json() -> String {
    let mut all: Value = serde_json::from_str(&tenants_json()).unwrap();
    let sub = |id: &str, q: u32, extra: Value| {
        let mut s = json!({
            "id": id, "name": format!("Plan {id}"), "quantity": q, "min": 1, "max": 300,
            "term": "P1M", "billing": "monthly", "term_start": "2026-11-20",
            "anchor_day": 20, "auto_renew": true, "status": "active"
        });
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    let user = |name: &str, secret: &str, roles: Value| {
        json!({"username": name, "display_name": format!("{name} (display)"),
               "password_hash": cheap_hash(&format!("{name}-pw")), "totp_secret": secret,
               "roles": roles})
    };
    let list = all["tenants"].as_array_mut().unwrap();
    list.push(json!({
        "id": "initech", "name": "Initech", "approval": "second_person",
        "users": [
            user("rita", RITA, json!(["requester"])),
            user("anna", ANNA, json!(["approver"])),
            user("max", MAX, json!(["requester", "approver"]))
        ],
        "services": [{"id": "m365", "name": "Microsoft 365", "subscriptions": [
            sub("ini-a", 10, json!({"assigned": 9})),
            sub("ini-b", 20, json!({})),
            sub("ini-c", 30, json!({})),
            sub("ini-sched", 12, json!({"scheduled_change": {"quantity": 8}}))
        ]}]
    }));
    list.push(json!({
        "id": "umbrella", "name": "Umbrella", "approval": "second_person",
        "users": [user("uma", UMA, json!(["requester", "approver"]))],
        "services": [{"id": "m365", "name": "Microsoft 365", "subscriptions": [
            sub("umb-a", 5, json!({}))
        ]}]
    }));
    all.to_string()
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Inside the window of the fixtures: 22 Nov 2026, 10:00 in Bogota.
pub const INSIDE: &str = "2026-11-22T15:00:00Z";
/// Outside it: 27 Nov 2026.
pub const OUTSIDE: &str = "2026-11-27T15:00:00Z";

pub async fn start_with(clock: &str, delay: Duration) -> RunningServer {
    server::spawn(ServerConfig {
        tenants: TenantsSource::Json(tenants_json()),
        clock: Some(at(clock)),
        provisioning_delay: delay,
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

pub async fn start(clock: &str) -> RunningServer {
    start_with(clock, Duration::from_secs(300)).await
}

pub fn unix_now() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap()
}

/// The code for `secret` at time step `step`.
pub fn code_at_step(secret: &str, step: u64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    totp.generate(step * 30).to_string()
}

/// The current code.
pub fn code_now(secret: &str) -> String {
    code_at_step(secret, unix_now() / 30)
}

/// A JSON client over real HTTP.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// The error code of an error answer (and checks the envelope's shape).
    pub fn code(&self) -> &str {
        let e = &self.body["error"];
        assert!(
            e["message"].is_string(),
            "envelope without message: {}",
            self.body
        );
        assert!(
            e["details"].is_object(),
            "envelope without details: {}",
            self.body
        );
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error envelope: {}", self.body))
    }

    pub fn details(&self) -> &Value {
        &self.body["error"]["details"]
    }
}

impl Api {
    pub fn new(server: &RunningServer) -> Self {
        Self {
            base: format!("{}/api/v1", server.base_url()),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.send(
            self.http
                .delete(format!("{}{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }

    pub async fn change(&self, token: &str, sub: &str, key: &str, body: Value) -> Answer {
        self.send(
            self.http
                .post(format!("{}/subscriptions/{sub}/changes", self.base))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body),
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Answer {
        self.post(
            "/auth/login",
            json!({"username": username, "password": password}),
        )
        .await
    }

    /// Full sign-in of an enrolled user with a code for `step`.
    pub async fn sign_in_at(
        &self,
        username: &str,
        password: &str,
        secret: &str,
        step: u64,
    ) -> Value {
        let login = self.login(username, password).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        assert_eq!(login.body["mfa"], "verify");
        let verify = self
            .post(
                "/auth/mfa/verify",
                json!({"mfa_token": login.body["mfa_token"], "code": code_at_step(secret, step)}),
            )
            .await;
        assert_eq!(verify.status, StatusCode::OK, "{}", verify.body);
        verify.body
    }

    /// Sign in with the current code; returns the access token.
    pub async fn sign_in(&self, username: &str, password: &str, secret: &str) -> String {
        let tokens = self
            .sign_in_at(username, password, secret, unix_now() / 30)
            .await;
        tokens["access_token"].as_str().unwrap().to_string()
    }

    pub async fn bob(&self) -> String {
        self.sign_in("bob", "bob-pw", BOB_SECRET).await
    }

    pub async fn gina(&self) -> String {
        self.sign_in("gina", "gina-pw", GINA_SECRET).await
    }

    pub async fn sub(&self, token: &str, id: &str) -> Value {
        let a = self.get(&format!("/subscriptions/{id}"), token).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        a.body
    }
}

//! Two-person approval and history over real HTTP: approval modes, roles,
//! self-approval, stale and re-checked approvals, one open request per
//! subscription, expiry, history in both modes and across a renewal,
//! isolation between tenants, idempotent decisions, the state file.

mod server_support;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use licencias::server::{self, RunningServer, ServerConfig, TenantsSource};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;

async fn start_ttl(ttl: Duration, state: Option<std::path::PathBuf>) -> RunningServer {
    server::spawn(ServerConfig {
        tenants: TenantsSource::Json(approval_tenants_json()),
        clock: Some(at(INSIDE)),
        approval_ttl: ttl,
        state_file: state,
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

async fn start_default() -> RunningServer {
    start_ttl(Duration::from_secs(259_200), None).await
}

async fn token(api: &Api, name: &str, secret: &str) -> String {
    api.sign_in(name, &format!("{name}-pw"), secret).await
}

/// A POST with an Idempotency-Key and an optional JSON body.
async fn post(api: &Api, t: &str, path: &str, key: &str, body: Option<Value>) -> Answer {
    let mut req = api
        .http
        .post(format!("{}{path}", api.base))
        .bearer_auth(t)
        .header("Idempotency-Key", key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    api.send(req).await
}

async fn request_change(api: &Api, t: &str, sub: &str, key: &str, q: u32, eff: &str) -> Answer {
    let v = api.sub(t, sub).await["version"].clone();
    api.change(
        t,
        sub,
        key,
        json!({"quantity": q, "effective": eff, "expected_version": v, "approval_reference": "CAB-7"}),
    )
    .await
}

async fn history(api: &Api, t: &str, sub: &str) -> Vec<Value> {
    let a = api.get(&format!("/subscriptions/{sub}/history"), t).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body["events"].as_array().unwrap().clone()
}

/// An instant of an answer (the business clock runs on from where a test
/// sets it, so instants are compared with each other, not with literals).
fn ts(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn me_shows_the_roles_and_the_tenants_approval_mode() {
    let server = start_default().await;
    let api = Api::new(&server);
    let bob = api.bob().await;
    let a = api.get("/me", &bob).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.body,
        json!({"username": "bob", "display_name": "Bob Ops", "roles": ["requester", "approver"],
               "tenant": {"id": "acme", "name": "Acme SAS", "approval": "attest"}})
    );
    let rita = token(&api, "rita", RITA).await;
    let a = api.get("/me", &rita).await;
    assert_eq!(a.body["roles"], json!(["requester"]));
    assert_eq!(a.body["tenant"]["approval"], "second_person");
    assert_eq!(
        api.get("/me", "nope").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_attest_tenant_changes_directly_and_records_history() {
    let server = start_default().await;
    let api = Api::new(&server);
    let bob = api.bob().await;
    let a = request_change(&api, &bob, "acme-bs", "k1", 12, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert!(a.body["operation"]["id"].is_string());
    assert!(a.body.get("change_request").is_none());
    assert_eq!(
        api.get("/change-requests", &bob).await.body["change_requests"],
        json!([])
    );
    // Provisioning finishes after the delay (300 s).
    server.set_clock(at(INSIDE) + TimeDelta::seconds(301));
    let a = request_change(&api, &bob, "acme-sched", "k2", 9, "renewal").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        api.delete("/subscriptions/acme-sched/scheduled-change", &bob)
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let events = history(&api, &bob, "acme-bs").await;
    assert_eq!(
        kinds(&events),
        ["operation_succeeded", "operation_accepted"],
        "newest first"
    );
    let accepted = &events[1];
    assert_eq!(accepted["actor"]["username"], "bob");
    assert_eq!(accepted["actor"]["display_name"], "Bob Ops");
    assert_eq!(
        (accepted["from"].clone(), accepted["to"].clone()),
        (json!(10), json!(12))
    );
    assert_eq!(accepted["effective"], "now");
    assert_eq!(accepted["effective_date"], "2026-11-22");
    assert_eq!(accepted["approval_reference"], "CAB-7");
    assert!(accepted["change_request_id"].is_null());
    let done = &events[0];
    assert!(done["actor"].is_null(), "the portal itself: {done}");
    assert_eq!(done["operation_id"], accepted["operation_id"]);
    assert_eq!(
        ts(&done["at"]),
        ts(&accepted["at"]) + TimeDelta::seconds(300),
        "at the end of the provisioning delay"
    );
    let keys: Vec<&String> = done.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 11, "every field, null when it does not apply");

    let events = history(&api, &bob, "acme-sched").await;
    assert_eq!(
        kinds(&events),
        ["scheduled_change_cancelled", "change_scheduled"]
    );
    assert_eq!(events[1]["effective"], "renewal");
    assert_eq!(events[1]["effective_date"], "2026-12-20");
    assert_eq!(events[0]["to"], 9);
}

#[tokio::test]
async fn a_second_person_approves_and_the_change_applies_as_a_direct_one() {
    let server = start_default().await;
    let api = Api::new(&server);
    let (rita, anna) = (
        token(&api, "rita", RITA).await,
        token(&api, "anna", ANNA).await,
    );
    let before = api.sub(&rita, "ini-a").await;
    let a = request_change(&api, &rita, "ini-a", "r1", 8, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let cr = &a.body["change_request"];
    let id = cr["id"].as_str().unwrap().to_string();
    assert_eq!(cr["status"], "awaiting_approval");
    assert_eq!(cr["subscription_id"], "ini-a");
    assert_eq!(cr["subscription_name"], "Plan ini-a");
    assert_eq!(
        (cr["from"].clone(), cr["quantity"].clone()),
        (json!(10), json!(8))
    );
    assert_eq!(cr["effective"], "now");
    assert_eq!(cr["effective_date"], "2026-11-22");
    assert_eq!(cr["approval_reference"], "CAB-7");
    assert_eq!(cr["warnings"], json!(["below-assigned"]));
    assert_eq!(
        cr["requested_by"],
        json!({"username": "rita", "display_name": "rita (display)"})
    );
    let requested = ts(&cr["requested_at"]);
    assert!(requested >= at(INSIDE), "business clock: {requested}");
    assert_eq!(ts(&cr["expires_at"]) - requested, TimeDelta::hours(72));
    for k in ["decided_by", "decided_at", "reason", "operation_id"] {
        assert!(cr[k].is_null(), "{k}");
    }
    // Nothing applied yet.
    assert_eq!(api.sub(&rita, "ini-a").await, before);

    // One open request per subscription.
    let again = request_change(&api, &rita, "ini-a", "r2", 12, "renewal").await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "approval_pending")
    );
    assert_eq!(again.details()["change_request_id"], id.as_str());
    // Roles: an approver-only user cannot request; a requester-only one cannot approve.
    let a = request_change(&api, &anna, "ini-b", "a1", 25, "now").await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let approve = format!("/change-requests/{id}/approve");
    let a = post(&api, &rita, &approve, "r3", None).await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, "forbidden"));

    // The key is required; the body may be empty.
    let a = api
        .send(
            api.http
                .post(format!("{}{approve}", api.base))
                .bearer_auth(&anna),
        )
        .await;
    assert_eq!(a.code(), "idempotency_key_required");
    let ok = post(&api, &anna, &approve, "a2", None).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let cr = &ok.body["change_request"];
    assert_eq!(cr["status"], "approved");
    assert_eq!(cr["decided_by"]["username"], "anna");
    assert!(ts(&cr["decided_at"]) >= requested);
    let op = &ok.body["operation"];
    assert_eq!(cr["operation_id"], op["id"]);
    assert_eq!(op["status"], "pending");
    assert_eq!(op["target_quantity"], 8);
    assert!(ok.body.get("scheduled_change").is_none());
    let sub = api.sub(&rita, "ini-a").await;
    assert_eq!(sub["pending_operation"]["id"], op["id"]);

    // Idempotent: the same key replays; a new key finds it decided.
    let replay = post(&api, &anna, &approve, "a2", None).await;
    assert_eq!((replay.status, &replay.body), (ok.status, &ok.body));
    assert_eq!(replay.headers["Idempotent-Replayed"], "true");
    let reused = post(&api, &anna, &approve, "a2", Some(json!({"note": 1}))).await;
    assert_eq!(reused.code(), "idempotency_key_reused");
    let late = post(&api, &anna, &approve, "a3", Some(json!({}))).await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "request_not_pending")
    );
    assert_eq!(late.details()["status"], "approved");
    let a = api.get("/subscriptions/ini-a/history", &rita).await;
    let events = a.body["events"].as_array().unwrap();
    assert_eq!(
        kinds(events),
        ["operation_accepted", "change_approved", "change_requested"]
    );
    assert_eq!(events[2]["actor"]["username"], "rita");
    assert_eq!(events[1]["actor"]["username"], "anna");
    for e in events {
        assert_eq!(e["change_request_id"], id.as_str());
        assert_eq!(e["approval_reference"], "CAB-7");
    }
    assert_eq!(events[0]["operation_id"], op["id"]);

    // A change at renewal, approved: 200 with the scheduled change.
    let a = request_change(&api, &rita, "ini-b", "r4", 25, "renewal").await;
    let id = a.body["change_request"]["id"].as_str().unwrap().to_string();
    assert_eq!(a.body["change_request"]["effective_date"], "2026-12-20");
    let ok = post(
        &api,
        &anna,
        &format!("/change-requests/{id}/approve"),
        "a4",
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        ok.body["scheduled_change"],
        json!({"quantity": 25, "effective_date": "2026-12-20"})
    );
    assert!(ok.body.get("operation").is_none());
    assert_eq!(
        api.sub(&rita, "ini-b").await["scheduled_change"]["quantity"],
        25
    );
}

#[tokio::test]
async fn nobody_approves_their_own_request_and_only_the_requester_cancels() {
    let server = start_default().await;
    let api = Api::new(&server);
    let (max, anna) = (
        token(&api, "max", MAX).await,
        token(&api, "anna", ANNA).await,
    );
    let a = request_change(&api, &max, "ini-c", "m1", 40, "now").await;
    let id = a.body["change_request"]["id"].as_str().unwrap().to_string();
    assert_eq!(a.body["change_request"]["warnings"], json!([]));
    let a = post(
        &api,
        &max,
        &format!("/change-requests/{id}/approve"),
        "m2",
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::FORBIDDEN, "self_approval_forbidden")
    );
    let a = post(
        &api,
        &max,
        &format!("/change-requests/{id}/reject"),
        "m3",
        Some(json!({"reason": "no"})),
    )
    .await;
    assert_eq!(a.code(), "self_approval_forbidden");
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{id}/cancel"),
        "n1",
        None,
    )
    .await;
    assert_eq!((a.status, a.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let a = post(
        &api,
        &max,
        &format!("/change-requests/{id}/cancel"),
        "m4",
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["change_request"]["status"], "cancelled");
    assert_eq!(a.body["change_request"]["decided_by"]["username"], "max");
    let a = post(
        &api,
        &max,
        &format!("/change-requests/{id}/cancel"),
        "m5",
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "request_not_pending")
    );
    // The subscription is free again.
    let a = request_change(&api, &max, "ini-c", "m6", 41, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(
        kinds(&history(&api, &anna, "ini-c").await),
        ["change_requested", "change_cancelled", "change_requested"]
    );
}

#[tokio::test]
async fn a_rejection_needs_a_reason_of_1_to_500_characters() {
    let server = start_default().await;
    let api = Api::new(&server);
    let (rita, anna) = (
        token(&api, "rita", RITA).await,
        token(&api, "anna", ANNA).await,
    );
    let a = request_change(&api, &rita, "ini-a", "r1", 200, "now").await;
    let cr = &a.body["change_request"];
    assert_eq!(cr["warnings"], json!(["large-increase"]));
    let reject = format!("/change-requests/{}/reject", cr["id"].as_str().unwrap());
    for (key, body) in [
        ("a1", None),
        ("a2", Some(json!({}))),
        ("a3", Some(json!({"reason": "   "}))),
        ("a4", Some(json!({"reason": "x".repeat(501)}))),
        ("a5", Some(json!({"reason": 5}))),
    ] {
        let a = post(&api, &anna, &reject, key, body.clone()).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{body:?}"
        );
    }
    let reason = "ñ".repeat(500);
    let a = post(&api, &anna, &reject, "a6", Some(json!({"reason": reason}))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["change_request"]["status"], "rejected");
    assert_eq!(a.body["change_request"]["reason"], reason.as_str());
    let events = history(&api, &rita, "ini-a").await;
    assert_eq!(kinds(&events), ["change_rejected", "change_requested"]);
    assert_eq!(events[0]["reason"], reason.as_str());
    assert_eq!(events[0]["actor"]["username"], "anna");
    assert_eq!(api.sub(&rita, "ini-a").await["quantity"], 10);
}

#[tokio::test]
async fn approval_checks_again_stale_and_refused_requests_fail_with_the_reason() {
    // A long ttl: the clock moves days.
    let server = start_ttl(Duration::from_secs(60 * 86_400), None).await;
    let api = Api::new(&server);
    let (rita, anna) = (
        token(&api, "rita", RITA).await,
        token(&api, "anna", ANNA).await,
    );
    // A decrease now, inside the window (20..25 Nov)...
    let a = request_change(&api, &rita, "ini-b", "r1", 15, "now").await;
    let dec = a.body["change_request"]["id"].as_str().unwrap().to_string();
    // ...and an increase of a subscription whose scheduled change applies at renewal.
    let a = request_change(&api, &rita, "ini-sched", "r2", 14, "now").await;
    let cr = &a.body["change_request"];
    assert_eq!(cr["warnings"], json!(["deletes-scheduled-change"]));
    let stale = cr["id"].as_str().unwrap().to_string();

    // The window closes: the rule refuses now.
    server.set_clock(at(OUTSIDE));
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{dec}/approve"),
        "a1",
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "decrease_outside_window")
    );
    assert_eq!(a.details()["next_window_opens"], "2026-12-20");
    assert_eq!(a.details()["change_request"]["status"], "failed");
    let got = api.get(&format!("/change-requests/{dec}"), &rita).await;
    let cr = &got.body["change_request"];
    assert_eq!(cr["status"], "failed");
    assert!(cr["reason"].as_str().unwrap().contains("decrease window"));
    let events = history(&api, &rita, "ini-b").await;
    assert_eq!(kinds(&events), ["change_failed", "change_requested"]);
    assert_eq!(events[0]["reason"], cr["reason"]);
    assert_eq!(api.sub(&rita, "ini-b").await["quantity"], 20);

    // The renewal applies the scheduled 8: the request made from 12 is stale.
    server.set_clock(at("2026-12-21T15:00:00Z"));
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{stale}/approve"),
        "a2",
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "request_stale")
    );
    assert_eq!(a.details()["quantity"], 8);
    assert_eq!(a.details()["from"], 12);
    // The failure is what the key replays.
    let replay = post(
        &api,
        &anna,
        &format!("/change-requests/{stale}/approve"),
        "a2",
        None,
    )
    .await;
    assert_eq!((replay.status, &replay.body), (a.status, &a.body));
    let events = history(&api, &rita, "ini-sched").await;
    assert_eq!(
        kinds(&events),
        ["change_failed", "renewed", "change_requested"]
    );
    assert_eq!(events[1]["at"], "2026-12-20T05:00:00Z", "00:00 in Bogota");
    assert!(events[1]["actor"].is_null());
    assert_eq!(
        (events[1]["from"].clone(), events[1]["to"].clone()),
        (json!(12), json!(8))
    );
    assert_eq!(events[1]["effective_date"], "2026-12-20");
    assert_eq!(api.sub(&rita, "ini-sched").await["quantity"], 8);
}

#[tokio::test]
async fn an_undecided_request_expires_after_the_ttl_on_the_business_clock() {
    let server = start_ttl(Duration::from_secs(60), None).await;
    let api = Api::new(&server);
    let (rita, anna) = (
        token(&api, "rita", RITA).await,
        token(&api, "anna", ANNA).await,
    );
    let a = request_change(&api, &rita, "ini-a", "r1", 11, "now").await;
    let cr = &a.body["change_request"];
    let expires = ts(&cr["expires_at"]);
    assert_eq!(expires - ts(&cr["requested_at"]), TimeDelta::seconds(60));
    let id = cr["id"].as_str().unwrap().to_string();
    server.set_clock(expires - TimeDelta::seconds(2));
    let a = api.get(&format!("/change-requests/{id}"), &anna).await;
    assert_eq!(a.body["change_request"]["status"], "awaiting_approval");
    server.set_clock(expires);
    let a = api.get(&format!("/change-requests/{id}"), &anna).await;
    assert_eq!(a.body["change_request"]["status"], "expired");
    assert_eq!(ts(&a.body["change_request"]["decided_at"]), expires);
    assert!(a.body["change_request"]["decided_by"].is_null());
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{id}/approve"),
        "a1",
        None,
    )
    .await;
    assert_eq!(a.code(), "request_not_pending");
    assert_eq!(a.details()["status"], "expired");
    let events = history(&api, &anna, "ini-a").await;
    assert_eq!(kinds(&events), ["change_expired", "change_requested"]);
    assert!(events[0]["actor"].is_null());
    // A new request can be made.
    let a = request_change(&api, &rita, "ini-a", "r2", 11, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
}

#[tokio::test]
async fn requests_and_history_never_cross_tenants() {
    let server = start_default().await;
    let api = Api::new(&server);
    let (rita, uma, bob) = (
        token(&api, "rita", RITA).await,
        token(&api, "uma", UMA).await,
        api.bob().await,
    );
    let a = request_change(&api, &rita, "ini-a", "r1", 11, "now").await;
    let id = a.body["change_request"]["id"].as_str().unwrap().to_string();
    let u = request_change(&api, &uma, "umb-a", "u1", 6, "now").await;
    let uid = u.body["change_request"]["id"].as_str().unwrap().to_string();
    for t in [&uma, &bob] {
        let list = api.get("/change-requests", t).await;
        let ids: Vec<&str> = list.body["change_requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&id.as_str()), "{ids:?}");
        let a = api.get(&format!("/change-requests/{id}"), t).await;
        assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"));
        let a = api.get("/subscriptions/ini-a/history", t).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    for action in ["approve", "cancel"] {
        let a = post(
            &api,
            &uma,
            &format!("/change-requests/{id}/{action}"),
            action,
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{action}");
    }
    let a = post(
        &api,
        &uma,
        &format!("/change-requests/{id}/reject"),
        "rej",
        Some(json!({"reason": "not yours"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = api.get(&format!("/change-requests/{uid}"), &uma).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("/change-requests/{id}"), &rita).await.body["change_request"]["status"],
        "awaiting_approval"
    );
}

#[tokio::test]
async fn the_list_filters_by_status_and_pages_oldest_first() {
    let server = start_default().await;
    let api = Api::new(&server);
    let (max, anna) = (
        token(&api, "max", MAX).await,
        token(&api, "anna", ANNA).await,
    );
    let mut ids = Vec::new();
    for (i, sub) in ["ini-a", "ini-b", "ini-c"].iter().enumerate() {
        server.set_clock(at(INSIDE) + TimeDelta::seconds(i64::try_from(i).unwrap()));
        let a = request_change(&api, &max, sub, &format!("k{i}"), 50, "now").await;
        ids.push(a.body["change_request"]["id"].as_str().unwrap().to_string());
    }
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{}/approve", ids[1]),
        "a",
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);

    let page = api.get("/change-requests?page_size=2", &anna).await;
    let got: Vec<&str> = page.body["change_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[0].as_str(), ids[1].as_str()]);
    let token = page.body["next_page_token"].as_str().unwrap();
    let next = api
        .get(
            &format!("/change-requests?page_size=2&page_token={token}"),
            &anna,
        )
        .await;
    assert_eq!(next.body["change_requests"][0]["id"], ids[2].as_str());
    assert!(next.body["next_page_token"].is_null());

    let awaiting = api
        .get("/change-requests?status=awaiting_approval", &anna)
        .await;
    assert_eq!(
        awaiting.body["change_requests"].as_array().unwrap().len(),
        2
    );
    let approved = api.get("/change-requests?status=approved", &anna).await;
    assert_eq!(approved.body["change_requests"][0]["id"], ids[1].as_str());
    for bad in ["status=open", "page_size=0", "page_token=zz"] {
        let a = api.get(&format!("/change-requests?{bad}"), &anna).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn history_pages_newest_first_and_tokens_survive_new_events() {
    let server = start_default().await;
    let api = Api::new(&server);
    let bob = api.bob().await;
    // Three events: scheduled, cancelled, scheduled again.
    request_change(&api, &bob, "acme-bs", "k1", 14, "renewal").await;
    api.delete("/subscriptions/acme-bs/scheduled-change", &bob)
        .await;
    request_change(&api, &bob, "acme-bs", "k2", 15, "renewal").await;
    let first = api
        .get("/subscriptions/acme-bs/history?page_size=2", &bob)
        .await;
    assert_eq!(
        kinds(first.body["events"].as_array().unwrap()),
        ["change_scheduled", "scheduled_change_cancelled"]
    );
    assert_eq!(first.body["events"][0]["to"], 15);
    let token = first.body["next_page_token"].as_str().unwrap().to_string();
    // A new event in between does not shift the next page.
    api.delete("/subscriptions/acme-bs/scheduled-change", &bob)
        .await;
    let next = api
        .get(
            &format!("/subscriptions/acme-bs/history?page_size=2&page_token={token}"),
            &bob,
        )
        .await;
    let events = next.body["events"].as_array().unwrap();
    assert_eq!(kinds(events), ["change_scheduled"]);
    assert_eq!(events[0]["to"], 14);
    assert!(next.body["next_page_token"].is_null());
    for bad in ["page_token=e99", "page_token=o1", "page_size=201"] {
        let a = api
            .get(&format!("/subscriptions/acme-bs/history?{bad}"), &bob)
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let a = api.get("/subscriptions/nope/history", &bob).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_and_history_are_kept_in_the_state_file() {
    let dir = std::env::temp_dir().join(format!("licencias-approvals-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let server = start_ttl(Duration::from_secs(259_200), Some(state.clone())).await;
    let api = Api::new(&server);
    let rita = token(&api, "rita", RITA).await;
    let a = request_change(&api, &rita, "ini-a", "r1", 11, "now").await;
    let id = a.body["change_request"]["id"].as_str().unwrap().to_string();
    server.shutdown().await;

    let server = start_ttl(Duration::from_secs(259_200), Some(state)).await;
    // The restart comes later in business time too (the pinned clock would
    // otherwise start again at the same instant, before the first run's events).
    server.set_clock(at(INSIDE) + TimeDelta::minutes(1));
    let api = Api::new(&server);
    let anna = token(&api, "anna", ANNA).await;
    let a = api.get(&format!("/change-requests/{id}"), &anna).await;
    assert_eq!(a.body["change_request"]["status"], "awaiting_approval");
    let a = post(
        &api,
        &anna,
        &format!("/change-requests/{id}/approve"),
        "a1",
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(
        kinds(&history(&api, &anna, "ini-a").await),
        ["operation_accepted", "change_approved", "change_requested"]
    );
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn history_records_dropped_scheduled_changes_expiry_and_failed_operations() {
    let server = start_default().await;
    let api = Api::new(&server);
    let bob = api.bob().await;
    // An immediate change drops the change scheduled for the renewal.
    let a = request_change(&api, &bob, "acme-sched", "k1", 13, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let events = history(&api, &bob, "acme-sched").await;
    assert_eq!(
        kinds(&events),
        ["operation_accepted", "scheduled_change_cancelled"]
    );
    assert_eq!(events[1]["to"], 8);
    assert_eq!(events[1]["effective"], "renewal");
    assert_eq!(events[1]["actor"]["username"], "bob");

    // 23:58 in Bogota the day before the renewal of a subscription without
    // auto-renew: the increase is still provisioning when it expires.
    server.set_clock(at("2026-12-20T04:58:00Z"));
    let a = request_change(&api, &bob, "acme-noauto", "k2", 16, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    server.set_clock(at("2026-12-20T05:01:00Z"));
    assert_eq!(api.sub(&bob, "acme-noauto").await["status"], "expired");
    server.set_clock(at("2026-12-20T06:00:00Z"));
    let op = api
        .get(
            &format!(
                "/operations/{}",
                a.body["operation"]["id"].as_str().unwrap()
            ),
            &bob,
        )
        .await;
    assert_eq!(op.body["status"], "failed");
    let events = history(&api, &bob, "acme-noauto").await;
    assert_eq!(
        kinds(&events),
        [
            "operation_failed",
            "subscription_expired",
            "operation_accepted"
        ]
    );
    assert!(events[0]["reason"].is_string());
    assert!(events[0]["actor"].is_null() && events[1]["actor"].is_null());
    assert_eq!(events[1]["at"], "2026-12-20T05:00:00Z");
    assert_eq!(events[1]["effective_date"], "2026-12-20");
    assert_eq!(events[0]["operation_id"], a.body["operation"]["id"]);
}

/// Sign in a demo user who is not enrolled: enrol, then verify a code.
async fn enrol(api: &Api, name: &str, password: &str) -> String {
    let login = api.login(name, password).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["mfa"], "enroll");
    let mfa = login.body["mfa_token"].clone();
    let e = api
        .post("/auth/mfa/enroll", json!({"mfa_token": mfa}))
        .await;
    let secret = e.body["secret"].as_str().unwrap().to_string();
    let v = api
        .post(
            "/auth/mfa/verify",
            json!({"mfa_token": mfa, "code": code_now(&secret)}),
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    v.body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_demo_fabrikam_tenant_needs_a_second_person_and_contoso_does_not() {
    let server = server::spawn(ServerConfig::default()).await.unwrap();
    let api = Api::new(&server);
    let admin = enrol(&api, "fabrikam-admin", "fabrikam-demo").await;
    let approver = enrol(&api, "fabrikam-approver", "fabrikam-demo").await;
    let demo = enrol(&api, "demo", "licencias-demo").await;
    assert_eq!(
        api.get("/me", &demo).await.body["tenant"]["approval"],
        "attest"
    );
    let me = api.get("/me", &approver).await.body;
    assert_eq!(me["roles"], json!(["approver"]));
    assert_eq!(me["tenant"]["approval"], "second_person");

    let a = request_change(&api, &admin, "fab-bs", "d1", 60, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let id = a.body["change_request"]["id"].as_str().unwrap().to_string();
    let a = request_change(&api, &approver, "fab-bb", "d2", 25, "now").await;
    assert_eq!(a.code(), "forbidden");
    let approve = format!("/change-requests/{id}/approve");
    let a = post(&api, &admin, &approve, "d3", None).await;
    assert_eq!(a.code(), "self_approval_forbidden");
    let a = post(&api, &approver, &approve, "d4", None).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert_eq!(a.body["operation"]["target_quantity"], 60);
    // contoso's first run is unchanged: a direct change.
    let a = request_change(&api, &demo, "sub-bs", "d5", 12, "now").await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    assert!(a.body["operation"].is_object());
    server.shutdown().await;
}

//! Changes over real HTTP: every refusal with its details, the decrease
//! window on both sides of midnight in the portal zone, scheduled changes,
//! idempotency, version conflicts, provisioning and renewals.

mod server_support;

use std::time::Duration;

use chrono::TimeDelta;
use licencias::api::{ApiError, ErrorEnvelope};
use licencias::domain::Refusal;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;

fn body(q: u32, effective: &str, version: &Value) -> Value {
    json!({"quantity": q, "effective": effective, "expected_version": version})
}

fn refusal(a: &Answer) -> Refusal {
    let env: ErrorEnvelope = serde_json::from_value(a.body.clone()).unwrap();
    let e: ApiError = env.error;
    e.to_refusal()
        .unwrap_or_else(|| panic!("not a refusal: {}", a.body))
}

#[tokio::test]
async fn every_refusal_code_with_its_details() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let v = api.sub(&t, "acme-bs").await["version"].clone();

    let a = api.change(&t, "acme-bs", "k1", body(10, "now", &v)).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "quantity_unchanged")
    );
    assert_eq!(a.details()["quantity"], 10);

    let a = api.change(&t, "acme-bs", "k2", body(0, "now", &v)).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "quantity_out_of_range")
    );
    assert_eq!(a.details()["requested"], 0);
    assert_eq!(a.details()["min"], 1);
    assert_eq!(a.details()["max"], 300);
    assert_eq!(
        refusal(&a),
        Refusal::BelowMinimum {
            requested: 0,
            min: 1
        }
    );

    let m = api.sub(&t, "acme-max").await["version"].clone();
    let a = api.change(&t, "acme-max", "k3", body(301, "now", &m)).await;
    assert_eq!(a.code(), "quantity_out_of_range");
    assert_eq!(
        refusal(&a),
        Refusal::AboveMaximum {
            requested: 301,
            max: 300
        }
    );
    // Near the maximum: up to it is fine.
    let a = api
        .change(&t, "acme-max", "k3b", body(300, "renewal", &m))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);

    let n = api.sub(&t, "acme-noauto").await["version"].clone();
    let a = api
        .change(&t, "acme-noauto", "k4", body(20, "renewal", &n))
        .await;
    assert_eq!(a.code(), "auto_renew_disabled");
    assert_eq!(a.details()["renewal_date"], "2026-12-20");

    let s = api.sub(&t, "acme-susp").await["version"].clone();
    let a = api.change(&t, "acme-susp", "k5", body(6, "now", &s)).await;
    assert_eq!(a.code(), "subscription_not_active");
    assert_eq!(a.details()["status"], "suspended");

    let e = api.sub(&t, "acme-exo").await["version"].clone();
    let ok = api.change(&t, "acme-exo", "k6", body(4, "now", &e)).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
    let op_id = ok.body["operation"]["id"].clone();
    let e2 = api.sub(&t, "acme-exo").await["version"].clone();
    for (key, eff) in [("k7", "now"), ("k8", "renewal")] {
        let a = api.change(&t, "acme-exo", key, body(5, eff, &e2)).await;
        assert_eq!(a.code(), "operation_in_progress", "{eff}");
        assert_eq!(a.details()["operation_id"], op_id);
        assert_eq!(a.details()["target_quantity"], 4);
    }

    // Outside the window: a decrease now is refused with the dates.
    server.set_clock(at(OUTSIDE));
    let v = api.sub(&t, "acme-bs").await["version"].clone();
    let a = api.change(&t, "acme-bs", "k9", body(9, "now", &v)).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "decrease_outside_window")
    );
    assert_eq!(a.details()["window_closed_on"], "2026-11-25");
    assert_eq!(a.details()["next_window_opens"], "2026-12-20");
    assert_eq!(a.details()["next_window_closes"], "2026-12-25");
    assert!(matches!(
        refusal(&a),
        Refusal::DecreaseOutsideWindow {
            can_schedule: true,
            ..
        }
    ));
    // ...and can be scheduled for the renewal instead.
    let a = api
        .change(&t, "acme-bs", "k10", body(9, "renewal", &v))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.body,
        json!({"scheduled_change": {"quantity": 9, "effective_date": "2026-12-20"}})
    );
    // An increase is allowed any time.
    let v = api.sub(&t, "acme-bs").await["version"].clone();
    let a = api.change(&t, "acme-bs", "k11", body(11, "now", &v)).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    server.shutdown().await;
}

#[tokio::test]
async fn decrease_window_on_both_sides_of_midnight_in_bogota() {
    // 2026-11-26T04:59:00Z is 23:59 on 25 Nov in Bogota: last minute of the window.
    let server = start("2026-11-26T04:59:00Z").await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let s = api.sub(&t, "acme-exo").await;
    assert_eq!(
        s["decrease_window"],
        json!({"open": true, "opens": "2026-11-20", "closes": "2026-11-25"})
    );
    let a = api
        .change(&t, "acme-exo", "m1", body(2, "now", &s["version"]))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);

    // 05:00Z is midnight on 26 Nov in Bogota: closed, the next window is shown.
    server.set_clock(at("2026-11-26T05:00:00Z"));
    let s = api.sub(&t, "acme-bs").await;
    assert_eq!(
        s["decrease_window"],
        json!({"open": false, "opens": "2026-12-20", "closes": "2026-12-25"})
    );
    let a = api
        .change(&t, "acme-bs", "m2", body(9, "now", &s["version"]))
        .await;
    assert_eq!(a.code(), "decrease_outside_window");

    // The next window opens at 00:00 on the renewal date, with the renewal.
    server.set_clock(at("2026-12-20T04:59:00Z"));
    let s = api.sub(&t, "acme-bs").await;
    assert_eq!(s["term_start"], "2026-11-20");
    let a = api
        .change(&t, "acme-bs", "m3", body(9, "now", &s["version"]))
        .await;
    assert_eq!(a.code(), "decrease_outside_window");
    server.set_clock(at("2026-12-20T05:00:00Z"));
    let s2 = api.sub(&t, "acme-bs").await;
    assert_eq!(s2["term_start"], "2026-12-20");
    assert_eq!(s2["renewal_date"], "2027-01-20");
    assert_ne!(s2["version"], s["version"]);
    assert_eq!(
        s2["decrease_window"],
        json!({"open": true, "opens": "2026-12-20", "closes": "2026-12-25"})
    );
    let a = api
        .change(&t, "acme-bs", "m4", body(9, "now", &s2["version"]))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    server.shutdown().await;
}

#[tokio::test]
async fn scheduled_changes_deleted_by_an_immediate_change_or_by_delete() {
    let server = start(OUTSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let s = api.sub(&t, "acme-sched").await;
    assert_eq!(
        s["scheduled_change"],
        json!({"quantity": 8, "effective_date": "2026-12-20"})
    );
    // Unchanged at renewal means equal to the scheduled quantity.
    let a = api
        .change(&t, "acme-sched", "s1", body(8, "renewal", &s["version"]))
        .await;
    assert_eq!(a.code(), "quantity_unchanged");
    assert_eq!(a.details()["quantity"], 8);

    // DELETE: 204, then 404 no_scheduled_change; the version moves.
    let d = api
        .delete("/subscriptions/acme-sched/scheduled-change", &t)
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    let s2 = api.sub(&t, "acme-sched").await;
    assert_eq!(s2["scheduled_change"], Value::Null);
    assert_ne!(s2["version"], s["version"]);
    let d = api
        .delete("/subscriptions/acme-sched/scheduled-change", &t)
        .await;
    assert_eq!(
        (d.status, d.code()),
        (StatusCode::NOT_FOUND, "no_scheduled_change")
    );

    // Schedule again, then an immediate increase deletes it.
    let a = api
        .change(&t, "acme-sched", "s2", body(10, "renewal", &s2["version"]))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let s3 = api.sub(&t, "acme-sched").await;
    assert_eq!(s3["scheduled_change"]["quantity"], 10);
    let a = api
        .change(&t, "acme-sched", "s3", body(14, "now", &s3["version"]))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let s4 = api.sub(&t, "acme-sched").await;
    assert_eq!(s4["scheduled_change"], Value::Null);
    assert_eq!(s4["quantity"], 12, "still the old quantity while pending");
    assert_eq!(s4["pending_operation"]["target_quantity"], 14);
    assert_eq!(s4["pending_operation"]["status"], "pending");
    server.shutdown().await;
}

#[tokio::test]
async fn idempotent_retries_replay_the_first_answer() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let v = api.sub(&t, "acme-bs").await["version"].clone();

    let first = api
        .change(&t, "acme-bs", "same-key", body(12, "now", &v))
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let after_first = api.sub(&t, "acme-bs").await;
    let retry = api
        .change(&t, "acme-bs", "same-key", body(12, "now", &v))
        .await;
    assert_eq!(retry.status, StatusCode::ACCEPTED);
    assert_eq!(retry.body, first.body, "same operation, nothing done again");
    assert_eq!(api.sub(&t, "acme-bs").await, after_first);

    let other = api
        .change(&t, "acme-bs", "same-key", body(13, "now", &v))
        .await;
    assert_eq!(
        (other.status, other.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
    );
    let elsewhere = api
        .change(&t, "acme-exo", "same-key", body(12, "now", &v))
        .await;
    assert_eq!(elsewhere.code(), "idempotency_key_reused");

    // A refusal is replayed too, even after the state has moved on.
    let e = api.sub(&t, "acme-e3").await["version"].clone();
    server.set_clock(at(OUTSIDE));
    let refused = api
        .change(&t, "acme-e3", "refused-key", body(30, "now", &e))
        .await;
    assert_eq!(refused.code(), "decrease_outside_window");
    server.set_clock(at("2027-11-20T15:00:00Z"));
    let replay = api
        .change(&t, "acme-e3", "refused-key", body(30, "now", &e))
        .await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(replay.body, refused.body);

    // Keys are scoped per user: another tenant's user can use the same key.
    let g = api.gina().await;
    let gv = api.sub(&g, "globex-bs").await["version"].clone();
    let a = api
        .change(&g, "globex-bs", "same-key", body(51, "now", &gv))
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    server.shutdown().await;
}

#[tokio::test]
async fn order_of_checks_on_changes() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let url = format!("{}/subscriptions/acme-bs/changes", api.base);
    let v = api.sub(&t, "acme-bs").await["version"].as_u64().unwrap();

    // 1. token (before anything else)
    let a = api.send(api.http.post(&url).body("{")).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    // 2. the Idempotency-Key is required
    let a = api
        .send(api.http.post(&url).bearer_auth(&t).body("{"))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "idempotency_key_required")
    );
    // 3. a body that is not declared JSON: 415
    let a = api
        .send(
            api.http
                .post(&url)
                .bearer_auth(&t)
                .header("Idempotency-Key", "o0")
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    // 3b. body shape: 400, and that answer is what the key replays
    let a = api
        .send(
            api.http
                .post(&url)
                .bearer_auth(&t)
                .header("Idempotency-Key", "o1")
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    let b = api
        .send(
            api.http
                .post(&url)
                .bearer_auth(&t)
                .header("Idempotency-Key", "o1")
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(b.body, a.body);
    // a key seen before with another body: reused, even if that body is malformed
    let c = api
        .send(
            api.http
                .post(&url)
                .bearer_auth(&t)
                .header("Idempotency-Key", "o1")
                .header("content-type", "application/json")
                .body("[]"),
        )
        .await;
    assert_eq!(c.code(), "idempotency_key_reused");
    // 4. expected_version before the rules
    let a = api
        .change(&t, "acme-bs", "o2", body(10, "now", &json!(v + 7)))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "version_conflict")
    );
    let current = api.sub(&t, "acme-bs").await;
    assert_eq!(a.details()["subscription"], current);
    // 5. the rules
    let a = api
        .change(&t, "acme-bs", "o3", body(10, "now", &json!(v)))
        .await;
    assert_eq!(a.code(), "quantity_unchanged");
    server.shutdown().await;
}

#[tokio::test]
async fn provisioning_is_pending_then_reflected_after_the_delay() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let before = api.sub(&t, "acme-bs").await;
    let a = api
        .change(
            &t,
            "acme-bs",
            "p1",
            json!({"quantity": 12, "effective": "now",
            "expected_version": before["version"], "approval_reference": "CAB-1234"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
    let op = a.body["operation"].clone();
    assert_eq!(op["status"], "pending");
    assert_eq!(op["subscription_id"], "acme-bs");
    assert_eq!(op["target_quantity"], 12);
    assert_eq!(op["completed_at"], Value::Null);
    let op_path = format!("/operations/{}", op["id"].as_str().unwrap());

    let pending = api.sub(&t, "acme-bs").await;
    assert_eq!(pending["quantity"], 10);
    assert_eq!(pending["pending_operation"]["id"], op["id"]);
    assert_ne!(pending["version"], before["version"]);
    let list = api.get("/services", &t).await;
    let row = &list.body["services"][0]["subscriptions"][0];
    assert_eq!(
        (row["id"].as_str(), row["has_pending_operation"].as_bool()),
        (Some("acme-bs"), Some(true))
    );
    assert_eq!(api.get(&op_path, &t).await.body["status"], "pending");

    // The business clock passes the provisioning delay (300 s).
    let submitted: chrono::DateTime<chrono::Utc> =
        op["submitted_at"].as_str().unwrap().parse().unwrap();
    server.set_clock(submitted + TimeDelta::seconds(301));
    let done = api.get(&op_path, &t).await;
    assert_eq!(done.body["status"], "succeeded");
    let completed: chrono::DateTime<chrono::Utc> =
        done.body["completed_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(completed, submitted + TimeDelta::seconds(300));
    let after = api.sub(&t, "acme-bs").await;
    assert_eq!(after["quantity"], 12);
    assert_eq!(after["pending_operation"], Value::Null);
    assert_ne!(after["version"], pending["version"]);
    server.shutdown().await;
}

#[tokio::test]
async fn provisioning_with_a_real_delay() {
    let server = start_with(INSIDE, Duration::from_secs(1)).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let v = api.sub(&t, "acme-bs").await["version"].clone();
    let a = api.change(&t, "acme-bs", "r1", body(11, "now", &v)).await;
    let op_path = format!(
        "/operations/{}",
        a.body["operation"]["id"].as_str().unwrap()
    );
    let mut status = Value::Null;
    for _ in 0..100 {
        status = api.get(&op_path, &t).await.body["status"].clone();
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "succeeded");
    assert_eq!(api.sub(&t, "acme-bs").await["quantity"], 11);
    server.shutdown().await;
}

#[tokio::test]
async fn renewals_apply_scheduled_changes_and_expire_without_auto_renew() {
    let server = start(OUTSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let before = api.sub(&t, "acme-sched").await;
    let susp = api.sub(&t, "acme-susp").await;
    server.set_clock(at("2026-12-20T05:00:00Z"));

    let s = api.sub(&t, "acme-sched").await;
    assert_eq!(s["quantity"], 8);
    assert_eq!(s["scheduled_change"], Value::Null);
    assert_eq!(s["term_start"], "2026-12-20");
    assert_eq!(s["renewal_date"], "2027-01-20");
    assert_ne!(s["version"], before["version"]);

    let x = api.sub(&t, "acme-noauto").await;
    assert_eq!(x["status"], "expired");
    assert_eq!(x["decrease_window"], Value::Null);
    let a = api
        .change(&t, "acme-noauto", "e1", body(16, "now", &x["version"]))
        .await;
    assert_eq!(a.code(), "subscription_not_active");
    assert_eq!(a.details()["status"], "expired");

    // Suspended subscriptions do not renew.
    let s2 = api.sub(&t, "acme-susp").await;
    assert_eq!(s2["term_start"], susp["term_start"]);
    assert_eq!(s2["version"], susp["version"]);
    server.shutdown().await;
}

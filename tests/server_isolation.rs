//! Tenants never see each other: another tenant's ids answer exactly like
//! ids that do not exist. Listing is per tenant and paginated.

mod server_support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use server_support::*;

#[tokio::test]
async fn another_tenants_ids_answer_like_missing_ones() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let bob = api.bob().await;
    let gina = api.gina().await;

    // Gina starts an operation on her own subscription.
    let gv = api.sub(&gina, "globex-bs").await["version"].clone();
    let op = api
        .change(
            &gina,
            "globex-bs",
            "g1",
            json!({"quantity": 51, "effective": "now", "expected_version": gv}),
        )
        .await;
    assert_eq!(op.status, StatusCode::ACCEPTED);
    let op_id = op.body["operation"]["id"].as_str().unwrap().to_string();

    for (theirs, missing) in [
        (
            "/subscriptions/globex-bs".to_string(),
            "/subscriptions/no-such-sub".to_string(),
        ),
        (
            format!("/operations/{op_id}"),
            "/operations/op-missing".to_string(),
        ),
    ] {
        let a = api.get(&theirs, &bob).await;
        let b = api.get(&missing, &bob).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(a.body, b.body, "{theirs} vs {missing}");
    }
    let a = api
        .delete("/subscriptions/globex-bs/scheduled-change", &bob)
        .await;
    let b = api
        .delete("/subscriptions/no-such-sub/scheduled-change", &bob)
        .await;
    assert_eq!((a.status, &a.body), (StatusCode::NOT_FOUND, &b.body));
    let a = api
        .change(
            &bob,
            "globex-bs",
            "b1",
            json!({"quantity": 60, "effective": "now", "expected_version": gv}),
        )
        .await;
    let b = api
        .change(
            &bob,
            "no-such-sub",
            "b2",
            json!({"quantity": 60, "effective": "now", "expected_version": gv}),
        )
        .await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(a.body, b.body);
    // Nothing of Globex's changed.
    let g = api.sub(&gina, "globex-bs").await;
    assert_eq!(g["pending_operation"]["target_quantity"], 51);

    // Listings are per tenant.
    let ids = |v: &Value| -> Vec<String> {
        v["services"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["subscriptions"].as_array().unwrap().iter())
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let bob_ids = ids(&api.get("/services", &bob).await.body);
    let gina_ids = ids(&api.get("/services", &gina).await.body);
    assert!(
        bob_ids.iter().all(|i| i.starts_with("acme-")),
        "{bob_ids:?}"
    );
    assert_eq!(gina_ids, vec!["globex-bs"]);
    server.shutdown().await;
}

#[tokio::test]
async fn services_are_paginated_with_summaries() {
    let server = start(INSIDE).await;
    let api = Api::new(&server);
    let t = api.bob().await;
    let mut names = vec![];
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(tok) => format!("/services?page_size=2&page_token={tok}"),
            None => "/services?page_size=2".to_string(),
        };
        let a = api.get(&path, &t).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        pages += 1;
        for s in a.body["services"].as_array().unwrap() {
            names.push(s["id"].as_str().unwrap().to_string());
        }
        match a.body["next_page_token"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(names, vec!["m365", "exo", "teams"]);

    let all = api.get("/services", &t).await.body;
    let row = &all["services"][0]["subscriptions"][1];
    assert_eq!(
        row,
        &json!({"id": "acme-sched", "name": "Plan acme-sched", "quantity": 12, "term": "P1M",
                "renewal_date": "2026-12-20", "status": "active",
                "decrease_window": {"open": true, "opens": "2026-11-20", "closes": "2026-11-25"},
                "has_scheduled_change": true, "has_pending_operation": false})
    );
    let full = api.sub(&t, "acme-bs").await;
    for key in [
        "id",
        "service_id",
        "name",
        "quantity",
        "min",
        "max",
        "term",
        "billing",
        "term_start",
        "anchor_day",
        "renewal_date",
        "auto_renew",
        "status",
        "assigned",
        "decrease_window",
        "scheduled_change",
        "pending_operation",
        "version",
    ] {
        assert!(full.get(key).is_some(), "missing {key} in {full}");
    }
    assert_eq!(full["assigned"], 9);
    assert_eq!(api.sub(&t, "acme-exo").await["assigned"], Value::Null);

    for bad in [
        "/services?page_size=0",
        "/services?page_size=abc",
        "/services?page_token=zzz",
    ] {
        let a = api.get(bad, &t).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{bad}"
        );
    }
    server.shutdown().await;
}

//! `licencias change` and `cancel-scheduled` over real HTTP against the
//! reference server (clock pinned): the rules, the review's warnings by
//! name, approval, confirmation, the idempotent retry, `--wait` to success,
//! failure and timeout, the audit lines, and exit codes 4 to 8.

mod cli_support;

use std::time::Duration;

use cli_support::{Env, INSIDE, OUTSIDE, start};
use serde_json::json;

const SLOW: Duration = Duration::from_secs(300);
const QUICK: Duration = Duration::from_secs(1);

async fn signed_in(clock: &str, delay: Duration) -> Env {
    let env = start(clock, delay).await;
    let out = env.login_bob().await;
    assert_eq!(out.code, 0, "{out:?}");
    env
}

async fn quantity(env: &Env, id: &str) -> serde_json::Value {
    env.run(&["show", id, "--json"]).await.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_without_a_total_acceptance_approval_and_confirmation() {
    let env = signed_in(INSIDE, SLOW).await;
    // a difference is not a total: exit 4 with the total meant
    let out = env
        .run(&["change", "acme-bs", "--total", "+2", "--json"])
        .await;
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.error_code(), "not_a_total");
    assert_eq!(out.json()["error"]["details"]["suggested_total"], 12);
    assert!(out.stderr.contains("12"), "{out:?}");
    for bad in ["-1", "2+", "ten", "2.5"] {
        let out = env
            .run(&["change", "acme-bs", "--total", bad, "--json"])
            .await;
        assert_eq!(out.code, 4, "{bad}: {out:?}");
        assert_eq!(out.error_code(), "not_a_total", "{bad}");
    }

    // a warning raised and not accepted: exit 5, naming it
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "30",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.error_code(), "warnings_not_accepted");
    assert_eq!(
        out.json()["error"]["details"]["missing"],
        json!(["large-increase"])
    );
    assert!(
        out.stderr.contains("[large-increase]"),
        "the review names it: {out:?}"
    );
    assert!(out.stderr.contains("10 -> 30"), "{out:?}");
    // accepting another warning does not count; an unknown name is a usage error
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "30",
            "--accept",
            "below-assigned",
            "--approved",
            "--yes",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:?}");
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "30",
            "--accept",
            "all",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.error_code(), "unknown_warning");

    // no approval: exit 5
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "30",
            "--accept",
            "large-increase",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.error_code(), "approval_required");

    // no --yes and no terminal: exit 5
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "30",
            "--accept",
            "large-increase",
            "--approval-ref",
            "TCK-1",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(out.error_code(), "confirmation_required");

    // nothing was sent, nothing was recorded
    let sub = quantity(&env, "acme-bs").await;
    assert_eq!(sub["quantity"], 10);
    assert!(sub["pending_operation"].is_null());
    assert!(env.audit_lines().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_refuse_with_the_portals_codes() {
    let env = signed_in(OUTSIDE, SLOW).await;
    let cases: [(&[&str], &str); 4] = [
        (&["acme-bs", "--total", "10"], "quantity_unchanged"),
        (&["acme-bs", "--total", "301"], "quantity_out_of_range"),
        (&["acme-susp", "--total", "6"], "subscription_not_active"),
        (
            &["acme-noauto", "--total", "14", "--at", "renewal"],
            "auto_renew_disabled",
        ),
    ];
    for (args, code) in cases {
        let mut all = vec!["change"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--approved", "--yes", "--json"]);
        let out = env.run(&all).await;
        assert_eq!(out.code, 4, "{args:?}: {out:?}");
        assert_eq!(out.error_code(), code, "{args:?}");
    }
    // a decrease outside the window names the window and the renewal
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "9",
            "--accept",
            "below-assigned",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(out.error_code(), "decrease_outside_window");
    let details = &out.json()["error"]["details"];
    assert_eq!(details["next_window_opens"], "2026-12-20");
    assert_eq!(details["renewal_date"], "2026-12-20");
    assert!(env.audit_lines().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_immediate_change_is_sent_once_and_a_retry_replays_it() {
    let env = signed_in(INSIDE, SLOW).await;
    let args = [
        "change",
        "acme-bs",
        "--total",
        "11",
        "--approval-ref",
        "TCK-7",
        "--yes",
        "--idempotency-key",
        "ticket-7-add-one",
        "--json",
    ];
    let first = env.run(&args).await;
    assert_eq!(first.code, 0, "{first:?}");
    let doc = first.json();
    let mut keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "effective",
            "effective_date",
            "from",
            "idempotency_key",
            "operation",
            "result",
            "scheduled_change",
            "subscription_id",
            "to",
            "warnings"
        ]
    );
    assert_eq!(doc["result"], "accepted");
    assert_eq!(doc["from"], 10);
    assert_eq!(doc["to"], 11);
    assert_eq!(doc["effective"], "now");
    assert_eq!(doc["effective_date"], "2026-11-22");
    assert_eq!(doc["idempotency_key"], "ticket-7-add-one");
    assert_eq!(doc["warnings"], json!([]));
    assert!(doc["scheduled_change"].is_null());
    let op = doc["operation"]["id"].as_str().unwrap().to_string();

    // the same command again: the portal replays, nothing applies twice
    let again = env.run(&args).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["operation"]["id"], op.as_str());
    let sub = quantity(&env, "acme-bs").await;
    assert_eq!(sub["pending_operation"]["id"], op.as_str());
    assert_eq!(sub["pending_operation"]["target_quantity"], 11);

    // the same key for another change is refused before sending
    let other = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "12",
            "--approved",
            "--yes",
            "--idempotency-key",
            "ticket-7-add-one",
            "--json",
        ])
        .await;
    assert_eq!(other.code, 4, "{other:?}");
    assert_eq!(other.error_code(), "idempotency_key_reused");

    // the audit lines: submitted then accepted, twice, all via the CLI
    let lines = env.audit_lines();
    let statuses: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["submitted", "accepted", "submitted", "accepted"]);
    for l in &lines {
        assert_eq!(l["via"], "cli");
        assert_eq!(l["user"], "bob");
        assert_eq!(l["subscription"], "acme-bs");
        assert_eq!(l["approval_reference"], "TCK-7");
        assert_eq!(l["idempotency_key"], "ticket-7-add-one");
    }
    assert_eq!(lines[1]["operation_id"], op.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_follows_the_operation_to_success_or_times_out() {
    let env = signed_in(INSIDE, QUICK).await;
    let out = env
        .run(&[
            "change",
            "acme-exo",
            "--total",
            "4",
            "--approved",
            "--yes",
            "--wait",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "succeeded");
    assert_eq!(doc["operation"]["status"], "succeeded");
    assert_eq!(quantity(&env, "acme-exo").await["quantity"], 4);
    let statuses: Vec<String> = env
        .audit_lines()
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["submitted", "accepted", "succeeded"]);

    // a slow portal: still pending when --wait-timeout passes, exit 8
    let slow = signed_in(INSIDE, SLOW).await;
    let out = slow
        .run(&[
            "change",
            "acme-exo",
            "--total",
            "4",
            "--approved",
            "--yes",
            "--wait",
            "--wait-timeout",
            "1",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 8, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "pending");
    assert_eq!(doc["operation"]["status"], "pending");
}

/// A change that fails on the portal: acme-noauto (auto-renew off) expires
/// at its renewal, midnight of 20 Dec in Bogota (05:00 UTC); the clock is
/// pinned a few seconds before, the increase is accepted, and the
/// subscription expires while it is being provisioned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_reports_a_failed_operation_with_exit_7() {
    let env = signed_in("2026-12-20T04:59:56Z", Duration::from_secs(8)).await;
    let out = env
        .run(&[
            "change",
            "acme-noauto",
            "--total",
            "16",
            "--approved",
            "--yes",
            "--wait",
            "--wait-timeout",
            "60",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 7, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "failed");
    assert_eq!(doc["operation"]["status"], "failed");
    let last = env.audit_lines().pop().unwrap();
    assert_eq!(last["status"], "failed");
    assert_eq!(last["via"], "cli");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_renewal_it_schedules_and_cancel_scheduled_removes_it() {
    let env = signed_in(INSIDE, SLOW).await;
    // replaces the change already scheduled: a warning to accept by name
    let out = env
        .run(&[
            "change",
            "acme-sched",
            "--total",
            "9",
            "--at",
            "renewal",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(
        out.json()["error"]["details"]["missing"],
        json!(["replaces-scheduled-change"])
    );
    let out = env
        .run(&[
            "change",
            "acme-sched",
            "--total",
            "9",
            "--at",
            "renewal",
            "--accept",
            "replaces-scheduled-change",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["result"], "scheduled");
    assert_eq!(doc["effective"], "renewal");
    assert_eq!(doc["effective_date"], "2026-12-20");
    assert_eq!(doc["scheduled_change"]["quantity"], 9);
    assert!(doc["operation"].is_null());
    assert_eq!(doc["warnings"], json!(["replaces-scheduled-change"]));

    // cancel: asks like change; no terminal and no --yes is exit 5
    let out = env.run(&["cancel-scheduled", "acme-sched", "--json"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    let out = env
        .run(&["cancel-scheduled", "acme-sched", "--yes", "--json"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["result"], "cancelled");
    assert_eq!(out.json()["scheduled_change"]["quantity"], 9);
    assert!(quantity(&env, "acme-sched").await["scheduled_change"].is_null());
    // nothing left to cancel: exit 2
    let out = env
        .run(&["cancel-scheduled", "acme-sched", "--yes", "--json"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.error_code(), "no_scheduled_change");
}

/// A retry whose first attempt was recorded against an older version (its
/// answer was lost before the portal applied it, and the subscription
/// changed since): the portal answers 409, the command exits 6 with the
/// fresh values and does not retry by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_conflict_is_exit_6_with_the_fresh_values() {
    let env = signed_in(INSIDE, SLOW).await;
    let current = quantity(&env, "acme-e3").await["version"].as_u64().unwrap();
    let line = json!({
        "time": "2026-11-22T15:00:00Z", "portal": env.url, "user": "bob",
        "subscription": "acme-e3", "from": 40, "to": 41, "effective": "now",
        "effective_date": "2026-11-22", "approval_reference": null,
        "idempotency_key": "lost-answer", "operation_id": null, "status": "submitted",
        "expected_version": current + 7, "via": "cli"
    });
    let dir = env.home.join("data/licencias");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("audit.jsonl"), format!("{line}\n")).unwrap();
    let out = env
        .run(&[
            "change",
            "acme-e3",
            "--total",
            "41",
            "--approved",
            "--yes",
            "--idempotency-key",
            "lost-answer",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(out.error_code(), "version_conflict");
    let fresh = &out.json()["error"]["details"]["subscription"];
    assert_eq!(fresh["quantity"], 40);
    assert_eq!(fresh["version"], current);
    let last = env.audit_lines().pop().unwrap();
    assert_eq!(last["status"], "conflict");
    assert_eq!(quantity(&env, "acme-e3").await["quantity"], 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_key_or_an_unwritable_audit_log_sends_nothing() {
    let env = signed_in(INSIDE, SLOW).await;
    let send = |key: String| {
        let env = &env;
        async move {
            env.run(&[
                "change",
                "acme-bs",
                "--total",
                "11",
                "--approved",
                "--yes",
                "--idempotency-key",
                &key,
                "--json",
            ])
            .await
        }
    };
    // not a header value: refused before sending
    let out = send("clé".into()).await;
    assert_eq!(out.code, 2, "{out:?}");
    // longer than the portal accepts: its 400 is a usage error too
    let out = send("k".repeat(300)).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        quantity(&env, "acme-bs").await["pending_operation"],
        serde_json::Value::Null
    );

    // the audit log cannot be written: not recorded, not sent (exit 1)
    let data = env.home.join("data/licencias");
    // (the over-long key was sent and refused: its lines are there)
    let statuses: Vec<String> = env
        .audit_lines()
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["submitted", "error"]);
    std::fs::remove_file(data.join("audit.jsonl")).unwrap();
    std::fs::create_dir_all(data.join("audit.jsonl")).unwrap();
    let out = env
        .run(&[
            "change",
            "acme-bs",
            "--total",
            "11",
            "--approved",
            "--yes",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.error_code(), "audit_log");
    assert!(quantity(&env, "acme-bs").await["pending_operation"].is_null());
}
